import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeComments } from '../../src/merge/merge-comments.js';
import { mergeLists } from '../../src/merge/merge-lists.js';
import { b, settings, sha, src } from './helpers.js';

const one = (r: ReturnType<typeof mergeLists>, domain: string) => r.blocks.find((x) => x.domain === domain);

describe('severity and flags', () => {
  const lists = [
    src(0, [b('a.test', 'silence', { reject_media: true, obfuscate: false })]),
    src(1, [b('a.test', 'suspend', { reject_media: false, reject_reports: true })]),
    src(2, [b('a.test', 'noop', { reject_media: true, reject_reports: true, obfuscate: true })]),
  ];

  it('max: harshest severity, a flag is true if any source says true', () => {
    expect(one(mergeLists(lists, settings()), 'a.test')).toMatchObject({
      severity: 'suspend', reject_media: true, reject_reports: true, obfuscate: true,
    });
  });

  it('min: mildest severity, a flag is false if any source says false', () => {
    expect(one(mergeLists(lists, settings({ plan: 'min' })), 'a.test')).toMatchObject({
      severity: 'noop', reject_media: false, reject_reports: false, obfuscate: false,
    });
    const allTrue = [src(0, [b('a.test', 'silence', { reject_media: true })]), src(1, [b('a.test', 'suspend', { reject_media: true })])];
    expect(one(mergeLists(allTrue, settings({ plan: 'min' })), 'a.test')).toMatchObject({ severity: 'silence', reject_media: true });
  });
});

describe('comments', () => {
  it('mergeComments is the same rule for two comments', () => {
    expect(mergeComments('a, b', 'b, c')).toBe('a, b, c');
    expect(mergeComments('a', '')).toBe('a');
    expect(mergeComments('', 'b')).toBe('b');
    expect(mergeComments('a, , b', 'a, b')).toBe('a, b');
  });

  const merged = (...comments: string[]) =>
    one(mergeLists(comments.map((c, i) => src(i, [b('a.test', 'suspend', { public_comment: c, private_comment: c })])), settings()), 'a.test')!;

  it('unions tokens in first-seen order', () => {
    expect(merged('a, b', 'b, c').public_comment).toBe('a, b, c');
    expect(merged('a, b', 'b, c').private_comment).toBe('a, b, c');
    expect(merged('spam', 'harassment', 'spam, nazis').public_comment).toBe('spam, harassment, nazis');
  });

  it('leaves it unchanged for identical or empty comments', () => {
    expect(merged('x,  y', 'x,  y', '').public_comment).toBe('x,  y');
    expect(merged('', 'only one').public_comment).toBe('only one');
    expect(merged('', '').public_comment).toBe('');
  });

  it('drops empty tokens and duplicates once merging happens', () => {
    expect(merged('a, , a', 'b').public_comment).toBe('a, b');
  });

  it('does not grow when the same reasons are repeated by many sources', () => {
    const c = merged(...Array.from({ length: 50 }, (_, i) => `spam, source ${i % 3}`)).public_comment;
    expect(c).toBe('spam, source 0, source 1, source 2');
  });
});

describe('threshold', () => {
  const lists = [
    src(0, [b('one.test'), b('two.test'), b('three.test')]),
    src(1, [b('two.test'), b('three.test')]),
    src(2, [b('three.test')]),
    src(3, []),
  ];
  it('count keeps domains named by at least N sources', () => {
    const r = mergeLists(lists, settings({ threshold: { type: 'count', value: 2 } }));
    expect(r.blocks.map((x) => x.domain)).toEqual(['three.test', 'two.test']);
    expect(r.dropped).toEqual([{ domain: 'one.test', reason: 'threshold', detail: 'named by 1 of 4 sources, needs 2' }]);
  });
  it('pct keeps domains named by at least N% of the sources', () => {
    const r = mergeLists(lists, settings({ threshold: { type: 'pct', value: 50 } }));
    expect(r.blocks.map((x) => x.domain)).toEqual(['three.test', 'two.test']);
    expect(mergeLists(lists, settings({ threshold: { type: 'pct', value: 51 } })).blocks.map((x) => x.domain)).toEqual(['three.test']);
  });
  it('pct has no float edge: 29 of 100 meets 29%', () => {
    const many = Array.from({ length: 100 }, (_, i) => src(i, i < 29 ? [b('x.test')] : []));
    expect(mergeLists(many, settings({ threshold: { type: 'pct', value: 29 } })).blocks).toHaveLength(1);
  });
  it('duplicate rows of one source count once', () => {
    const r = mergeLists([src(0, [b('x.test'), b('x.test')]), src(1, [])], settings({ threshold: { type: 'count', value: 2 } }));
    expect(r.blocks).toEqual([]);
  });
});

describe('per-source settings', () => {
  it('caps a source at its max_severity before merging', () => {
    const r = mergeLists([src(0, [b('a.test', 'suspend')], { max_severity: 'silence' }), src(1, [b('a.test', 'noop')])], settings());
    expect(one(r, 'a.test')!.severity).toBe('silence');
  });

  it('imports only the fields a source imports; the rest take defaults', () => {
    const full = b('a.test', 'suspend', { reject_media: true, reject_reports: true, obfuscate: true, public_comment: 'pub', private_comment: 'priv' });
    const r = mergeLists([src(0, [full], { import_fields: ['reject_reports'] })], settings());
    expect(one(r, 'a.test')).toEqual({ ...b('a.test', 'suspend', { reject_reports: true }), sources: [0] });
    const r2 = mergeLists([src(0, [full])], settings({ import_fields: ['public_comment'] }));
    expect(one(r2, 'a.test')).toEqual({ ...b('a.test', 'suspend', { public_comment: 'pub' }), sources: [0] });
  });

  it('does not change the source rows', () => {
    const row = b('a.test', 'suspend', { public_comment: 'x' });
    const lists = [src(0, [row], { max_severity: 'noop' }), src(1, [b('a.test', 'silence', { public_comment: 'y' })])];
    mergeLists(lists, settings());
    expect(row).toEqual(b('a.test', 'suspend', { public_comment: 'x' }));
  });
});

describe('duplicate rows within a source', () => {
  const rows = [b('a.test', 'suspend', { reject_media: false, public_comment: 'first' }), b('a.test', 'silence', { reject_media: true, public_comment: 'second' })];
  it('fold under max: the harsher row wins, flags ORed', () => {
    expect(one(mergeLists([src(0, rows)], settings()), 'a.test')).toMatchObject({ severity: 'suspend', reject_media: true, public_comment: 'first, second', sources: [0] });
  });
  it('fold under min: the milder row wins, flags ANDed', () => {
    expect(one(mergeLists([src(0, rows)], settings({ plan: 'min' })), 'a.test')).toMatchObject({ severity: 'silence', reject_media: false });
  });
  it('is not "last row wins"', () => {
    expect(one(mergeLists([src(0, [...rows].reverse())], settings()), 'a.test')!.severity).toBe('suspend');
  });
});

describe('obfuscated entries', () => {
  it('a matching digest votes for the clear domain (threshold, max) and is never emitted', () => {
    const lists = [
      src(0, [b('bad.example', 'silence')]),
      src(1, [b('b*d.ex*mple', 'suspend', { digest: sha('bad.example').toUpperCase(), reject_media: true })]),
      src(2, []),
    ];
    const r = mergeLists(lists, settings({ threshold: { type: 'count', value: 2 } }));
    expect(r.blocks).toEqual([{ ...b('bad.example', 'suspend', { reject_media: true }), sources: [0, 1] }]);
    expect(r.dropped).toEqual([]);
  });

  it('a digest vote takes part in min', () => {
    const lists = [src(0, [b('bad.example', 'suspend')]), src(1, [b('b*d.example', 'noop', { digest: sha('bad.example') })])];
    expect(mergeLists(lists, settings({ plan: 'min' })).blocks[0]).toMatchObject({ severity: 'noop', sources: [0, 1] });
  });

  it('only clear domains that fit the pattern are candidates (Mastodon obfuscates in place)', () => {
    const lists = [src(0, [b('bad.example')]), src(1, [b('x*x.example', 'suspend', { digest: sha('bad.example') })])];
    const r = mergeLists(lists, settings());
    expect(r.blocks[0]!.sources).toEqual([0]);
    expect(r.dropped.map((d) => d.reason)).toEqual(['obfuscated']);
  });

  it('without a match, or without a digest, it is dropped as obfuscated', () => {
    const lists = [
      src(0, [b('fine.example')]),
      src(1, [b('o*her.example', 'suspend', { digest: sha('other.example') }), b('n*ne.example')]),
    ];
    const r = mergeLists(lists, settings());
    expect(r.blocks.map((x) => x.domain)).toEqual(['fine.example']);
    expect(r.dropped).toEqual([
      { domain: 'n*ne.example', reason: 'obfuscated', detail: 's1: obfuscated without a digest' },
      { domain: 'o*her.example', reason: 'obfuscated', detail: 's1: digest matches no domain named in clear' },
    ]);
  });
});

describe('allowlists', () => {
  const lists = [src(0, [b('bad.test'), b('good.test'), b('sub.good.test'), b('parent.test')])];
  const allow = new Set(['good.test', 'ok.parent.test']);

  it('removes allowlisted domains and their subdomains', () => {
    const r = mergeLists(lists, settings({ allow }));
    expect(r.blocks.map((x) => x.domain)).toEqual(['bad.test', 'parent.test']);
    expect(r.dropped).toEqual([
      { domain: 'good.test', reason: 'allowlist', detail: 'allowlisted' },
      { domain: 'sub.good.test', reason: 'allowlist', detail: 'allowlisted by good.test' },
    ]);
  });

  it('keeps a blocked parent of an allowlisted domain but warns', () => {
    const r = mergeLists(lists, settings({ allow }));
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^parent\.test stays blocked \(suspend\) and covers allowlisted ok\.parent\.test/);
  });

  it('can remove exact matches only (FediBlockHole)', () => {
    const r = mergeLists(lists, settings({ allow }), { allowSubdomains: false });
    expect(r.blocks.map((x) => x.domain)).toEqual(['bad.test', 'parent.test', 'sub.good.test']);
  });
});

describe('redundant children', () => {
  const merge = (...blocks: ReturnType<typeof b>[]) => mergeLists([src(0, blocks)], settings(), { dropRedundant: true });
  const domains = (r: ReturnType<typeof mergeLists>) => r.blocks.map((x) => x.domain);

  it('drops a child equal to its parent', () => {
    const r = merge(b('example.com', 'silence'), b('sub.example.com', 'silence'));
    expect(domains(r)).toEqual(['example.com']);
    expect(r.dropped).toEqual([{ domain: 'sub.example.com', reason: 'redundant', detail: 'covered by example.com (silence), not stricter' }]);
  });
  it('drops any child of a suspended parent, and a milder child', () => {
    expect(domains(merge(b('example.com', 'suspend'), b('a.example.com', 'suspend', { reject_media: true }), b('b.example.com', 'silence')))).toEqual(['example.com']);
    expect(domains(merge(b('example.com', 'silence'), b('a.example.com', 'noop', { reject_media: true })))).toEqual(['example.com']);
  });
  it('keeps a stricter child: suspend under silence, an added reject', () => {
    expect(domains(merge(b('example.com', 'silence'), b('sub.example.com', 'suspend')))).toEqual(['example.com', 'sub.example.com']);
    expect(domains(merge(b('example.com', 'silence'), b('sub.example.com', 'silence', { reject_media: true })))).toEqual(['example.com', 'sub.example.com']);
  });
  it('drops a child that loses a reject of its parent, whatever its severity (Mastodon refuses it)', () => {
    expect(domains(merge(b('example.com', 'noop', { reject_media: true }), b('sub.example.com', 'silence')))).toEqual(['example.com']);
  });
  it('compares with the nearest surviving ancestor', () => {
    const r = merge(b('example.com', 'suspend'), b('b.example.com', 'silence'), b('a.b.example.com', 'suspend'));
    expect(domains(r)).toEqual(['example.com']);
    const r2 = merge(b('example.com', 'noop'), b('b.example.com', 'suspend'), b('a.b.example.com', 'silence'));
    expect(domains(r2)).toEqual(['b.example.com', 'example.com']);
    expect(r2.dropped[0]!.detail).toBe('covered by b.example.com (suspend), not stricter');
  });
  it("are kept by default: the merged list is the sources' verdict, as FediBlockHole writes it", () => {
    const r = mergeLists([src(0, [b('example.com'), b('sub.example.com'), b('a.example.com', 'silence')])], settings());
    expect(domains(r)).toEqual(['a.example.com', 'example.com', 'sub.example.com']);
    expect(r.dropped).toEqual([]);
    expect(mergeLists([src(0, [b('example.com'), b('sub.example.com')])], settings(), { dropRedundant: false }).blocks).toHaveLength(2);
  });
});

describe('provenance and order', () => {
  it('lists the indexes of the sources that named a domain, in config order', () => {
    const lists = [src(0, [b('a.test')]), src(1, [b('b.test')]), src(2, [b('a.test'), b('a.test')]), src(3, [b('b.test'), b('a.test')])];
    const r = mergeLists(lists, settings());
    expect(r.blocks.map((x) => [x.domain, x.sources])).toEqual([['a.test', [0, 2, 3]], ['b.test', [1, 3]]]);
    expect(r.sourceCount).toBe(4);
  });

  it('sorts by plain byte order, whatever the input order', () => {
    const names = ['b.test', 'a-b.test', 'a.test', 'xn--fa-hia.de', '0.test', 'a.b.test'];
    fc.assert(
      fc.property(fc.shuffledSubarray(names, { minLength: names.length }), (shuffled) => {
        const r = mergeLists([src(0, shuffled.map((d) => b(d)))], settings(), { dropRedundant: false });
        expect(r.blocks.map((x) => x.domain)).toEqual([...names].sort());
      }),
    );
  });

  it('is deterministic and order of rows within a source does not change the result', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ d: fc.constantFrom('a.t', 'b.t', 'c.b.t'), s: fc.constantFrom('noop', 'silence', 'suspend') as fc.Arbitrary<'noop' | 'silence' | 'suspend'>, m: fc.boolean() })),
        fc.constantFrom('max', 'min') as fc.Arbitrary<'max' | 'min'>,
        (rows, plan) => {
          const blocks = rows.map((r) => b(r.d, r.s, { reject_media: r.m }));
          const strip = (x: ReturnType<typeof mergeLists>) => x.blocks.map(({ domain, severity, reject_media }) => ({ domain, severity, reject_media }));
          const a = mergeLists([src(0, blocks)], settings({ plan }));
          const z = mergeLists([src(0, [...blocks].reverse())], settings({ plan }));
          expect(strip(a)).toEqual(strip(z));
          expect(mergeLists([src(0, blocks)], settings({ plan }))).toEqual(a);
        },
      ),
    );
  });
});
