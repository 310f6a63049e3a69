import { describe, expect, it } from 'vitest';
import { emptyBlock } from '../../src/model.js';
import type { BlockFields, DomainBlock, Plan, PlanEntry, StoredBlock } from '../../src/model.js';
import { applyPlan } from '../../src/sync/apply-plan.js';
import type { ApplyEvent } from '../../src/sync/apply-plan.js';
import { ExistingBlockConflict } from '../../src/sync/store.js';
import type { Store } from '../../src/sync/store.js';

type Call = { op: 'create' | 'update' | 'remove'; domain: string; fields?: Partial<BlockFields> };

/** An in-memory store double: records calls, tracks writes in flight, injects failures and conflicts. */
class FakeStore implements Store {
  readonly name = 'fake.example';
  calls: Call[] = [];
  inFlight = 0;
  maxInFlight = 0;
  blocks = new Map<string, StoredBlock>();
  failOn = new Set<string>();
  conflictWith = new Map<string, StoredBlock>();
  delay = 0;
  /** Resolves each write only when the test says so (when set). */
  gate?: Promise<void>;
  onStart?: (c: Call) => void;

  async list() {
    return [...this.blocks.values()];
  }
  private async write<T>(c: Call, f: () => T): Promise<T> {
    this.calls.push(c);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.onStart?.(c);
    try {
      if (this.gate) await this.gate;
      await new Promise((r) => setTimeout(r, this.delay));
      if (this.failOn.has(c.domain)) throw new Error(`HTTP 500 for ${c.domain}`);
      const ex = this.conflictWith.get(c.domain);
      if (c.op === 'create' && ex) throw new ExistingBlockConflict(c.domain, ex);
      return f();
    } finally {
      this.inFlight--;
    }
  }
  private domainOf(id: string) {
    return id.replace(/^id:/, '');
  }
  create(b: DomainBlock) {
    return this.write({ op: 'create', domain: b.domain }, () => {
      const s = { ...b, id: `id:${b.domain}` };
      this.blocks.set(b.domain, s);
      return s;
    });
  }
  update(id: string, fields: Partial<BlockFields>) {
    const domain = this.domainOf(id);
    return this.write({ op: 'update', domain, fields }, () => ({ ...stored(domain), ...fields }));
  }
  remove(id: string) {
    const domain = this.domainOf(id);
    return this.write({ op: 'remove', domain }, () => {
      this.blocks.delete(domain);
    });
  }
}

const stored = (domain: string, severity: StoredBlock['severity'] = 'suspend', extra: Partial<StoredBlock> = {}): StoredBlock => ({
  ...emptyBlock(domain, severity),
  id: `id:${domain}`,
  ...extra,
});
const { domain: _d, digest: _g, ...suspendFields } = emptyBlock('x', 'suspend');
const create = (domain: string, severity: StoredBlock['severity'] = 'suspend'): PlanEntry => ({ action: 'create', domain, desired: { ...suspendFields, severity } });
const del = (domain: string): PlanEntry => ({ action: 'delete', domain, current: stored(domain) });
const upd = (domain: string, from: StoredBlock['severity'], to: StoredBlock['severity']): PlanEntry => ({
  action: 'update',
  domain,
  current: stored(domain, from),
  desired: { ...suspendFields, severity: to },
  changes: { severity: { from, to } },
});
const plan = (entries: PlanEntry[]): Plan => ({ version: 1, destination: 'fake.example', created_at: '2026-11-25T00:00:00Z', store_fingerprint: 'x', entries, holds: [] });

describe('applyPlan', () => {
  it('orders creates and raises (parents first), then other updates, then lowerings and deletes (children first)', async () => {
    const store = new FakeStore();
    const p = plan([
      create('a.b.parent.example'),
      create('b.parent.example'),
      upd('up.example', 'silence', 'suspend'),
      { action: 'unchanged', domain: 'same.example', current: stored('same.example') },
      { action: 'skip', domain: 'hand.example', reason: 'hand-made' },
      create('parent.example'),
      del('gone.example'),
      del('old.gone.example'),
      upd('down.example', 'suspend', 'silence'),
    ]);
    const r = await applyPlan(p, store, { concurrency: 1 });
    expect(store.calls.map((c) => `${c.op} ${c.domain}`)).toEqual([
      'create parent.example',
      'update up.example',
      'create b.parent.example',
      'create a.b.parent.example',
      'remove old.gone.example',
      'update down.example',
      'remove gone.example',
    ]);
    expect(r).toMatchObject({
      created: ['a.b.parent.example', 'b.parent.example', 'parent.example'],
      updated: ['down.example', 'up.example'],
      deleted: ['gone.example', 'old.gone.example'],
      conflicts: [],
      failed: [],
      skipped: [],
      aborted: false,
      writes: 7,
    });
  });

  it('keeps a phase barrier even with high concurrency: no delete starts before the creates finish', async () => {
    const store = new FakeStore();
    store.delay = 5;
    const starts: string[] = [];
    store.onStart = (c) => starts.push(c.op);
    await applyPlan(plan([create('new1.example'), del('old1.example'), del('old2.example'), create('new2.example')]), store, { concurrency: 8 });
    expect(starts).toEqual(['create', 'create', 'remove', 'remove']);
  });

  it('deletes children replaced by their parent only once the parent exists (hole 5)', async () => {
    const store = new FakeStore();
    const children = ['a.example.com', 'b.example.com', 'c.example.com'].map(del);
    const ok = await applyPlan(plan([...children, create('example.com')]), store, { concurrency: 2 });
    expect(store.calls.map((c) => `${c.op} ${c.domain}`)).toEqual(['create example.com', 'remove a.example.com', 'remove b.example.com', 'remove c.example.com']);
    expect(ok.deleted).toHaveLength(3);

    const failing = new FakeStore();
    failing.failOn.add('example.com');
    const r = await applyPlan(plan([...children, create('example.com'), del('elsewhere.example')]), failing, { concurrency: 2 });
    expect(failing.calls.map((c) => `${c.op} ${c.domain}`)).toEqual(['create example.com', 'remove elsewhere.example']);
    expect(r.skipped.map((s) => s.domain)).toEqual(['a.example.com', 'b.example.com', 'c.example.com']);
    expect(r.skipped[0]!.reason).toMatch(/waits until the block on example\.com is in place/);
  });

  it('max_writes spends its budget in that order: the parent first, the children it replaces after', async () => {
    const store = new FakeStore();
    const r = await applyPlan(plan([del('a.example.com'), del('b.example.com'), create('example.com')]), store, { concurrency: 1, maxWrites: 2 });
    expect(store.calls.map((c) => `${c.op} ${c.domain}`)).toEqual(['create example.com', 'remove a.example.com']);
    expect(r).toMatchObject({ maxWritesReached: true, skipped: [{ domain: 'b.example.com' }] });
  });

  it('dropping a reject flag is a lowering: it goes last, and waits for a parent being raised', async () => {
    const store = new FakeStore();
    const dropFlag: PlanEntry = {
      action: 'update',
      domain: 'sub.example.com',
      current: stored('sub.example.com', 'silence', { reject_media: true }),
      changes: { reject_media: { from: true, to: false } },
    };
    const addFlag: PlanEntry = {
      action: 'update',
      domain: 'example.com',
      current: stored('example.com', 'silence'),
      changes: { reject_media: { from: false, to: true } },
    };
    const comment: PlanEntry = { action: 'update', domain: 'note.example', current: stored('note.example'), changes: { public_comment: { from: '', to: 'spam' } } };
    await applyPlan(plan([dropFlag, comment, addFlag]), store, { concurrency: 1 });
    expect(store.calls.map((c) => `${c.op} ${c.domain}`)).toEqual(['update example.com', 'update note.example', 'update sub.example.com']);
  });

  it('respects the concurrency bound', async () => {
    const store = new FakeStore();
    store.delay = 5;
    const entries = Array.from({ length: 20 }, (_, i) => create(`d${i}.example`));
    const r = await applyPlan(plan(entries), store, { concurrency: 3 });
    expect(store.maxInFlight).toBe(3);
    expect(r.created).toHaveLength(20);
    expect(r.writes).toBe(20);
  });

  it('reports a same-domain conflict (no retry) and a parent conflict as covered', async () => {
    const store = new FakeStore();
    store.conflictWith.set('dup.example', stored('dup.example', 'silence', { id: '7', private_comment: '[fediblock]' }));
    store.conflictWith.set('child.parent.example', stored('parent.example', 'suspend', { id: '8' }));
    const events: ApplyEvent[] = [];
    const r = await applyPlan(plan([create('dup.example'), create('child.parent.example', 'silence'), create('ok.example')]), store, {
      marker: '[fediblock]',
      onEvent: (e) => events.push(e),
    });
    expect(r.created).toEqual(['ok.example']);
    expect(r.conflicts).toHaveLength(1);
    expect(r.conflicts[0]?.domain).toBe('dup.example');
    expect(r.conflicts[0]?.message).toMatch(/already blocked.*id 7.*marker.*next run will reconcile/);
    expect(r.skipped).toEqual([{ domain: 'child.parent.example', reason: 'covered by parent parent.example (suspend)' }]);
    expect(r.failed).toEqual([]);
    expect(store.calls.filter((c) => c.domain === 'dup.example')).toHaveLength(1);
    expect(events.some((e) => e.type === 'conflict' && e.domain === 'dup.example')).toBe(true);
  });

  it('words a hand-made same-domain conflict differently', async () => {
    const store = new FakeStore();
    store.conflictWith.set('dup.example', stored('dup.example', 'silence', { id: '7', private_comment: 'mine' }));
    const r = await applyPlan(plan([create('dup.example')]), store, { marker: '[fediblock]' });
    expect(r.conflicts[0]?.message).toMatch(/hand-made/);
  });

  it('isolates failures: the rest go on', async () => {
    const store = new FakeStore();
    store.failOn.add('bad.example');
    store.failOn.add('baddel.example');
    const r = await applyPlan(plan([create('a.example'), create('bad.example'), create('c.example'), del('baddel.example'), del('d.example')]), store, {});
    expect(r.created).toEqual(['a.example', 'c.example']);
    expect(r.deleted).toEqual(['d.example']);
    expect(r.failed).toEqual([
      { domain: 'bad.example', action: 'create', message: 'HTTP 500 for bad.example' },
      { domain: 'baddel.example', action: 'delete', message: 'HTTP 500 for baddel.example' },
    ]);
    expect(r.writes).toBe(5);
  });

  it('never sends an update without changes, and builds partial fields from changes', async () => {
    const store = new FakeStore();
    const noChanges: PlanEntry = { action: 'update', domain: 'nochange.example', current: stored('nochange.example'), desired: suspendFields };
    const sameValue: PlanEntry = { ...noChanges, domain: 'samevalue.example', current: stored('samevalue.example'), changes: { severity: { from: 'suspend', to: 'suspend' } } };
    const flags: PlanEntry = {
      action: 'update',
      domain: 'flags.example',
      current: stored('flags.example', 'silence'),
      desired: { ...suspendFields, severity: 'silence', reject_media: true, public_comment: 'spam' },
      changes: { reject_media: { from: false, to: true }, public_comment: { from: '', to: 'spam' } },
    };
    const r = await applyPlan(plan([noChanges, sameValue, flags]), store, {});
    expect(store.calls).toEqual([{ op: 'update', domain: 'flags.example', fields: { reject_media: true, public_comment: 'spam' } }]);
    expect(r.updated).toEqual(['flags.example']);
    expect(r.failed.map((f) => f.domain)).toEqual(['nochange.example', 'samevalue.example']);
    expect(r.failed[0]?.message).toMatch(/without changes/);
    expect(r.writes).toBe(1);
  });

  it('aborts: no new writes start, in-flight ones finish, the rest are reported', async () => {
    const store = new FakeStore();
    const ac = new AbortController();
    let release!: () => void;
    store.gate = new Promise<void>((r) => (release = r));
    let started = 0;
    store.onStart = () => {
      started++;
      if (started === 2) {
        ac.abort();
        release();
      }
    };
    const entries = Array.from({ length: 10 }, (_, i) => create(`d${i}.example`));
    const r = await applyPlan(plan(entries), store, { concurrency: 2, signal: ac.signal });
    expect(r.aborted).toBe(true);
    expect(store.calls).toHaveLength(2);
    expect(r.created).toHaveLength(2); // the two in flight completed
    expect(r.writes).toBe(2);
    expect(r.skipped).toHaveLength(8);
    expect(r.skipped[0]?.reason).toMatch(/interrupted/);
  });

  it('an already-aborted signal makes no writes', async () => {
    const store = new FakeStore();
    const r = await applyPlan(plan([del('a.example'), create('b.example')]), store, { signal: AbortSignal.abort() });
    expect(store.calls).toEqual([]);
    expect(r.aborted).toBe(true);
    expect(r.skipped.map((s) => s.domain)).toEqual(['a.example', 'b.example']);
  });

  it('maxWrites stops after N writes and says so', async () => {
    const store = new FakeStore();
    const entries = [del('x.example'), ...Array.from({ length: 6 }, (_, i) => create(`d${i}.example`))];
    const progress: number[] = [];
    const r = await applyPlan(plan(entries), store, { maxWrites: 3, concurrency: 2, onProgress: (done, total) => progress.push(done * 100 + total) });
    expect(store.calls).toHaveLength(3);
    expect(r.writes).toBe(3);
    expect(r.maxWritesReached).toBe(true);
    expect(r.aborted).toBe(false);
    expect(r.skipped).toHaveLength(4);
    expect(r.skipped.every((s) => /max_writes \(3\)/.test(s.reason))).toBe(true);
    expect(progress).toEqual([107, 207, 307]);
  });

  it('maxWrites 0 means unlimited; an empty plan makes no writes', async () => {
    const store = new FakeStore();
    const r = await applyPlan(plan([create('a.example'), create('b.example')]), store, { maxWrites: 0 });
    expect(r.writes).toBe(2);
    const r2 = await applyPlan(plan([{ action: 'unchanged', domain: 'a.example', current: stored('a.example') }]), store, {});
    expect(r2.writes).toBe(0);
  });

  describe('a looser child under a parent the plan deletes', () => {
    const entries = () => [del('example.com'), create('a.example.com', 'silence')];

    it('lowers the parent first, creates the child, then deletes the parent: one more write, counted', async () => {
      const store = new FakeStore();
      const r = await applyPlan(plan(entries()), store, { concurrency: 4 });
      expect(store.calls.map((c) => `${c.op} ${c.domain}${c.fields?.severity ? ` ${c.fields.severity}` : ''}`)).toEqual(['update example.com silence', 'create a.example.com', 'remove example.com']);
      expect(r.writes).toBe(3);
      expect(r).toMatchObject({ created: ['a.example.com'], updated: ['example.com'], deleted: ['example.com'], failed: [], skipped: [] });
    });

    it('max_writes counts the interim lowering; the slice stops there', async () => {
      const store = new FakeStore();
      const r = await applyPlan(plan(entries()), store, { maxWrites: 1 });
      expect(store.calls.map((c) => `${c.op} ${c.domain}`)).toEqual(['update example.com']);
      expect(r.maxWritesReached).toBe(true);
    });

    it('when the lowering fails, neither the child nor the delete is sent', async () => {
      const store = new FakeStore();
      store.failOn.add('example.com');
      const r = await applyPlan(plan(entries()), store, {});
      expect(store.calls.map((c) => `${c.op} ${c.domain}`)).toEqual(['update example.com']);
      expect(r.skipped.map((x) => x.domain)).toEqual(['a.example.com', 'example.com']);
    });

    it('when the child fails, the parent stays (lowered) and is not deleted', async () => {
      const store = new FakeStore();
      store.failOn.add('a.example.com');
      const r = await applyPlan(plan(entries()), store, {});
      expect(store.calls.map((c) => `${c.op} ${c.domain}`)).toEqual(['update example.com', 'create a.example.com']);
      expect(r.skipped).toEqual([{ domain: 'example.com', reason: expect.stringMatching(/waits until a\.example\.com has its own block/) }]);
    });
  });
});
