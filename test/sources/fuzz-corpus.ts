// The fuzz corpus shared by the parser's property tests: real fixtures with random cuts,
// duplications and insertions of the characters that matter to list formats.
import fc from 'fast-check';
import { fixture } from './helpers.js';

export const SEEDS = [
  'mastodon-export.csv', 'fediblockhole.csv', 'oliphant-allowlist.csv', 'seirdy-tier0.csv', 'iftas-dni.csv',
  'edge-column-order.csv', 'edge-booleans.csv', 'edge-dup-header.csv', 'edge-idn-wildcard-obfuscated.csv',
  'edge-truncated.csv', 'plain.txt', 'rapidblock.csv', 'mastodon-admin.json', 'mastodon-public.json',
  'gotosocial.json', 'rapidblock.json', 'edge-bad-entries.json',
].map(fixture);

export const PIECES = ['"', ',', '\n', '\r\n', '#', '#domain', 'domain', '*', '*.', '.', '{', '}', '[', ']', ':', 'ß', 'Ü', '_', ' ', '\ufeff', 'true', 'maybe', 'canary.tier0.example.com', '<html>', 'null'];

/** A fixture with a few cuts, duplications and insertions. */
export const mutated = fc
  .tuple(
    fc.constantFrom(...SEEDS),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 40 }), fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 6 }))), { maxLength: 6 }),
  )
  .map(([seed, edits]) => {
    let s = seed;
    for (const [at, cut, insert] of edits) {
      const i = at % (s.length + 1);
      s = s.slice(0, i) + insert + s.slice(i + cut);
    }
    return s;
  });

