// The compact writer (format-merged.ts) must give the very bytes formatList gives for the same
// merge: the tier-0 set and random merges, every format, both line ends, any export fields.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeLists } from '../../src/merge/merge-lists.js';
import { formatList, OUTPUT_FORMATS } from '../../src/output/format-list.js';
import { formatMergedChunks, formatMergedList } from '../../src/output/format-merged.js';
import { OPTIONAL_FIELDS, SEVERITIES, type OptionalField } from '../../src/model.js';
import { b, settings, src } from '../merge/helpers.js';
import { readAllowlist, readList } from '../merge/read-fixture.js';

describe('formatMergedList', () => {
  it('writes the tier-0 merge as formatList does, in every format', () => {
    const lists = ['tier0.csv', 'gardenfence.csv', 'tier0-council.csv', 'dni.csv'].map((f, i) => readList(f, i));
    const result = mergeLists(lists, settings({ allow: readAllowlist('__allowlist.csv', 'birdsite.csv') }));
    for (const format of OUTPUT_FORMATS) {
      for (const lineEnd of ['\n', '\r\n'] as const) {
        const opts = { exportFields: ['reject_media', 'reject_reports', 'public_comment', 'obfuscate'] as OptionalField[], lineEnd };
        expect(formatMergedList(result, format, opts).toString()).toBe(formatList(result.blocks, format, opts));
      }
    }
  });

  it('matches formatList on random merges', () => {
    const comment = fc.constantFrom('', 'spam', 'spam, bots', 'a "quoted", reason', '=formula', 'línea\nnueva', 'x, , y');
    const row = fc.record({
      domain: fc.constantFrom('a.example', 'b.example', 'x.a.example', 'c.test', 'd.test'),
      severity: fc.constantFrom(...SEVERITIES),
      reject_media: fc.boolean(),
      reject_reports: fc.boolean(),
      obfuscate: fc.boolean(),
      public_comment: comment,
      private_comment: comment,
    });
    const fields = fc.subarray([...OPTIONAL_FIELDS]);
    fc.assert(
      fc.property(fc.array(fc.array(row, { maxLength: 8 }), { maxLength: 4 }), fields, fc.constantFrom(...OUTPUT_FORMATS), fc.constantFrom('max', 'min'), (rows, exportFields, format, plan) => {
        const result = mergeLists(rows.map((r, i) => src(i, r.map((x) => b(x.domain, x.severity, x)))), settings({ plan: plan as 'max' | 'min' }));
        const opts = { exportFields };
        expect(formatMergedList(result, format, opts).toString()).toBe(formatList(result.blocks, format, opts));
      }),
      { numRuns: 300 },
    );
  });

  it('writes a list of several megabytes in chunks that spell the same bytes, non-ASCII comments included', () => {
    // 60,000 domains with long, partly non-ASCII reasons: many pieces, several reused chunks.
    const reasons = ['', 'spam', 'harassment, hate speech', 'línea — «acoso», 嫌がらせ', 'x'.repeat(300), '"quoted", reason'];
    const rows = Array.from({ length: 60_000 }, (_, i) =>
      b(`host-${i.toString(36)}.example`, SEVERITIES[i % 3], { public_comment: reasons[i % reasons.length] as string, reject_media: i % 7 === 0 }),
    );
    const result = mergeLists([src(0, rows)], settings());
    for (const format of ['csv', 'mastodon_csv'] as const) {
      const opts = { exportFields: ['reject_media', 'public_comment'] as OptionalField[], lineEnd: '\r\n' };
      const expected = Buffer.from(formatList(result.blocks, format, opts));
      const copies: Buffer[] = [];
      let chunks = 0;
      for (const chunk of formatMergedChunks(result, format, opts)) {
        chunks++;
        copies.push(Buffer.from(chunk));
      }
      expect(expected.length).toBeGreaterThan(3 * 2 ** 20);
      expect(chunks).toBeGreaterThan(3);
      expect(Buffer.concat(copies).equals(expected)).toBe(true);
      expect(formatMergedList(result, format, opts).equals(expected)).toBe(true);
    }
  });
});
