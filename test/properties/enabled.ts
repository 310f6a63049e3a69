// Which invariants the suite checks today, and how a failure is reported (replayable).
import type fc from 'fast-check';
import type { Invariant } from './run-history.js';

/**
 * All seven, less those that known holes still break (issue 9): I2 (holes 1-2), I5 (hole 5), I6
 * (hole 6), and I7 (a write whose answer was lost is not journaled, so restore cannot undo it);
 * see regressions.test.ts. Each comes back as its fix lands.
 */
export const ENABLED: ReadonlySet<Invariant> = new Set<Invariant>((process.env.FUZZ_INVARIANTS ?? 'I1,I3,I4').split(',').map((s) => s.trim() as Invariant));

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
