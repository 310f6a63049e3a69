// The FIRES rules as pure functions: reading changes in every server's spelling, folding them by
// id, and reading the folded state as blocks (decisions.md, second round).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readChange, uuidOf, type FiresChange } from '../../src/sources/fires/read-change.js';
import { deriveBlocks, foldChanges, labelFallbackName, type EntityMap } from '../../src/sources/fires/fold-changes.js';

const DS = 'https://fires.example/datasets/0197a000-0000-7000-8000-00000000d5e7';
let n = 0;
/** A change id: UUIDv7-shaped, increasing with each call. */
const nextUuid = () => `${(0x0197b000 + n++).toString(16).padStart(8, "0")}-0000-7000-8000-000000000000`;
function change(fields: Record<string, unknown>): FiresChange {
  const c = readChange({ id: `${DS}/changes/${nextUuid()}`, published: '2025-06-01T00:00:00Z', ...fields });
  if ('problem' in c) throw new Error(c.problem);
  return c;
}
const rec = (key: string, policy: string | undefined, extra: Record<string, unknown> = {}) =>
  change({ type: 'Recommendation', entityKind: 'domain', entityKey: key, ...(policy === undefined ? {} : { recommendedPolicy: policy }), ...extra });

function derive(changes: FiresChange[], names: Record<string, string> = {}) {
  const m: EntityMap = new Map();
  foldChanges(m, changes);
  return deriveBlocks(m.values(), 'fires', (u) => names[u] ?? labelFallbackName(u));
}

describe('reading a FIRES change', () => {
  it('takes the UUID at the end of the id URL as its place', () => {
    expect(uuidOf(`${DS}/changes/0197B000-0000-7000-8000-000000000001`)).toBe('0197b000-0000-7000-8000-000000000001');
    expect(uuidOf(`${DS}/changes/latest`)).toBeUndefined();
  });

  it('reads camelCase (0.7+), snake_case (before 0.7) and the entity object alike', () => {
    const id = `${DS}/changes/0197b000-0000-7000-8000-000000000009`;
    const camel = readChange({ id, type: 'Recommendation', entityKind: 'domain', entityKey: 'a.example', recommendedPolicy: 'drop', recommendedFilters: ['reject-media'], labels: ['https://l/1'], published: 'P' });
    const snake = readChange({ id, type: 'Recommendation', entity_kind: 'domain', entity_key: 'a.example', recommended_policy: 'drop', recommended_filters: ['reject-media'], labels: ['https://l/1'], published: 'P' });
    const oldest = readChange({ id, type: 'Recommendation', entity: { type: 'Domain', value: 'a.example' }, recommended_policy: 'drop', recommended_filters: ['reject-media'], labels: ['https://l/1'], created: 'P' });
    expect(snake).toEqual(camel);
    expect(oldest).toEqual(camel);
    expect(camel).toMatchObject({ entityKind: 'domain', entityKey: 'a.example', policy: 'drop', filters: ['reject-media'], labels: ['https://l/1'], published: 'P' });
  });

  it('says why an item cannot be a change', () => {
    expect(readChange('x')).toEqual({ problem: 'not an object' });
    expect(readChange({ type: 'Advisory' })).toEqual({ problem: 'no id' });
    expect(readChange({ id: 'https://x/changes/nope', type: 'Advisory' })).toMatchObject({ problem: expect.stringMatching(/does not end in a UUID/) });
  });
});

describe('folding and reading FIRES changes', () => {
  it('maps policies: drop and reject suspend, filter silences, accept is no block (a notice)', () => {
    const r = derive([rec('a.example', 'drop'), rec('b.example', 'reject'), rec('c.example', 'filter'), rec('d.example', 'accept')]);
    expect(r.blocks.map((b) => [b.domain, b.severity])).toEqual([
      ['a.example', 'suspend'],
      ['b.example', 'suspend'],
      ['c.example', 'silence'],
    ]);
    expect(r.notices.map((x) => x.message)).toEqual(['d.example: recommended policy accept: no block']);
  });

  it('sets reject_media/reject_reports from the filters; unknown filters are notices; filters on accept are ignored', () => {
    const r = derive([
      rec('a.example', 'filter', { recommendedFilters: ['reject-media', 'reject-reports'] }),
      rec('b.example', 'drop', { recommendedFilters: ['reject-media', 'nsfw-media'] }),
      rec('c.example', 'accept', { recommendedFilters: ['reject-media'] }),
    ]);
    expect(r.blocks.map((b) => [b.domain, b.severity, b.reject_media, b.reject_reports])).toEqual([
      ['a.example', 'silence', true, true],
      ['b.example', 'suspend', true, false],
    ]);
    expect(r.notices.map((x) => x.message)).toEqual(['b.example: unknown recommended filter "nsfw-media" ignored', 'c.example: recommended policy accept: no block']);
    expect(r.notices[0]!.at).toMatch(/^change 0197b/);
  });

  it('lets the latest change per entity decide: a Retraction, an Advisory or an accept ends a block', () => {
    const r = derive([
      rec('gone.example', 'drop'),
      change({ type: 'Retraction', entityKind: 'domain', entityKey: 'gone.example' }),
      rec('advised.example', 'drop'),
      change({ type: 'Advisory', entityKind: 'domain', entityKey: 'advised.example', labels: [] }),
      rec('accepted.example', 'reject'),
      rec('accepted.example', 'accept'),
      rec('back.example', 'drop'),
      change({ type: 'Retraction', entityKind: 'domain', entityKey: 'back.example' }),
      rec('back.example', 'filter'),
    ]);
    expect(r.blocks.map((b) => [b.domain, b.severity])).toEqual([['back.example', 'silence']]);
    expect(r.counts).toMatchObject({ retracted: 1, notBlocks: 2, blocks: 1 });
    expect(r.notices.map((x) => x.message)).toEqual([
      'accepted.example: recommended policy accept: no block',
      'advised.example: an Advisory without a policy is informational, not a block',
    ]);
    expect(r.evidence['gone.example']).toMatchObject({ type: 'Retraction' });
  });

  it('skips actor entities with a notice, and rejects a key that is no domain, naming the change', () => {
    const r = derive([rec('a.example', 'drop'), change({ type: 'Recommendation', entityKind: 'actor', entityKey: 'https://a.example/users/x', recommendedPolicy: 'drop' }), rec('not a domain', 'drop'), rec('z.example', 'block')]);
    expect(r.blocks.map((b) => b.domain)).toEqual(['a.example']);
    expect(r.notices.map((x) => x.message)).toEqual(['skipped actor entity https://a.example/users/x: only domain entities become blocks']);
    expect(r.rejects.map((x) => [x.reason.split(':')[0], x.value, x.at?.slice(0, 12)])).toEqual([
      ['entityKey', 'not a domain', 'change 0197b'],
      ['recommendedPolicy', 'block', 'change 0197b'],
    ]);
  });

  it('joins label names with ", " into the public comment, falling back to the URL\'s last segment', () => {
    const r = derive([rec('a.example', 'drop', { labels: ['https://fires.example/labels/1', 'https://fires.example/labels/hate-speech', 'https://labels.example/#spam'] })], {
      'https://fires.example/labels/1': 'Harassment',
    });
    expect(r.blocks[0]!.public_comment).toBe('Harassment, hate-speech, spam');
    expect(r.evidence['a.example']).toMatchObject({ type: 'Recommendation', policy: 'drop', labels: ['Harassment', 'hate-speech', 'spam'], published: '2025-06-01T00:00:00Z' });
  });

  it('folds to the same state whatever order the changes arrive in (property)', () => {
    const keys = ['a.example', 'b.example', 'c.example'];
    const arb = fc.array(
      fc.record({ key: fc.constantFrom(...keys), kind: fc.constantFrom('drop', 'filter', 'accept', 'retract', 'advise') }),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(arb, fc.integer(), (steps, seed) => {
        const changes = steps.map((s) =>
          s.kind === 'retract'
            ? change({ type: 'Retraction', entityKind: 'domain', entityKey: s.key })
            : s.kind === 'advise'
              ? change({ type: 'Advisory', entityKind: 'domain', entityKey: s.key })
              : rec(s.key, s.kind),
        );
        const shuffled = [...changes].sort((a, b) => ((a.uuid.charCodeAt(7) * 31 + seed) % 7) - ((b.uuid.charCodeAt(7) * 31 + seed) % 7));
        const inOrder = derive(changes).blocks;
        expect(derive(shuffled).blocks).toEqual(inOrder);
        // The latest change of each key decides.
        for (const k of keys) {
          const last = [...steps].reverse().find((s) => s.key === k);
          const blocked = inOrder.find((b) => b.domain === k);
          expect(blocked?.severity).toBe(last?.kind === 'drop' ? 'suspend' : last?.kind === 'filter' ? 'silence' : undefined);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a snapshot then the change feed gives what a fresh snapshot gives, wherever the cut falls (property)', () => {
    const keys = ['a.example', 'b.example', 'c.example', 'd.example'];
    const step = fc.record({ key: fc.constantFrom(...keys), kind: fc.constantFrom('drop', 'reject', 'filter', 'accept', 'retract', 'advise') });
    /** What the server's snapshot holds: the latest change per entity. */
    const snapshotOf = (cs: FiresChange[]) => [...new Map(cs.map((c) => [c.entityKey, c])).values()];
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), fc.nat(), (steps, cutAt) => {
        const changes = steps.map((x) =>
          x.kind === 'retract'
            ? change({ type: 'Retraction', entityKind: 'domain', entityKey: x.key })
            : x.kind === 'advise'
              ? change({ type: 'Advisory', entityKind: 'domain', entityKey: x.key })
              : rec(x.key, x.kind, { recommendedFilters: x.kind === 'reject' ? ['reject-media'] : [] }),
        );
        const cut = changes.length === 0 ? 0 : cutAt % (changes.length + 1);
        const incremental: EntityMap = new Map();
        foldChanges(incremental, snapshotOf(changes.slice(0, cut)));
        foldChanges(incremental, changes.slice(cut));
        const fresh: EntityMap = new Map();
        foldChanges(fresh, snapshotOf(changes));
        const read = (m: EntityMap) => deriveBlocks(m.values(), 'fires', labelFallbackName);
        expect(read(incremental).blocks).toEqual(read(fresh).blocks);
        expect(read(incremental).notices).toEqual(read(fresh).notices);
      }),
      { numRuns: 200 },
    );
  });
});
