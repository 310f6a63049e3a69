// Safety of the :mrf_simple read-modify-write for every setting and every change set (fast-check):
// hand-made entries survive exactly, in order; unmapped subkeys are never sent; no reason starts
// with ":"; what is written reads back as the block that was asked for.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BlockFields } from '../../src/model.js';
import { MAPPED, blocksFromSetting, changedSubkeys, entriesOf } from '../../src/destinations/akkoma/mrf-simple.js';

const M = '[fediblock]';
const domain = fc.constantFrom('a.example', 'b.example', 'c.example', 'd.example', 'e.example', 'x.test', 'y.test');
const comment = fc.string({ maxLength: 12 }).map((s) => s.trim()).filter((s) => !s.includes(M) && !s.includes('['));
const KEYS = [...MAPPED, ':accept', ':avatar_removal'] as const;
const fields: fc.Arbitrary<BlockFields> = fc.record({
  severity: fc.constantFrom('noop', 'silence', 'suspend'),
  reject_media: fc.boolean(),
  reject_reports: fc.boolean(),
  obfuscate: fc.constant(false),
  public_comment: comment,
  private_comment: fc.constant(M),
});

describe(':mrf_simple read-modify-write (property)', () => {
  it('keeps hand-made entries, sends mapped subkeys only, never a ":" reason, and reads back what it wrote', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...KEYS), domain, comment), { maxLength: 12 }),
        fc.dictionary(domain, fc.option(fields, { nil: null }), { maxKeys: 5 }),
        (hand, changeObj) => {
          const changes = new Map(Object.entries(changeObj));
          // Hand-made entries are for domains the change set does not touch (ownership decides that upstream).
          const handKept = hand.filter(([, d]) => !changes.has(d));
          const value = KEYS.map((k) => ({ tuple: [k, handKept.filter(([kk]) => kk === k).map(([, d, r]) => ({ tuple: [d, r] }))] }));
          const sent = changedSubkeys(value, changes, M);
          for (const s of sent) expect((MAPPED as readonly string[]).includes(s.tuple[0])).toBe(true);
          const after = value.map((t) => sent.find((s) => s.tuple[0] === t.tuple[0]) ?? t);
          for (const k of KEYS) {
            const handHere = handKept.filter(([kk]) => kk === k).map(([, d, r]) => JSON.stringify({ tuple: [d, r] }));
            const keptHere = entriesOf(after, k).map((e) => JSON.stringify(e)).filter((e) => handHere.includes(e));
            expect(keptHere).toEqual(handHere);
          }
          for (const s of sent) for (const e of s.tuple[1] as Array<{ tuple?: [string, string] }>) if (e.tuple && changes.has(e.tuple[0])) expect(e.tuple[1].startsWith(':')).toBe(false);
          const back = new Map(blocksFromSetting(after, M).map((b) => [b.domain, b]));
          for (const [d, f] of changes) {
            const b = back.get(d);
            const expressible = f !== null && (f.severity !== 'noop' || f.reject_media || f.reject_reports);
            if (!expressible) {
              expect(b).toBeUndefined();
              continue;
            }
            expect(b).toMatchObject({ severity: f!.severity, reject_media: f!.reject_media, reject_reports: f!.reject_reports, public_comment: f!.public_comment, private_comment: M });
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
