// Issue 9 holes 6 and 7: brakes measure how the sources changed since the last completed sync of
// the destination, not how far the instance lags; dropping a reject flag is a lowering.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StoredBlock } from '../../src/model.js';
import { checkBrakes } from '../../src/sync/check-brakes.js';
import { brakeBaseline, markPending, markSynced, readDestinationState, statePath } from '../../src/sync/destination-state.js';
import { listRules, measureChange } from '../../src/sync/list-change.js';
import { planSync } from '../../src/sync/plan-sync.js';
import { NOW, owned, policy, want } from './plan-helpers.js';

const names = (n: number, prefix = 'd') => Array.from({ length: n }, (_, i) => `${prefix}${i}.example`);
const plan = (desired: ReturnType<typeof want>[], current: StoredBlock[]) =>
  planSync({ desired, current, policy: policy(), follow: new Map(), holdDeletes: [], now: NOW, storeFingerprint: '' });

describe('brakes against the change of the sources', () => {
  it('an interrupted run (24 of 60 created) is resumed without --force', () => {
    const desired = names(60).map((d) => want(d, 'silence'));
    const current = names(24).map((d) => owned(d, 'silence'));
    const p = plan(desired, current);
    expect(p.entries.filter((e) => e.action === 'create')).toHaveLength(36);
    // Today's owned-based measure refuses it (36 vs 24 owned = 150%)…
    expect(checkBrakes(p, current, policy()).ok).toBe(false);
    // …the sources did not change since the run that was interrupted began.
    const rules = listRules(desired);
    const r = checkBrakes(p, current, policy(), measureChange(rules, rules));
    expect(r).toMatchObject({ ok: true, basis: 'sources', creating: 36 });
  });

  it('refuses growth and shrinkage of the sources beyond the brakes, for the writes the plan makes', () => {
    const before = listRules(names(20).map((d) => want(d, 'silence')));
    const grown = [...names(20), ...names(11, 'n')].map((d) => want(d, 'silence'));
    const current = names(20).map((d) => owned(d, 'silence'));
    const up = checkBrakes(plan(grown, current), current, policy(), measureChange(before, listRules(grown)));
    expect(up.ok).toBe(false);
    expect(up.reasons[0]).toMatch(/added 11 and raised 0 domains against its 20 \(55%/);
    const shrunk = names(13).map((d) => want(d, 'silence'));
    const down = checkBrakes(plan(shrunk, current), current, policy(), measureChange(before, listRules(shrunk)));
    expect(down.ok).toBe(false);
    expect(down.reasons[0]).toMatch(/dropped 7 and lowered 0 of its 20 domains \(35%/);
    // The same shrink with nothing to delete here (remove = false) brakes nothing.
    const kept = planSync({ desired: shrunk, current, policy: policy({ remove: false }), follow: new Map(), holdDeletes: [], now: NOW, storeFingerprint: '' });
    expect(checkBrakes(kept, current, policy(), measureChange(before, listRules(shrunk))).ok).toBe(true);
  });

  it('counts dropping a reject flag as lowering, in the sources and in the plan (hole 7)', () => {
    const withMedia = names(10).map((d) => want(d, 'silence', { reject_media: true }));
    const without = names(10).map((d) => want(d, 'silence'));
    const current = names(10).map((d) => owned(d, 'silence', { reject_media: true }));
    const p = plan(without, current);
    expect(p.entries.every((e) => e.action === 'update')).toBe(true);
    const byOwned = checkBrakes(p, current, policy());
    expect(byOwned).toMatchObject({ ok: false, lowering: 10, deleting: 0 });
    const bySources = checkBrakes(p, current, policy(), measureChange(listRules(withMedia), listRules(without)));
    expect(bySources).toMatchObject({ ok: false, lowering: 10, change: { lowered: 10 } });
  });
});

describe('destination state', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('keeps the synced list, and a pending one while a run is unfinished', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fediblock-state-'));
    dirs.push(dir);
    expect(await readDestinationState(dir, 'my.social')).toEqual({});
    const a = listRules([want('a.example'), want('b.example', 'noop', { reject_media: true })]);
    const b = listRules([want('a.example')]);
    await markSynced(dir, 'my.social', a, NOW);
    const s1 = await readDestinationState(dir, 'my.social');
    expect(brakeBaseline(s1)).toEqual(a);
    const s2 = await markPending(dir, 'my.social', s1, b, NOW);
    expect(brakeBaseline(await readDestinationState(dir, 'my.social'))).toEqual(b);
    expect(s2.synced?.rules).toEqual(a);
    const file = JSON.parse(await readFile(statePath(dir, 'my.social'), 'utf8'));
    expect(file).toMatchObject({ v: 1, destination: 'my.social', synced: { at: NOW, blocks: [['a.example', 'suspend', false, false], ['b.example', 'noop', true, false]] }, pending: { blocks: [['a.example', 'suspend', false, false]] } });
    await markSynced(dir, 'my.social', b, NOW);
    expect(await readDestinationState(dir, 'my.social')).toEqual({ synced: { at: NOW, rules: b } });
  });
});
