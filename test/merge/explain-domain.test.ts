import { describe, expect, it } from 'vitest';
import { explainDomain, formatExplanation } from '../../src/merge/explain-domain.js';
import { mergeLists } from '../../src/merge/merge-lists.js';
import { b, settings, sha, src } from './helpers.js';

const lists = [
  src(0, [b('capped.test', 'suspend'), b('example.com', 'silence'), b('sub.example.com', 'silence'), b('lonely.test')], { max_severity: 'silence', name: 'alpha' }),
  src(1, [b('capped.test', 'noop', { reject_media: true, public_comment: 'media' }), b('c*pped.test', 'suspend', { digest: sha('capped.test') }), b('good.test')], { name: 'beta' }),
  src(2, [b('capped.test', 'silence'), b('example.com', 'silence'), b('sub.example.com', 'silence'), b('good.test'), b('gh*st.test', 'suspend', { digest: sha('ghost.test') })], { name: 'gamma' }),
];
const s = settings({ threshold: { type: 'count', value: 2 }, allow: new Set(['good.test']) });
const result = mergeLists(lists, s, { dropRedundant: true });
const explain = (d: string) => explainDomain(d, lists, s, result);

describe('explainDomain', () => {
  it('lists every vote, with caps, digests and folded rows, and who set the outcome', () => {
    const e = explain('capped.test');
    expect(e.entries.map((x) => x.domain)).toEqual(['capped.test', 'test']);
    const [own] = e.entries;
    expect(own!.votes).toEqual([
      expect.objectContaining({ source: 0, name: 'alpha', severity: 'silence', capped_from: 'suspend', rows: 1 }),
      expect.objectContaining({ source: 1, name: 'beta', severity: 'suspend', reject_media: true, via_digest: ['c*pped.test'], rows: 2 }),
      expect.objectContaining({ source: 2, name: 'gamma', severity: 'silence' }),
    ]);
    expect(own!.outcome).toMatchObject({ status: 'blocked', severity: 'suspend', severity_from: 'beta', flags_from: { reject_media: ['beta'] } });
    expect(e.entries[1]!.outcome).toEqual({ status: 'not_named', rules: ['not named by any source'] });
    const text = formatExplanation(e);
    expect(text).toContain('alpha: silence (capped from suspend)');
    expect(text).toContain('beta: suspend, reject_media, "media", via digest of c*pped.test, 2 rows folded');
    expect(text).toContain('threshold met: named by 3 of 3 sources, needs 2');
    expect(text).toContain('parents not named: test');
  });

  it('says when the threshold is not met', () => {
    const own = explain('lonely.test').entries[0]!;
    expect(own.outcome).toMatchObject({ status: 'dropped', reason: 'threshold' });
    expect(own.outcome.rules[0]).toBe('threshold not met: named by 1 of 3 sources, needs 2');
  });

  it('names the allowlist entry', () => {
    expect(explain('good.test').entries[0]!.outcome).toMatchObject({ status: 'dropped', reason: 'allowlist', detail: 'allowlisted' });
  });

  it('names the parent a redundant child falls under, and that Mastodon applies it', () => {
    const e = explain('sub.example.com');
    expect(e.entries[0]!.outcome).toMatchObject({ status: 'dropped', reason: 'redundant', detail: 'covered by example.com (silence), not stricter' });
    expect(e.entries[1]!.outcome).toMatchObject({ status: 'blocked', severity: 'silence' });
    expect(e.covered_by).toBe('example.com');
    expect(formatExplanation(e)).toContain('Mastodon applies the block on example.com to sub.example.com');
  });

  it('with children kept (the default), a child is blocked on its own and not covered by its parent', () => {
    const kept = mergeLists(lists, s);
    const e = explainDomain('sub.example.com', lists, s, kept);
    expect(e.entries[0]!.outcome).toMatchObject({ status: 'blocked', severity: 'silence' });
    expect(e.covered_by).toBeUndefined();
  });

  it('covers an unnamed subdomain by its blocked parent, and a domain nobody names', () => {
    const e = explain('x.y.example.com');
    expect(e.entries[0]!.outcome.status).toBe('not_named');
    expect(e.covered_by).toBe('example.com');
    expect(explain('nowhere.test').entries.every((x) => x.outcome.status === 'not_named')).toBe(true);
  });

  it('explains a domain matched only by digest', () => {
    const own = explain('ghost.test').entries[0]!;
    expect(own.votes).toHaveLength(1);
    expect(own.outcome.status).toBe('not_named');
    expect(own.outcome.rules[0]).toMatch(/no source names it in clear/);
  });

  it('is JSON-able', () => {
    const e = explain('capped.test');
    expect(JSON.parse(JSON.stringify(e))).toEqual(e);
  });

  it('shows the FIRES change that decided a vote, and the change that ended a block', () => {
    const change = (n: number) => `https://fires.example/datasets/d/changes/0197b000-0000-7000-8000-00000000000${n}`;
    const fires = src(0, [b('bad.example', 'suspend', { reject_media: true, public_comment: 'Hate speech, Spam' })], {
      name: 'fires',
      evidence: {
        'bad.example': { kind: 'fires', type: 'Recommendation', policy: 'drop', filters: ['reject-media'], labels: ['Hate speech', 'Spam'], published: '2025-06-01T00:00:00Z', change: change(1) },
        'gone.example': { kind: 'fires', type: 'Retraction', labels: [], published: '2025-06-02T00:00:00Z', change: change(2) },
      },
    });
    const other = src(1, [b('gone.example', 'silence')], { name: 'other' });
    const ls = [fires, other];
    const st = settings();
    const res = mergeLists(ls, st);
    const voted = explainDomain('bad.example', ls, st, res);
    expect(voted.entries[0]!.votes[0]!.decided_by).toMatchObject({ type: 'Recommendation', policy: 'drop', change: change(1) });
    expect(formatExplanation(voted)).toContain(
      `fires: suspend, reject_media, "Hate speech, Spam"\n    decided by FIRES Recommendation drop (reject-media), labels "Hate speech", "Spam", published 2025-06-01T00:00:00Z, change ${change(1)}`,
    );
    const ended = explainDomain('gone.example', ls, st, res);
    expect(ended.entries[0]!.mentions).toEqual([{ source: 0, name: 'fires', decided_by: expect.objectContaining({ type: 'Retraction' }) }]);
    expect(formatExplanation(ended)).toContain(`fires: no block, decided by FIRES Retraction, published 2025-06-02T00:00:00Z, change ${change(2)}`);
  });
});
