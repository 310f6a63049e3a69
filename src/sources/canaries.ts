// Sentinel rows that list publishers plant to catch blind imports (formats.md). Blocking them is
// harmless but would tell the admin nothing; dropping them with a notice shows the row was seen.

const CANARIES = new Set([
  '000delete.this.line.if.you.have.read.the.documentation.on.seirdy.one',
  '000this.is.generated.from.overlap.across.trusted.sources.example.com',
  'aud.invalid',
]);

/** True for a known sentinel row. Takes a normalised domain (see normalizeDomain). */
export function isCanary(domain: string): boolean {
  if (CANARIES.has(domain)) return true;
  // Oliphant's canary.tier0/tier1/fedinuke.example.com, and whatever tier they add next.
  return domain.startsWith('canary.') && domain.endsWith('.example.com');
}
