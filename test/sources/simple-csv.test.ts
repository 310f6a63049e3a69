// The CSV fast path (split-simple-csv.ts) may only ever answer what csv-parse, the parser of
// record, answers with the adapter's options: checked on every fixture, on the parser fuzz corpus
// and on random CSV. It must also actually take the common lists (else it buys nothing).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { BASE } from '../../src/sources/adapters/csv.js';
import { splitSimpleCsv } from '../../src/sources/adapters/split-simple-csv.js';
import { mutated } from './fuzz-corpus.js';

const ROOT = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));

const csvParse = (text: string): string[][] => parse(text, BASE) as string[][];

/** True when the fast path took the text; throws (via expect) when it answers differently. */
function agrees(text: string): boolean {
  const fast = splitSimpleCsv(text);
  if (fast === undefined) return false;
  expect(fast).toEqual(csvParse(text));
  return true;
}

describe('splitSimpleCsv', () => {
  it('gives csv-parse’s records for every fixture it takes, and takes the ordinary lists', () => {
    const taken = files(ROOT).filter((f) => agrees(readFileSync(f, 'utf8'))).map((f) => f.slice(ROOT.length));
    expect(taken).toEqual(expect.arrayContaining(['oliphant-2024-01-21/tier0.csv', 'oliphant-2024-01-21/dni.csv', 'lists/fediblockhole.csv', 'lists/edge-bom-crlf-quoted.csv', 'lists/iftas-dni.csv']));
  });

  it('agrees with csv-parse on the fuzz corpus', () => {
    fc.assert(fc.property(mutated, (text) => void agrees(text)), { numRuns: 3000 });
  });

  it('agrees with csv-parse on random CSV', () => {
    const piece = fc.constantFrom('a', 'b.example', ',', ',', '\n', '\n', '\r\n', '\r', ' ', '"', '""', '"x, y"', '"say ""hi"""', '"two\nlines"', 'x"y', '\ufeff', 'é', '#', '');
    let taken = 0;
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.boolean(), (pieces, crlf) => {
        let text = pieces.join('');
        if (crlf) text = text.replace(/\r?\n/g, '\r\n');
        if (agrees(text)) taken++;
      }),
      { numRuns: 5000 },
    );
    expect(taken).toBeGreaterThan(500);
  });

  it('leaves to csv-parse what it cannot be sure of', () => {
    for (const text of ['a,"b\nc"\n', 'a\r\nb\n', 'a\rb\n', 'a,b"c\n', 'a,"b"c\n', 'a,"b\n']) expect(splitSimpleCsv(text)).toBeUndefined();
  });
});
