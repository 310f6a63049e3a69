import { describe, expect, it } from 'vitest';
import { parseList } from '../../src/sources/parse-list.js';
import { emptyBlock } from '../../src/model.js';
import { fixture } from './helpers.js';

describe('text and rapidblock_csv adapters', () => {
  it('reads one domain a line (4.7), skipping comments and blanks, CRLF', () => {
    const r = parseList(fixture('plain.txt'), 'text', 'txt');
    expect(r.blocks).toEqual([emptyBlock('bad.example'), emptyBlock('worse.example'), emptyBlock('third.example')]);
    expect(r.rows).toBe(3);
  });

  it('gives every entry the source severity key (default suspend)', () => {
    expect(parseList('a.example\nb.example\n', 'text', 'txt', { severity: 'silence' }).blocks.map((b) => b.severity)).toEqual(['silence', 'silence']);
    expect(parseList('a.example\n', 'rapidblock_csv', 'txt', { severity: 'noop' }).blocks[0]!.severity).toBe('noop');
  });

  it('takes the first field of RapidBlock CSV rows', () => {
    const r = parseList(fixture('rapidblock.csv'), 'rapidblock_csv', 'rbcsv');
    expect(r.blocks.map((b) => [b.domain, b.severity])).toEqual([
      ['bad.example', 'suspend'],
      ['worse.example', 'suspend'],
    ]);
  });

  it('rejects bad lines with their line numbers and drops canaries', () => {
    const r = parseList('\ufeffok.example\n\nnot a domain\ncanary.tier0.example.com\n', 'text', 't');
    expect(r.blocks.map((b) => b.domain)).toEqual(['ok.example']);
    expect(r.rejects).toEqual([{ source: 't', line: 3, reason: 'not a valid domain name: contains a space', value: 'not a domain' }]);
    expect(r.notices).toEqual([expect.objectContaining({ line: 4 })]);
    expect(r.rows).toBe(3);
  });

  it('handles a 10 MB single line', () => {
    const r = parseList('a'.repeat(10_000_000), 'text', 'big');
    expect(r.blocks).toEqual([]);
    expect(r.rejects).toEqual([expect.objectContaining({ line: 1 })]);
  });
});
