// Counts and groupings of a plan, for the table, the markdown summary and the exit code.
import type { Plan, PlanAction, Severity, StoredBlock } from '../model.js';

export interface SkipGroup {
  reason: string;
  count: number;
  /** Sorted. */
  domains: string[];
}

export interface CappedSummary {
  domain: string;
  action: PlanAction;
  from: Severity;
  to: Severity;
  follows?: number;
  followers?: number;
  error?: string;
}

export interface PlanSummary {
  destination: string;
  counts: Record<PlanAction, number>;
  /** create + update + delete: the writes apply would make. */
  changes: number;
  /** Largest group first, then by reason. */
  skips: SkipGroup[];
  /** Entries whose severity was capped by a follow check, by domain. */
  capped: CappedSummary[];
  holds: string[];
  /** Hand-made blocks in the store that the plan does not mention; only when `current` is given. */
  untouched?: number;
}

export function summarizePlan(plan: Plan, current?: StoredBlock[]): PlanSummary {
  const counts: Record<PlanAction, number> = { create: 0, update: 0, delete: 0, unchanged: 0, skip: 0 };
  const groups = new Map<string, string[]>();
  const capped: CappedSummary[] = [];
  for (const e of plan.entries) {
    counts[e.action]++;
    if (e.action === 'skip') {
      const r = e.reason ?? 'skipped';
      const g = groups.get(r);
      if (g === undefined) groups.set(r, [e.domain]);
      else g.push(e.domain);
    }
    if (e.cap !== undefined) {
      const c: CappedSummary = { domain: e.domain, action: e.action, from: e.cap.from, to: e.cap.to };
      if (e.cap.follows !== undefined) c.follows = e.cap.follows;
      if (e.cap.followers !== undefined) c.followers = e.cap.followers;
      if (e.cap.error !== undefined) c.error = e.cap.error;
      capped.push(c);
    }
  }
  const skips = [...groups.entries()]
    .map(([reason, domains]) => ({ reason, count: domains.length, domains: [...domains].sort() }))
    .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
  capped.sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
  const out: PlanSummary = {
    destination: plan.destination,
    counts,
    changes: counts.create + counts.update + counts.delete,
    skips,
    capped,
    holds: [...plan.holds],
  };
  if (current !== undefined) {
    const listed = new Set(plan.entries.map((e) => e.domain));
    out.untouched = new Set(current.filter((b) => !listed.has(b.domain)).map((b) => b.domain)).size;
  }
  return out;
}

/** "3 to create, 1 to update, 2 to delete, 10 unchanged, 4 skipped" (plus hand-made blocks left alone when known). */
export function summaryLine(s: PlanSummary): string {
  const c = s.counts;
  let line = `${c.create} to create, ${c.update} to update, ${c.delete} to delete, ${c.unchanged} unchanged, ${c.skip} skipped`;
  if (s.untouched !== undefined && s.untouched > 0) line += `, ${s.untouched} hand-made ${s.untouched === 1 ? 'block' : 'blocks'} left alone`;
  return line;
}

/** Whether applying the plan would write anything (for `diff --exit-code`). */
export const planHasChanges = (plan: Plan): boolean => plan.entries.some((e) => e.action === 'create' || e.action === 'update' || e.action === 'delete');
