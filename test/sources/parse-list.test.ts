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
