// Which invariants the suite checks today, and how a failure is reported (replayable).
import type fc from 'fast-check';
import type { Invariant } from './run-history.js';

/**
 * All seven. I2, I5 and I6 came back when the fixes of holes 1-2, 5 and 6 landed; I7 when writes
 * whose answer was lost were journaled as uncertain (see regressions.test.ts).
 */
export const ENABLED: ReadonlySet<Invariant> = new Set<Invariant>((process.env.FUZZ_INVARIANTS ?? 'I1,I2,I3,I4,I5,I6,I7').split(',').map((s) => s.trim() as Invariant));

export function failureReport(d: fc.RunDetails<[unknown]>): string {
  const ce = d.counterexample?.[0];
  return [
    `sync invariant broken after ${d.numRuns} histories (${d.numShrinks} shrinks)`,
    `replay: npm run fuzz:sync -- --seed ${d.seed} --path "${d.counterexamplePath}" --runs 1`,
    `shrunk history (paste into test/properties/regressions.test.ts):`,
    JSON.stringify(ce),
    `violations: ${d.errorInstance instanceof Error ? d.errorInstance.message : String(d.errorInstance)}`,
  ].join('\n');
}
