// Allowlists win over every list. Mastodon applies a block to subdomains too, so an allowed
// domain also frees its subdomains; and a block left on a *parent* of an allowed domain would
// still cover it — dropping the allowed domain cannot undo that, so it is reported to the admin.
import type { DroppedDomain, MergedBlock } from '../model.js';
import { nearestParent, parentDomains } from './parent-domains.js';

export interface AllowlistOptions {
  /** Also remove subdomains of allowlisted domains (default true). FediBlockHole removes exact matches only. */
  allowSubdomains?: boolean;
}

/** The allow entry that frees `domain`, if any. */
export function allowedBy(domain: string, allow: ReadonlySet<string>, allowSubdomains = true): string | undefined {
  if (allow.has(domain)) return domain;
  return allowSubdomains ? nearestParent(domain, (d) => allow.has(d)) : undefined;
}

/** The blocks the allowlist removes, and warnings for blocked parents of allowed domains. */
export function applyAllowlists(
  blocks: Pick<ReadonlyMap<string, MergedBlock>, 'keys' | 'get'>,
  allow: ReadonlySet<string>,
  options: AllowlistOptions = {},
): { dropped: DroppedDomain[]; warnings: string[] } {
  const dropped: DroppedDomain[] = [];
  if (allow.size === 0) return { dropped, warnings: [] };
  const allowSubdomains = options.allowSubdomains ?? true;
  for (const domain of blocks.keys()) {
    const entry = allowedBy(domain, allow, allowSubdomains);
    if (entry !== undefined) dropped.push({ domain, reason: 'allowlist', detail: entry === domain ? 'allowlisted' : `allowlisted by ${entry}` });
  }
  const removed = new Set(dropped.map((d) => d.domain));
  return { dropped, warnings: parentWarnings((d) => (removed.has(d) ? undefined : blocks.get(d)), allow) };
}

/** Walks each allow entry's parents (allowlists are short) rather than every block's. */
function parentWarnings(blockOf: (domain: string) => MergedBlock | undefined, allow: ReadonlySet<string>): string[] {
  const warnings: string[] = [];
  for (const allowed of [...allow].sort()) {
    for (const parent of parentDomains(allowed)) {
      const block = blockOf(parent);
      if (block === undefined) continue;
      warnings.push(`${parent} stays blocked (${block.severity}) and covers allowlisted ${allowed} in Mastodon; allowlist ${parent} too or accept it`);
    }
  }
  return warnings;
}
