// Why each write of a plan happens, in words the journal and `log` can keep: the sources that
// named the domain (by name, config order) and the merge rule that decided it. The merge keeps
// provenance compact (source indexes); names are only attached here, to the few entries a plan
// writes.
import { describeThreshold } from '../merge/apply-threshold.js';
import type { MergeResult, MergeSettings, Plan, PlanEntry } from '../model.js';

export interface ProvenanceInput {
  outcome: MergeResult;
  settings: Pick<MergeSettings, 'plan' | 'threshold'>;
  /** Source names by SourceList.index (failed sources included: their index is still theirs). */
  sourceNames: ReadonlyMap<number, string>;
}

const WRITES = new Set(['create', 'update', 'delete']);

/** The plan with `sources` and `rule` on its create, update and delete entries. */
export function annotatePlan(plan: Plan, input: ProvenanceInput): Plan {
  const blocks = new Map(input.outcome.blocks.map((b) => [b.domain, b]));
  const dropped = new Map(input.outcome.dropped.map((d) => [d.domain, d]));
  const noThreshold = input.settings.threshold.value === 0 || (input.settings.threshold.type === 'count' && input.settings.threshold.value <= 1);
  const entries = plan.entries.map((e): PlanEntry => {
    if (!WRITES.has(e.action)) return e;
    const b = blocks.get(e.domain);
    if (b !== undefined) {
      const sources = b.sources.map((i) => input.sourceNames.get(i) ?? `source ${i + 1}`);
      const threshold = noThreshold ? '' : `, threshold: ${describeThreshold(b.sources.length, input.outcome.sourceCount, input.settings.threshold)}`;
      return { ...e, sources, rule: `${input.settings.plan} plan${threshold}` };
    }
    // Not (or no longer) in the merged list: the merge step that left it out is the rule.
    const d = dropped.get(e.domain);
    return { ...e, sources: [], rule: d === undefined ? 'not named by any source' : `${d.reason}: ${d.detail}` };
  });
  return { ...plan, entries };
}
