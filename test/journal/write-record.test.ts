// What the journal records for each kind of write, fed by applyPlan's onWritten hook with the
// blocks the store answered (so `after` carries the real id).
import { describe, expect, it } from 'vitest';
import { writeRecord } from '../../src/journal/write-record.js';
import { emptyBlock, type BlockFields, type DomainBlock, type Plan, type PlanEntry, type StoredBlock } from '../../src/model.js';
import { applyPlan, type WriteOutcome } from '../../src/sync/apply-plan.js';
import { isOwned } from '../../src/sync/ownership.js';
import { ExistingBlockConflict, type Store } from '../../src/sync/store.js';

const M = '[fediblock]';
const managed = (b: Pick<StoredBlock, 'private_comment'>) => isOwned(b, M);
const block = (domain: string, id: string, o: Partial<StoredBlock> = {}): StoredBlock => ({ ...emptyBlock(domain, 'suspend'), id, ...o });
const fields = (b: StoredBlock): BlockFields => {
  const { domain: _d, id: _i, digest: _g, created_at: _c, ...f } = b;
  return f;
};

/** Minimal live-like store: ids are assigned by the store, as Mastodon does. */
class MemoryStore implements Store {
  readonly name = 'mem.example';
  blocks = new Map<string, StoredBlock>();
  next = 100;
  conflicts = new Map<string, StoredBlock>();
  async list() {
    return [...this.blocks.values()];
  }
  async create(b: DomainBlock) {
    const ex = this.conflicts.get(b.domain);
    if (ex) throw new ExistingBlockConflict(b.domain, ex);
    const s = { ...b, id: String(this.next++) };
    this.blocks.set(s.id, s);
    return { ...s };
  }
  async update(id: string, f: Partial<BlockFields>) {
    const s = { ...this.blocks.get(id)!, ...f };
    this.blocks.set(id, s);
    return { ...s };
  }
  async remove(id: string) {
    this.blocks.delete(id);
  }
}

const plan = (entries: PlanEntry[]): Plan => ({ version: 1, destination: 'mem.example', created_at: '2026-12-03T04:00:00Z', store_fingerprint: '', entries, holds: [] });

describe('writeRecord', () => {
  it('records creates with the id the store gave, updates and deletes with before and after, adoptions as adopt', async () => {
    const store = new MemoryStore();
    const hand = block('hand.example', '1', { severity: 'silence', private_comment: 'by alice' });
    const mine = block('mine.example', '2', { severity: 'silence', private_comment: M });
    const gone = block('gone.example', '3', { private_comment: `old ${M}` });
    for (const b of [hand, mine, gone]) store.blocks.set(b.id, b);
    const outcomes: WriteOutcome[] = [];
    const entries: PlanEntry[] = [
      { action: 'create', domain: 'new.example', desired: { ...fields(block('new.example', '')), private_comment: M, public_comment: 'spam' }, sources: ['tier0', 'gardenfence'], rule: 'max plan' } as PlanEntry,
      { action: 'update', domain: 'hand.example', current: hand, desired: { ...fields(hand), severity: 'suspend', private_comment: `by alice ${M}` }, changes: { severity: { from: 'silence', to: 'suspend' }, private_comment: { from: 'by alice', to: `by alice ${M}` } }, reason: 'adopting hand-made block' },
      { action: 'update', domain: 'mine.example', current: mine, desired: { ...fields(mine), severity: 'suspend' }, changes: { severity: { from: 'silence', to: 'suspend' } }, cap: undefined },
      { action: 'delete', domain: 'gone.example', current: gone, reason: 'no longer in the merged list' },
    ];
    const r = await applyPlan(plan(entries), store, { onWritten: (w) => void outcomes.push(w) });
    expect(r.failed).toEqual([]);
    const recs = Object.fromEntries(outcomes.map((o) => [o.entry.domain, writeRecord(o, managed)!]));

    expect(recs['new.example']).toEqual({
      action: 'create',
      domain: 'new.example',
      before: null,
      after: { id: '100', ...fields(block('new.example', '')), private_comment: M, public_comment: 'spam' },
      sources: ['tier0', 'gardenfence'],
      rule: 'max plan',
      reason: null,
      cap: null,
    });
    expect(recs['hand.example']).toMatchObject({ action: 'adopt', before: { id: '1', severity: 'silence', private_comment: 'by alice' }, after: { id: '1', severity: 'suspend', private_comment: `by alice ${M}` }, reason: 'adopting hand-made block' });
    expect(recs['mine.example']).toMatchObject({ action: 'update', before: { id: '2', severity: 'silence' }, after: { id: '2', severity: 'suspend' }, sources: [], rule: null });
    expect(recs['gone.example']).toMatchObject({ action: 'delete', before: { id: '3', private_comment: `old ${M}` }, after: null, reason: 'no longer in the merged list' });
  });

  it('a create that finds the domain blocked: recorded when the block carries the marker, not when it is hand-made', async () => {
    const store = new MemoryStore();
    store.conflicts.set('landed.example', block('landed.example', '9', { private_comment: M }));
    store.conflicts.set('byhand.example', block('byhand.example', '8', { private_comment: 'alice' }));
    store.conflicts.set('child.parent.example', block('parent.example', '7', { private_comment: M }));
    const outcomes: WriteOutcome[] = [];
    const desired = { ...fields(block('x', '')), private_comment: M };
    await applyPlan(plan(['landed.example', 'byhand.example', 'child.parent.example'].map((domain) => ({ action: 'create', domain, desired }))), store, { onWritten: (w) => void outcomes.push(w) });
    const recs = outcomes.map((o) => writeRecord(o, managed)).filter((x) => x !== undefined);
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ action: 'create', domain: 'landed.example', before: null, after: { id: '9' }, reason: expect.stringMatching(/already there with the marker/) });
  });

  it('when recording fails, no further write starts and the report says why', async () => {
    const store = new MemoryStore();
    const desired = { ...fields(block('x', '')), private_comment: M };
    const r = await applyPlan(plan(['a.example', 'b.example', 'c.example'].map((domain) => ({ action: 'create', domain, desired }))), store, {
      concurrency: 1,
      onWritten: () => {
        throw new Error('cannot append to the journal /x: ENOSPC');
      },
    });
    expect(r.created).toEqual(['a.example']);
    expect(r.recordError).toMatch(/ENOSPC/);
    expect(r.skipped.map((s) => s.reason)).toEqual(['not started: the journal could not be written', 'not started: the journal could not be written']);
    expect(store.blocks.size).toBe(1);
  });
});
