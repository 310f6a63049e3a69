// Issue 9's invariants over random histories (fixed seed; `npm run fuzz:sync` runs long ones).
// The real job layer (sync, restore) runs in-process against the emulator; only the client's
// clock is virtual (fast-client.ts), so backoffs and rate-limit waits cost nothing real.
import fc from 'fast-check';
import { beforeAll, describe, it, vi } from 'vitest';
import { setLogLevel } from '../../src/log.js';
import { historyArb } from './sync-history.js';
import { ENABLED, failureReport } from './enabled.js';
import { runHistory } from './run-history.js';

vi.mock('../../src/destinations/mastodon/client.js', async (importOriginal) => (await import('./fast-client.js')).fastClientModule(await importOriginal()));

beforeAll(() => setLogLevel('silent'));

const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const STEPS = Number(process.env.FUZZ_STEPS ?? 8);

let played = 0;

describe('sync invariants over random histories', () => {
  it(`hold for ${RUNS} histories of up to ${STEPS} steps (seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(historyArb(STEPS), async (h) => {
        if (++played % 100 === 0 && RUNS >= 100) process.stderr.write(`fuzz:sync: ${played} histories\n`);
        const v = await runHistory(h, ENABLED);
        if (v.length) throw new Error(v.join('\n'));
      }),
      {
        seed: SEED,
        numRuns: RUNS,
        ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
        endOnFailure: process.env.FUZZ_SHRINK === '0',
        reporter: (d) => {
          if (d.failed) throw new Error(failureReport(d as fc.RunDetails<[unknown]>));
        },
      },
    );
  }, 600_000_000);
});
