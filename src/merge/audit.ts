// The audit file (as FediBlockHole writes it): how widely each merged domain is blocked, so an
// admin can see which entries rest on a single list.
import type { MergeResult, SourceList } from '../model.js';

export interface AuditRow {
  domain: string;
  count: number;
  /** count / number of sources × 100, rounded to 2 decimals. */
  percent: number;
}

export function auditRows(result: MergeResult, lists: SourceList[]): AuditRow[] {
  const n = lists.length;
  return result.blocks.map((b) => ({
    domain: b.domain,
    count: b.sources.length,
    percent: n === 0 ? 0 : Math.round((b.sources.length / n) * 10000) / 100,
  }));
}
