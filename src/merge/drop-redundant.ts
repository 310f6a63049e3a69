// Mastodon applies a block to every subdomain and refuses a child block that is not stricter than
// its parent, so such a child would only produce a 422 on every sync. A child is compared with its
// nearest ancestor that itself survives — the rule Mastodon would apply to it (`rule_for`: longest
// match). Most domains have no blocked ancestor at all: for them this is a few Set lookups.
import type { DroppedDomain, MergedBlock } from '../model.js';
import { addsToParent } from './adds-to-parent.js';
import { nearestParent } from './parent-domains.js';

/** The blocks that add nothing to a blocked ancestor. */
export function dropRedundant(blocks: Pick<ReadonlyMap<string, MergedBlock>, 'keys' | 'has' | 'get'>): DroppedDomain[] {
  const survives = new Map<string, boolean>(); // memo, only for domains with a blocked ancestor
  const has = (d: string): boolean => blocks.has(d);

  const nearestSurviving = (domain: string): string | undefined => {
    for (let p = nearestParent(domain, has); p !== undefined; p = nearestParent(p, has)) if (doesSurvive(p)) return p;
    return undefined;
  };
  const doesSurvive = (domain: string): boolean => {
    const known = survives.get(domain);
    if (known !== undefined) return known;
    const parent = nearestSurviving(domain);
    const result = parent === undefined || addsToParent(blocks.get(domain)!, blocks.get(parent)!);
    survives.set(domain, result);
    return result;
  };

  const dropped: DroppedDomain[] = [];
  for (const domain of blocks.keys()) {
    if (nearestParent(domain, has) === undefined || doesSurvive(domain)) continue;
    const parent = nearestSurviving(domain)!;
    dropped.push({ domain, reason: 'redundant', detail: `covered by ${parent} (${describeRule(blocks.get(parent)!)}), not stricter` });
  }
  return dropped;
}

export function describeRule(rule: Pick<MergedBlock, 'severity' | 'reject_media' | 'reject_reports'>): string {
  const parts: string[] = [rule.severity];
  if (rule.reject_media) parts.push('reject_media');
  if (rule.reject_reports) parts.push('reject_reports');
  return parts.join(' + ');
}
