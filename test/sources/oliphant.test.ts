import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseList } from '../../src/sources/parse-list.js';
import { oliphant } from './helpers.js';

const dir = fileURLToPath(new URL('../../fixtures/oliphant-2024-01-21/', import.meta.url));
const files = [...readdirSync(dir).filter((f) => f.endsWith('.csv')), 'mastodon/_unified_tier0_blocklist.csv', 'mastodon/dni.csv'];

/** Non-empty lines minus the header: every file here has one row a line. */
const dataLines = (text: string) => text.split('\n').filter((l) => l.trim() !== '').length - 1;
const starred = (text: string) => text.split('\n').slice(1).filter((l) => (l.split(',')[0] ?? '').replace(/^\*\./, '').includes('*')).length;

// Counted from the files with grep and wc -l.
const EXPECTED: Record<string, { rows: number; obfuscated: number; canaries: number; rejects: number }> = {
  '__allowlist.csv': { rows: 5, obfuscated: 0, canaries: 5, rejects: 0 },
  '_unified_tier0_blocklist.csv': { rows: 447, obfuscated: 0, canaries: 0, rejects: 0 },
  'mastodon.online.csv': { rows: 204, obfuscated: 45, canaries: 0, rejects: 0 },
  'mastodon.social.csv': { rows: 277, obfuscated: 67, canaries: 0, rejects: 0 },
  'mastodon.art.csv': { rows: 1157, obfuscated: 3, canaries: 0, rejects: 0 },
  'union.place.csv': { rows: 437, obfuscated: 13, canaries: 0, rejects: 0 },
  // `*.10minutepleroma.com` is a Pleroma wildcard, not an obfuscation; `.cf` has an empty label.
  'rage.love.csv': { rows: 1316, obfuscated: 3, canaries: 0, rejects: 1 },
  'tier0.csv': { rows: 394, obfuscated: 0, canaries: 2, rejects: 0 },
  'mastodon/_unified_tier0_blocklist.csv': { rows: 447, obfuscated: 0, canaries: 0, rejects: 0 },
};

describe('Oliphant snapshot 2024-01-21', () => {
  it.each(files)('%s parses completely', (name) => {
    const text = oliphant(name);
    const r = parseList(text, 'auto', name);
    expect(r.format).toBe(name.startsWith('mastodon/') ? 'mastodon_csv' : 'csv');
    expect(r.rows).toBe(dataLines(text));
    const obfuscated = r.blocks.filter((b) => b.domain.includes('*')).length;
    expect(obfuscated).toBe(starred(text));
    expect(r.blocks.length + r.rejects.length + r.notices.length).toBe(r.rows);
    const e = EXPECTED[name];
    if (e) {
      expect({ rows: r.rows, obfuscated, canaries: r.notices.length, rejects: r.rejects.length }).toEqual(e);
    } else {
      expect(r.rejects).toEqual([]);
    }
  });

  it('names the rage.love reject and the tier0 canaries by line', () => {
    expect(parseList(oliphant('rage.love.csv'), 'csv', 'rage').rejects).toEqual([{ source: 'rage', line: 3, reason: expect.stringMatching(/empty label/), value: '.cf' }]);
    expect(parseList(oliphant('tier0.csv'), 'csv', 't0').notices.map((n) => n.line)).toEqual([2, 53]);
  });
});
