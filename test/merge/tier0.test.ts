// Acceptance: the published Oliphant tier-0 list is FediBlockHole's max-plan merge of four lists
// minus two allowlists; we must give it back field for field.
import { describe, expect, it } from 'vitest';
import { auditRows } from '../../src/merge/audit.js';
import { explainDomain, formatExplanation } from '../../src/merge/explain-domain.js';
import { mergeLists } from '../../src/merge/merge-lists.js';
import type { MergeSettings } from '../../src/model.js';
import { readAllowlist, readList, readRows } from './read-fixture.js';

const lists = ['tier0.csv', 'gardenfence.csv', 'tier0-council.csv', 'dni.csv'].map((f, i) => readList(f, i));
const settings: MergeSettings = {
  plan: 'max',
  threshold: { type: 'count', value: 0 },
  import_fields: ['public_comment', 'reject_media', 'reject_reports', 'obfuscate'],
  allow: readAllowlist('__allowlist.csv', 'birdsite.csv'),
};
const FIELDS = ['domain', 'severity', 'reject_media', 'reject_reports', 'public_comment', 'obfuscate'] as const;
const asCsv = (v: string | boolean): string => (typeof v === 'boolean' ? (v ? 'True' : 'False') : v);

describe('tier-0 reproduction', () => {
  const result = mergeLists(lists, settings);
  const expected = readRows('_unified_tier0_blocklist.csv');

  it('gives the published list field for field', () => {
    expect(expected).toHaveLength(447);
    const got = result.blocks.map((b) => Object.fromEntries(FIELDS.map((f) => [f, asCsv(b[f])])));
    const want = expected.map((r) => Object.fromEntries(FIELDS.map((f) => [f, r[f] ?? ''])));
    expect(got).toEqual(want);
  });

  it('drops exactly the allowlisted domains and nothing as redundant', () => {
    expect(result.dropped.map((d) => [d.domain, d.reason])).toEqual([
      ['000delete.this.line.if.you.have.read.the.documentation.on.seirdy.one', 'allowlist'],
      ['bird.makeup', 'allowlist'],
      ['canary.tier0.example.com', 'allowlist'],
    ]);
  });

  it('warns about blocked parents of allowlisted domains', () => {
    expect(result.warnings).toHaveLength(2);
    expect(result.warnings[0]).toContain('carnivore.social');
    expect(result.warnings[0]).toContain('twtr.carnivore.social');
    expect(result.warnings[1]).toContain('vrij.social');
  });

  it('explains a domain named by several lists', () => {
    const e = explainDomain('101010.pl', lists, settings, result);
    const own = e.entries[0]!;
    expect(own.votes.map((v) => [v.name, v.severity])).toEqual([
      ['tier0', 'suspend'],
      ['tier0-council', 'silence'],
    ]);
    expect(own.outcome).toMatchObject({ status: 'blocked', severity: 'suspend', severity_from: 'tier0' });
    expect(formatExplanation(e)).toContain('severity suspend from tier0 (highest under max)');
  });

  it('audits each output domain', () => {
    const rows = auditRows(result, lists);
    expect(rows).toHaveLength(447);
    expect(rows.find((r) => r.domain === '101010.pl')).toEqual({ domain: '101010.pl', count: 2, percent: 50 });
  });
});
