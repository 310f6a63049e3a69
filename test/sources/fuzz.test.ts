// Property tests: whatever bytes a source serves, parseList either returns honest results or
// throws a FediblockError; it never crashes and never invents rows.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseList } from '../../src/sources/parse-list.js';
import { normalizeDomain } from '../../src/sources/normalize-domain.js';
import { isCanary } from '../../src/sources/canaries.js';
import { FediblockError } from '../../src/errors.js';
import { LIST_FORMATS, type ListFormat } from '../../src/model.js';

import { mutated } from './fuzz-corpus.js';

const formats = fc.constantFrom<ListFormat | 'auto'>('auto', ...LIST_FORMATS);

function checkInvariants(text: string, format: ListFormat | 'auto'): void {
  let r;
  try {
    r = parseList(text, format, 'fuzz-src');
  } catch (err) {
    expect(err).toBeInstanceOf(FediblockError);
    expect((err as Error).message).toContain('fuzz-src');
    return;
  }
  const lineCount = text.split('\n').length;
  for (const b of r.blocks) {
    const n = normalizeDomain(b.domain);
    expect(n.ok && n.domain === b.domain).toBe(true);
    expect(isCanary(b.domain)).toBe(false);
  }
  for (const x of r.rejects) {
    expect(x.source).toBe('fuzz-src');
    expect(x.line).toBeGreaterThanOrEqual(1);
    expect(x.line).toBeLessThanOrEqual(lineCount);
    expect(x.reason.length).toBeGreaterThan(0);
  }
  for (const n of r.notices) {
    if (n.line !== undefined) {
      expect(n.line).toBeGreaterThanOrEqual(1);
      expect(n.line).toBeLessThanOrEqual(lineCount);
    }
  }
  const dropped = r.notices.filter((n) => !/repeated header|"domain" header/.test(n.message)).length;
  expect(r.blocks.length + r.rejects.length + dropped).toBeLessThanOrEqual(r.rows);
  // Nothing invented: never more rows than lines (text, CSV) or than the text could hold (JSON).
  expect(r.rows).toBeLessThanOrEqual(Math.max(lineCount, text.length));
}

describe('parseList under fuzzing', () => {
  it('random strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200, unit: 'binary' }), formats, checkInvariants), { numRuns: 300 });
  });

  it('mutated fixtures', () => {
    fc.assert(fc.property(mutated, formats, checkInvariants), { numRuns: 400 });
  });

  it('mutated fixtures keep lines exact for text formats', () => {
    fc.assert(
      fc.property(mutated, (text) => {
        const r = parseList(text.replace(/</g, ''), 'text', 's');
        // In text, every row is on its own line: rows never exceed non-blank lines.
        expect(r.rows).toBeLessThanOrEqual(text.split('\n').filter((l) => l.trim() !== '').length);
      }),
      { numRuns: 200 },
    );
  });
});
