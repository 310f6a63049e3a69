// One clock for the client and the emulator in the invariant suite: wall time plus a skew that
// every client sleep (backoff, rate-limit waits) adds to instead of waiting. Rate windows, the
// measures cache and 429 Reset times all move with it, so waits cost nothing real.
import { setImmediate as tick } from 'node:timers/promises';

let skew = 0;

export const clock = {
  now: (): number => Date.now() + skew,
  sleep: async (ms: number): Promise<void> => {
    skew += Math.max(0, ms);
    await tick();
  },
  advance: (ms: number): void => {
    skew += ms;
  },
};

/** Client options for the mocked MastodonClient (see fast-client.ts): virtual waits, a short per-attempt timeout. */
export const CLIENT_TIMEOUT_MS = 1_000;
