// How the desired list changed since the one a destination was last synced to: what the brakes
// measure (decisions.md, second round: "Brakes measure the sources, not the instance"). Pure.
import { capSeverity, wouldLower, wouldRaise, type Rule } from './block-rules.js';
import type { DomainBlock, Severity } from '../model.js';

/** A desired list as the brakes see it: domain → rule, severities already capped for the destination. */
export type ListRules = Map<string, Rule>;

export interface ListChange {
  /** Domains in the list the change is measured against. */
  base: number;
  added: number;
  removed: number;
  /** Severity up, or a reject flag set on a non-suspension. */
  raised: number;
  /** Severity down, or a reject flag dropped on a non-suspension. */
  lowered: number;
}

export function listRules(desired: DomainBlock[], maxSeverity?: Severity): ListRules {
  const out: ListRules = new Map();
  for (const d of desired) {
    if (out.has(d.domain)) continue;
    out.set(d.domain, { severity: capSeverity(d.severity, maxSeverity), reject_media: d.reject_media, reject_reports: d.reject_reports });
  }
  return out;
}

export function measureChange(before: ListRules, after: ListRules): ListChange {
  const change: ListChange = { base: before.size, added: 0, removed: 0, raised: 0, lowered: 0 };
  for (const [domain, rule] of after) {
    const was = before.get(domain);
    if (was === undefined) change.added++;
    else {
      // A change that raises one thing and drops another counts both ways.
      if (wouldRaise(was, rule)) change.raised++;
      if (wouldLower(was, rule)) change.lowered++;
    }
  }
  for (const domain of before.keys()) if (!after.has(domain)) change.removed++;
  return change;
}
