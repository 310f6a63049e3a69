import { describe, expect, it } from 'vitest';
import { parseList } from '../../src/sources/parse-list.js';
import { parseCsv } from '../../src/sources/adapters/csv.js';
import { FediblockError } from '../../src/errors.js';
import { emptyBlock } from '../../src/model.js';
import { fixture } from './helpers.js';

const csv = (name: string) => parseList(fixture(name), 'csv', name);
const byDomain = (r: { blocks: { domain: string }[] }) => r.blocks.map((b) => b.domain);

describe('csv adapter: specimens', () => {
  it('reads the Mastodon export (4.1), with commas and newlines in comments', () => {
    const r = csv('mastodon-export.csv');
    expect(r.rows).toBe(4);
    expect(r.rejects).toEqual([]);
    expect(r.blocks[0]).toEqual({ ...emptyBlock('bad.example'), public_comment: 'harassment, spam' });
    expect(r.blocks[1]).toEqual({ ...emptyBlock('meh.example', 'silence'), reject_media: true });
    expect(r.blocks[2]).toEqual({ ...emptyBlock('media.example', 'noop'), reject_media: true });
    expect(r.blocks[3]).toEqual({ ...emptyBlock('multi.example'), reject_reports: true, obfuscate: true, public_comment: 'line one\nline two, with a comma' });
  });

  it('reads the FediBlockHole CSV (4.2) with quoted headers and True/False', () => {
    const r = csv('fediblockhole.csv');
    expect(r.blocks).toEqual([
      { ...emptyBlock('qoto.org'), reject_media: true, reject_reports: true, obfuscate: true },
      { ...emptyBlock('sealion.club'), reject_media: true, reject_reports: true, obfuscate: true },
    ]);
    const allow = csv('fediblockhole-allowlist.csv');
    expect(allow.blocks).toEqual([{ ...emptyBlock('eigenmagic.net', 'noop'), private_comment: 'Never block me', public_comment: 'Only the domain field matters for allowlists' }]);
  });

  it('reads the trailing-comma allowlist header (4.3) and drops its canary', () => {
    const r = csv('oliphant-allowlist.csv');
    expect(byDomain(r)).toEqual(['eigenmagic.net']);
    expect(r.rows).toBe(2);
    expect(r.notices).toEqual([expect.objectContaining({ source: 'oliphant-allowlist.csv', line: 2, message: expect.stringContaining('canary.tier0.example.com') })]);
  });

  it('reads Seirdy (4.4) with its canary first row, CRLF', () => {
    const r = csv('seirdy-tier0.csv');
    expect(byDomain(r)).toEqual(['076.ne.jp']);
    expect(r.notices[0]).toMatchObject({ line: 2, message: expect.stringContaining('000delete.this.line') });
  });

  it('reads retractions (noop) and Garden Fence (4.5) in both headers', () => {
    expect(csv('tier0-retractions.csv').blocks[0]).toMatchObject({ domain: 'retracted.example', severity: 'noop' });
    const a = csv('gardenfence-mastodon.csv');
    const b = csv('gardenfence-fediblocksync.csv');
    expect(a.blocks[0]?.public_comment).toBe('anti-lgbtq, harassment, hate-speech, racism, spam');
    expect(b.blocks[0]).toMatchObject({ domain: '5dollah.click', public_comment: a.blocks[0]?.public_comment, private_comment: expect.stringContaining('Garden Fence 2026-07-05') });
  });

  it('reads IFTAS DNI (4.6) with uppercase booleans, dropping aud.invalid', () => {
    const r = csv('iftas-dni.csv');
    expect(r.blocks.map((b) => [b.domain, b.severity, b.obfuscate])).toEqual([
      ['1611.social', 'suspend', true],
      ['abyss.fun', 'silence', true],
    ]);
    expect(r.rows).toBe(3);
    expect(r.notices).toEqual([expect.objectContaining({ line: 3, message: expect.stringContaining('aud.invalid') })]);
  });
});

describe('csv adapter: edge cases', () => {
  it('takes a BOM, CRLF and quoted #headers', () => {
    const r = csv('edge-bom-crlf-quoted.csv');
    expect(byDomain(r)).toEqual(['bom.example']);
    expect(r.rejects).toEqual([]);
  });

  it('maps any column order, ignores extra columns, defaults severity to suspend', () => {
    const r = csv('edge-column-order.csv');
    expect(r.blocks).toEqual([
      { ...emptyBlock('order.example', 'silence'), public_comment: 'spam, lots', obfuscate: true },
      emptyBlock('no-severity.example'),
    ]);
    expect(csv('edge-no-severity-column.csv').blocks).toEqual([{ ...emptyBlock('only.example'), public_comment: 'suspended by default' }]);
  });

  it('reads every boolean spelling and rejects others with a line', () => {
    const r = csv('edge-booleans.csv');
    const flags = Object.fromEntries(r.blocks.map((b) => [b.domain, [b.reject_media, b.reject_reports, b.obfuscate]]));
    expect(flags).toEqual({
      't1.example': [true, true, true],
      't2.example': [true, true, true],
      't3.example': [true, true, true],
      'f1.example': [false, false, false],
      'f2.example': [false, false, false],
      'f3.example': [false, false, false],
    });
    expect(r.rejects).toEqual([{ source: 'edge-booleans.csv', line: 8, reason: 'reject_media: expected true or false', value: 'maybe' }]);
  });

  it('reads severities case-insensitively, with limit and none', () => {
    const r = csv('edge-severities.csv');
    expect(r.blocks.map((b) => b.severity)).toEqual(['suspend', 'silence', 'noop', 'noop', 'suspend']);
    expect(r.rejects).toEqual([expect.objectContaining({ line: 7, value: 'ghost', reason: expect.stringMatching(/unknown severity/) })]);
  });

  it('skips a repeated header mid-file with a notice', () => {
    const r = csv('edge-dup-header.csv');
    expect(byDomain(r)).toEqual(['one.example', 'two.example']);
    expect(r.rows).toBe(2);
    expect(r.notices).toEqual([{ source: 'edge-dup-header.csv', line: 3, message: 'skipped a repeated header row' }]);
  });

  it('normalises IDN, URLs and wildcards; keeps obfuscated names and duplicates; rejects bad names', () => {
    const r = csv('edge-idn-wildcard-obfuscated.csv');
    expect(byDomain(r)).toEqual(['fass.de', 'xn--mnchen-3ya.de', 'pleroma-wildcard.example', 'ob******ed.example', 'url.example', 'dup.example', 'dup.example']);
    expect(r.rejects).toEqual([{ source: 'edge-idn-wildcard-obfuscated.csv', line: 7, reason: "not a valid domain name: contains an underscore '_'", value: 'under_score.example' }]);
    expect(r.notices).toEqual([expect.objectContaining({ line: 10 })]);
    expect(r.rows).toBe(9);
  });

  it('skips blank and whitespace-only lines, rejects an empty domain', () => {
    const r = csv('edge-blank-lines.csv');
    expect(byDomain(r)).toEqual(['ok.example', 'also-ok.example']);
    expect(r.rejects).toEqual([{ source: 'edge-blank-lines.csv', line: 5, reason: 'empty domain' }]);
  });

  it('keeps the rows before an unterminated quote and reports it on its line', () => {
    const r = csv('edge-truncated.csv');
    expect(byDomain(r)).toEqual(['kept.example']);
    expect(r.rejects).toEqual([expect.objectContaining({ line: 3, reason: expect.stringMatching(/never closed/) })]);
  });

  it('rejects a row with a field over 64 KiB', () => {
    const r = csv('edge-long-field.csv');
    expect(byDomain(r)).toEqual(['after.example']);
    expect(r.rejects).toEqual([expect.objectContaining({ line: 2, reason: expect.stringMatching(/field too long/) })]);
    expect(r.rejects[0]?.value?.length).toBeLessThanOrEqual(40);
  });

  it('returns empty lists for empty and header-only files', () => {
    expect(csv('edge-empty.csv')).toMatchObject({ blocks: [], rejects: [], rows: 0 });
    expect(parseList(fixture('edge-header-only.csv'), 'mastodon_csv', 'h')).toMatchObject({ blocks: [], rejects: [], rows: 0 });
  });

  it('refuses a header without a domain column', () => {
    expect(() => parseList('name,severity\nx.example,suspend\n', 'csv', 'nodomain')).toThrow(FediblockError);
    expect(() => parseList('name,severity\nx.example,suspend\n', 'csv', 'nodomain')).toThrow(/nodomain: .*no "domain" column/);
  });

  it('gives every block its line on demand', () => {
    const raw = parseCsv(fixture('mastodon-export.csv'), 'x');
    expect(raw.blocks.map((_, i) => raw.lineOf(i))).toEqual([2, 3, 4, 5]);
  });
});
