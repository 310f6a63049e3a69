import { describe, expect, it } from 'vitest';
import { parseList } from '../../src/sources/parse-list.js';
import { FediblockError } from '../../src/errors.js';
import { fixture } from './helpers.js';

describe('parseList', () => {
  it('refuses an HTML page served as a list, whatever the format', () => {
    for (const f of ['auto', 'csv', 'text', 'json'] as const) {
      expect(() => parseList(fixture('edge-html.html'), f, 'html-src')).toThrow(FediblockError);
      expect(() => parseList(fixture('edge-html.html'), f, 'html-src')).toThrow(/^html-src: got an HTML page/);
    }
  });

  it('sniffs the format for auto and reports it', () => {
    expect(parseList(fixture('mastodon-export.csv'), 'auto', 's').format).toBe('mastodon_csv');
    expect(parseList(fixture('plain.txt'), 'auto', 's').format).toBe('text');
    expect(parseList(fixture('gotosocial.json'), 'auto', 's').format).toBe('json');
  });

  it('returns empty results as zero blocks, and throws on a JSON {}', () => {
    expect(parseList('', 'auto', 's')).toMatchObject({ blocks: [], rejects: [], notices: [], rows: 0 });
    expect(parseList('[]', 'auto', 's')).toMatchObject({ blocks: [], rows: 0 });
    expect(() => parseList('{}', 'auto', 'obj')).toThrow(/^obj: /);
  });

  it('returns plain data (no functions), JSON-serialisable', () => {
    const r = parseList(fixture('edge-idn-wildcard-obfuscated.csv'), 'csv', 's');
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});

describe('parseList keeps rows in columns', () => {
  // The fast path keeps most domains as spans of the text; rows csv-parse reads (a quoted domain,
  // a quote inside a field) and rows renamed by normalising are held as strings. Either way the
  // blocks are the same as the rows say, in order, with digests on the rows that carry them.
  const text = [
    'domain,severity,public_comment,digest',
    'plain.example,suspend,spam,',
    'UPPER.Example,silence,"spam, bots",',
    'canary.tier0.example.com,suspend,,',
    'bad domain!,suspend,,',
    '"quoted.example",noop,,',
    'ex**ple.com,suspend,,ABCDEF',
    'https://www.trailing.example./path,suspend,spam,',
    'last.example,silence,,',
  ].join('\n');
  const expected = [
    ['plain.example', 'suspend', 'spam', undefined],
    ['upper.example', 'silence', 'spam, bots', undefined],
    ['quoted.example', 'noop', '', undefined],
    ['ex**ple.com', 'suspend', '', 'abcdef'],
    ['www.trailing.example', 'suspend', 'spam', undefined],
    ['last.example', 'silence', '', undefined],
  ];

  it('gives the same blocks as the rows say, with rejects and notices on their lines', () => {
    const r = parseList(text, 'csv', 's');
    expect(r.blocks.map((b) => [b.domain, b.severity, b.public_comment, b.digest])).toEqual(expected);
    expect(r.columns?.length).toBe(expected.length);
    expect(r.columns?.domains()).toEqual(expected.map((e) => e[0]));
    expect(r.rejects.map((x) => x.line)).toEqual([5]);
    expect(r.notices.map((x) => x.line)).toEqual([4]);
  });

  it('reads CRLF text and text csv-parse must take the same way', () => {
    const crlf = parseList(text.replace(/\n/g, '\r\n'), 'csv', 's');
    expect(crlf.blocks.map((b) => [b.domain, b.severity, b.public_comment, b.digest])).toEqual(expected);
    // A quote inside a field sends the whole text to csv-parse: every domain is then a string.
    const slow = parseList(text + '\nodd.example,suspend,say "hi",', 'csv', 's');
    expect(slow.blocks.map((b) => [b.domain, b.severity, b.public_comment, b.digest])).toEqual([...expected, ['odd.example', 'suspend', 'say "hi"', undefined]]);
  });

  it('lets a job replace the rows (releasing them after the merge)', () => {
    const r = parseList(text, 'csv', 's');
    r.blocks = [];
    expect(r.columns).toBeUndefined();
    expect(r.blocks).toEqual([]);
  });
});
