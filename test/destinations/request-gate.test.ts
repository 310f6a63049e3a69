// The client's concurrency gate: never more than its size at once, in arrival order, and a failed
// call gives its slot back.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RequestGate } from '../../src/destinations/http/request-gate.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('RequestGate', () => {
  it('runs at most `size` calls at once, in arrival order, whatever the timings and failures', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(fc.record({ waits: fc.integer({ min: 0, max: 3 }), fails: fc.boolean() }), { maxLength: 25 }), async (size, calls) => {
        const gate = new RequestGate(size);
        let running = 0;
        let most = 0;
        const started: number[] = [];
        const results = await Promise.allSettled(
          calls.map((c, i) =>
            gate.run(async () => {
              started.push(i);
              most = Math.max(most, ++running);
              for (let k = 0; k < c.waits; k++) await tick();
              running--;
              if (c.fails) throw new Error(`call ${i}`);
              return i;
            }),
          ),
        );
        expect(most).toBeLessThanOrEqual(size);
        expect(started).toEqual(calls.map((_, i) => i));
        results.forEach((r, i) => expect(r.status).toBe(calls[i]!.fails ? 'rejected' : 'fulfilled'));
        // Every slot came back: a new call runs at once.
        let ran = false;
        await gate.run(async () => void (ran = true));
        expect(ran).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => new RequestGate(0)).toThrow(RangeError);
    expect(() => new RequestGate(1.5)).toThrow(RangeError);
  });
});
