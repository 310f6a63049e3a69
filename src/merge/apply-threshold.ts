// A domain stays only when enough sources name it. The table's provenance already counts each
// source once, however many rows or digest votes it had for the domain.
import type { DroppedDomain, MergeSettings } from '../model.js';
import type { BlockTable } from './block-table.js';

type Threshold = MergeSettings['threshold'];

export function meetsThreshold(count: number, sourceCount: number, threshold: Threshold): boolean {
  // count/n*100 >= v, multiplied out: 29 of 100 sources meets 29% (the division says 28.999…).
  return threshold.type === 'count' ? count >= threshold.value : count * 100 >= threshold.value * sourceCount;
}

export function describeThreshold(count: number, sourceCount: number, threshold: Threshold): string {
  const needs = threshold.type === 'count' ? `${threshold.value}` : `${threshold.value}%`;
  return `named by ${count} of ${sourceCount} sources, needs ${needs}`;
}

/** The domains that fall short of the threshold. */
export function applyThreshold(table: BlockTable, sourceCount: number, threshold: Threshold): DroppedDomain[] {
  const dropped: DroppedDomain[] = [];
  if (threshold.type === 'count' && threshold.value <= 1) return dropped; // every domain has a source
  for (let slot = 0; slot < table.size; slot++) {
    const count = table.sourceCount(slot);
    if (!meetsThreshold(count, sourceCount, threshold)) {
      dropped.push({ domain: table.domains[slot] as string, reason: 'threshold', detail: describeThreshold(count, sourceCount, threshold) });
    }
  }
  return dropped;
}
