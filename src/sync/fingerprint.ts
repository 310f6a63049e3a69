// A plan records the fingerprint of the store it was made against; `apply` recomputes it and
// refuses a plan whose destination changed since (decisions.md: exit 2).
import { createHash } from 'node:crypto';
import type { StoredBlock } from '../model.js';

/** The fields that matter for a plan, in a fixed order (created_at and digest do not). */
const canonical = (b: StoredBlock): unknown[] => [
  b.id,
  b.domain,
  b.severity,
  b.reject_media === true,
  b.reject_reports === true,
  b.obfuscate === true,
  b.public_comment ?? '',
  b.private_comment ?? '',
];

/** SHA-256 hex over the canonical form of the blocks, sorted by domain (then id). Order-insensitive. */
export function storeFingerprint(blocks: StoredBlock[]): string {
  const rows = blocks.map(canonical);
  rows.sort((a, b) => cmp(String(a[1]), String(b[1])) || cmp(String(a[0]), String(b[0])));
  const h = createHash('sha256');
  h.update('fediblock-store-v1\n');
  // One JSON array per line: unambiguous whatever the comments contain.
  for (const r of rows) h.update(JSON.stringify(r) + '\n');
  return h.digest('hex');
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
