// A domain stays only when enough sources name it. `sources` already counts each source once,
// however many rows or digest votes it had for the domain.
import type { DroppedDomain, MergeSettings, MergedBlock } from '../model.js';

type Threshold = MergeSettings['threshold'];

export function meetsThreshold(count: number, sourceCount: number, threshold: Threshold): boolean {
  // count/n*100 >= v, multiplied out: 29 of 100 sources meets 29% (the division says 28.999…).
  return threshold.type === 'count' ? count >= threshold.value : count * 100 >= threshold.value * sourceCount;
}

export function describeThreshold(count: number, sourceCount: number, threshold: Threshold): string {
  const needs = threshold.type === 'count' ? `${threshold.value}` : `${threshold.value}%`;
  return `named by ${count} of ${sourceCount} sources, needs ${needs}`;
}

/** The blocks that fall short of the threshold. */
export function applyThreshold(blocks: Iterable<MergedBlock>, sourceCount: number, threshold: Threshold): DroppedDomain[] {
  const dropped: DroppedDomain[] = [];
  if (threshold.type === 'count' && threshold.value <= 1) return dropped; // every domain has a source
  for (const { domain, sources } of blocks) {
    if (!meetsThreshold(sources.length, sourceCount, threshold)) {
      dropped.push({ domain, reason: 'threshold', detail: describeThreshold(sources.length, sourceCount, threshold) });
    }
  }
  return dropped;
}
