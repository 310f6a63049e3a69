// The journal-based restore planner (decisions.md, second round): undo fediblock's writes since a
// snapshot, newest first, and never write a block only the admin touched.
import { describe, expect, it } from 'vitest';
import type { JournalBlock, JournalEntry, JournalLine } from '../../src/journal/journal-record.js';
import { entriesAfter } from '../../src/journal/read-journal.js';
import { blockFields, type Plan, type PlanEntry, type StoredBlock } from '../../src/model.js';
import { EDITED_SINCE, NOT_IN_JOURNAL, planRestore } from '../../src/sync/plan-restore.js';
import { hand, M, NOW, owned, policy } from './plan-helpers.js';

const byDomain = (p: Plan): Record<string, PlanEntry> => Object.fromEntries(p.entries.map((e) => [e.domain, e]));
const jb = (b: StoredBlock): JournalBlock => ({ id: b.id, ...blockFields(b) });
let minute = 0;
const w = (action: JournalEntry['action'], domain: string, before: StoredBlock | null, after: StoredBlock | null, run = 'r1'): JournalEntry => ({
  v: 1,
  time: `2026-12-03T04:${String(minute++).padStart(2, '0')}:00.000Z`,
  run,
  command: 'sync',
  destination: 'my.social',
  action,
  domain,
  before: before && jb(before),
  after: after && jb(after),
  sources: [],
  rule: null,
  reason: null,
  cap: null,
});
const plan = (snapshot: StoredBlock[], entries: JournalEntry[], current: StoredBlock[]) =>
  planRestore({ snapshot, entries, current, policy: policy(), now: NOW, storeFingerprint: 'fp' });

describe('planRestore from the journal', () => {
  // Before the snapshot's run:
  const kept = owned('kept.example', 'silence', { reject_media: true, public_comment: 'p', private_comment: `Garden Fence 2026-07-05 ${M}` });
  const gone = owned('gone.example', 'silence', { reject_media: true, public_comment: 'p', private_comment: `note ${M}` });
  const handBefore = hand('adopted.example', 'noop', { reject_media: true, public_comment: 'rude' });
  const snapshot = [kept, gone, hand('handonly.example', 'silence'), owned('drift.example', 'silence')];
  // What fediblock did since:
  const created = owned('created.example', 'suspend');
  const keptRaised = { ...kept, severity: 'suspend' as const, public_comment: 'new' };
  const adopted = { ...handBefore, severity: 'silence' as const, private_comment: `added by alice ${M}` };
  const edited = owned('edited.example', 'silence');
  const entries = [
    w('create', 'created.example', null, created),
    w('update', 'kept.example', kept, keptRaised),
    w('delete', 'gone.example', gone, null),
    w('adopt', 'adopted.example', handBefore, adopted, 'r2'),
    w('create', 'edited.example', null, edited, 'r2'),
  ];
  // Now: the admin edited edited.example, changed handonly.example and blocked newhand.example
  // by hand; drift.example (marked) differs from the snapshot with no journal entry.
  const current = [
    created,
    keptRaised,
    adopted,
    { ...edited, public_comment: 'mine now' },
    hand('handonly.example', 'suspend'),
    hand('newhand.example', 'suspend'),
    owned('drift.example', 'suspend', { id: snapshot[3]!.id }),
  ];
  const { plan: p, notes } = plan(snapshot, entries, current);
  const e = byDomain(p);

  it('deletes a block fediblock created', () => {
    expect(e['created.example']).toMatchObject({ action: 'delete', current: created });
  });

  it('puts an updated block back, every field, private comment included', () => {
    expect(e['kept.example']).toMatchObject({
      action: 'update',
      desired: blockFields(kept),
      changes: { severity: { from: 'suspend', to: 'silence' }, public_comment: { from: 'new', to: 'p' } },
    });
  });

  it('recreates a deleted block exactly as it was', () => {
    expect(e['gone.example']).toMatchObject({ action: 'create', desired: blockFields(gone) });
  });

  it('hands an adopted block back as the admin made it: marker removed, fields as before', () => {
    expect(e['adopted.example']).toMatchObject({
      action: 'update',
      desired: blockFields(handBefore),
      reason: expect.stringMatching(/adopted .* handing it back/),
      changes: { severity: { from: 'silence', to: 'noop' }, private_comment: { from: `added by alice ${M}`, to: 'added by alice' } },
    });
  });

  it('leaves a block the admin changed since fediblock wrote it, and says so', () => {
    expect(e['edited.example']).toMatchObject({ action: 'skip', reason: EDITED_SINCE });
    expect(notes).toEqual([]);
  });

  it('never writes a block only the admin touched; reports a marked one the journal cannot explain', () => {
    expect(e['handonly.example']).toBeUndefined();
    expect(e['newhand.example']).toBeUndefined();
    expect(e['drift.example']).toMatchObject({ action: 'skip', reason: NOT_IN_JOURNAL });
    expect(p.entries.filter((x) => x.action === 'create' || x.action === 'update' || x.action === 'delete').map((x) => x.domain)).toEqual([
      'adopted.example',
      'created.example',
      'gone.example',
      'kept.example',
    ]);
  });

  it('is a plain plan', () => {
    expect(p).toMatchObject({ version: 1, destination: 'my.social', created_at: NOW, store_fingerprint: 'fp', holds: [] });
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });

  it('fuzz seed 7070 (I7): undoes every write since the snapshot, also past an edit by hand between two of them (fediblock had overwritten it), and says so', () => {
    const a1 = owned('x.example', 'noop');
    const byAdmin = { ...a1, severity: 'silence' as const };
    const a2 = { ...byAdmin, severity: 'noop' as const };
    const r = plan([], [w('create', 'x.example', null, a1), w('update', 'x.example', byAdmin, a2, 'r2')], [a2]);
    expect(r.plan.entries).toEqual([expect.objectContaining({ action: 'delete', domain: 'x.example' })]);
    expect(r.notes).toEqual([expect.stringMatching(/^x\.example: changed by hand between fediblock's writes \(before the one of 2026-12-03T04:\d\d:00.000Z\); restored to how it was before fediblock's first write since the snapshot$/)]);
  });

  it('hands back a block made by hand after the snapshot and adopted later, as the admin made it', () => {
    const h = hand('late.example', 'silence');
    const adoptedLate = { ...h, severity: 'suspend' as const, private_comment: `added by alice ${M}` };
    const r = plan([], [w('adopt', 'late.example', h, adoptedLate)], [adoptedLate]);
    expect(r.plan.entries).toEqual([expect.objectContaining({ action: 'update', domain: 'late.example', desired: blockFields(h) })]);
  });

  it('a block deleted by hand after fediblock created it stays deleted; a create undone by a delete nets to nothing', () => {
    const a = owned('a.example', 'suspend');
    const b = owned('b.example', 'suspend');
    const r = plan([], [w('create', 'a.example', null, a), w('create', 'b.example', null, b), w('delete', 'b.example', b, null, 'r2')], []);
    expect(r.plan.entries).toEqual([expect.objectContaining({ action: 'skip', domain: 'a.example', reason: EDITED_SINCE })]);
  });

  it('a block re-created by hand with the same fields is not the block fediblock left (its id differs)', () => {
    const a = owned('a.example', 'suspend');
    const r = plan([], [w('create', 'a.example', null, a)], [{ ...a, id: 'other' }]);
    expect(r.plan.entries).toEqual([expect.objectContaining({ action: 'skip', reason: EDITED_SINCE })]);
  });
});

describe('entriesAfter', () => {
  const end = (run: string, time: string): JournalLine => ({ v: 1, time, run, command: 'sync', destination: 'my.social', action: 'run_end', exit: 0, writes: 1 });
  const a = { ...w('create', 'a.example', null, owned('a.example', 'suspend'), 'r1'), time: '2026-12-01T04:00:01Z' };
  const b = { ...w('create', 'b.example', null, owned('b.example', 'suspend'), 'r2'), time: '2026-12-02T04:00:01Z' };
  const journal = { path: '/j', lines: [a, end('r1', '2026-12-01T04:00:02Z'), b, end('r2', '2026-12-02T04:00:02Z')], entries: [a, b], warnings: [] };

  it('starts at the snapshot’s run, or at its time when the journal never saw the run', () => {
    expect(entriesAfter(journal, { run: 'r1', taken_at: '2026-12-01T04:00:00Z' })).toEqual({ entries: [a, b], covered: true });
    expect(entriesAfter(journal, { run: 'r2', taken_at: '2026-12-02T04:00:00Z' })).toEqual({ entries: [b], covered: true });
    expect(entriesAfter(journal, { run: 'killed', taken_at: '2026-12-01T12:00:00Z' })).toEqual({ entries: [b], covered: true });
    expect(entriesAfter(journal, { taken_at: '2026-12-03T00:00:00Z' })).toEqual({ entries: [], covered: true });
  });

  it('says when the journal does not reach back to the snapshot', () => {
    expect(entriesAfter(journal, { taken_at: '2026-11-01T00:00:00Z' }).covered).toBe(false);
    expect(entriesAfter({ path: '/j', lines: [], entries: [], warnings: [] }, { run: 'r0', taken_at: '2026-11-01T00:00:00Z' })).toEqual({ entries: [], covered: false });
  });
});

describe('planRestore with writes whose answer was lost (journaled as uncertain)', () => {
  const uncertain = (e: JournalEntry): JournalEntry => ({ ...e, uncertain: true, after: e.after && { ...e.after, id: e.action === 'create' ? '' : e.after.id } });
  const made = owned('landed.example', 'suspend');
  const lost = owned('lost.example', 'suspend');
  const before = owned('raised.example', 'silence');
  const raised = { ...before, severity: 'suspend' as const };

  it('undoes a create that landed (the block is there as asked), and leaves one that did not', () => {
    const entries = [uncertain(w('create', 'landed.example', null, made)), uncertain(w('create', 'lost.example', null, lost))];
    const { plan: p } = plan([], entries, [made]);
    const by = byDomain(p);
    expect(by['landed.example']?.action).toBe('delete');
    expect(by['lost.example']).toBeUndefined();
    expect(p.entries.filter((e) => e.action !== 'skip' && e.action !== 'unchanged')).toHaveLength(1);
  });

  it('judges an uncertain update by what fediblock found next, not by the block now', () => {
    // The raise did not land: the next write started from the silence block, and lowered a flag.
    const next = { ...before, reject_media: true };
    const entries = [uncertain(w('update', 'raised.example', before, raised)), w('update', 'raised.example', before, next)];
    const { plan: p } = plan([before], entries, [next]);
    const e = byDomain(p)['raised.example'];
    expect(e?.action).toBe('update');
    expect(e?.desired?.severity).toBe('silence');
    expect(e?.desired?.reject_media).toBe(false);
  });
});
