// Akkoma/Pleroma write the whole :mrf_simple setting in one POST at the end of a run. The journal
// must only name writes that POST made: a failed POST leaves nothing for `restore` to "undo"; a
// POST whose answer was lost is read back to tell, and journaled as uncertain when it cannot be.
// End to end: the built CLI against the Akkoma double, with its POST made to fail.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readJournal } from '../../src/journal/read-journal.js';
import { type AkkomaDouble, startAkkomaDouble } from '../doubles/akkoma-double.js';
import { type ListRow, csvList, ensureBuilt, workspace } from './helpers.js';

const TOKEN = 'akkoma-flush-secret-5e2a91';
const MARKER = '[fediblock]';

beforeAll(ensureBuilt, 120_000);
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const show = (r: { code: number; stdout: string; stderr: string }) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
const domainsIn = (ak: AkkomaDouble, key: string) => ak.subkey(key).map(([d]) => d).sort();

/** A first sync of a.example and b.example, then the list becomes b.example and c.example. */
async function synced() {
  const ak = await startAkkomaDouble({ tokens: { [TOKEN]: { scopes: ['admin:read', 'admin:write'], admin: true } } });
  cleanups.push(() => ak.stop());
  const rows: Array<ListRow | string> = ['a.example', 'b.example'];
  const ws = await workspace({ apiBase: ak.url, sources: [{ name: 'list', url: 'list.csv' }], destination: { software: 'akkoma', follow_checks: false } }, { 'list.csv': csvList(rows) }, TOKEN);
  cleanups.push(() => ws.cleanup());
  const first = await ws.run(['sync', '--yes']);
  expect(first.code, show(first)).toBe(0);
  expect(domainsIn(ak, 'reject')).toEqual(['a.example', 'b.example']);
  await ws.write('list.csv', csvList(['b.example', 'c.example']));
  const journal = () => readJournal(ws.cacheDir, 'admin.example');
  const runOf = async (run: string) => (await journal()).entries.filter((e) => e.run === run);
  /** The writes `restore -n` would make from the newest snapshot, as [action, domain]. */
  const restorePlan = async () => {
    const snap = (await ws.snapshots()).at(-1)!;
    const r = await ws.run(['restore', snap, '-d', 'admin.example', '-n', '--json']);
    expect(r.code, show(r)).toBe(0);
    const plan = JSON.parse(r.stdout).plan as { entries: Array<{ action: string; domain: string }> };
    return plan.entries.filter((e) => ['create', 'update', 'delete'].includes(e.action)).map((e) => [e.action, e.domain]);
  };
  const lastRun = async () => (await journal()).lines.at(-1) as { run: string; action: string; exit: number; writes: number };
  return { ak, ws, journal, runOf, restorePlan, lastRun };
}

describe('Akkoma: the journal names only writes the POST made', () => {
  it('a POST that fails (HTTP 500, nothing changed): exit 1, nothing journaled, and restore plans nothing even after a hand edit', async () => {
    const { ak, ws, runOf, restorePlan, lastRun } = await synced();
    ak.failWrites({ status: 500, land: false });
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/the one write of 2 changes was not made/);
    expect(r.stdout).toMatch(/0 created, 0 updated, 0 deleted, 2 failed \(1 write request\)/);
    expect(domainsIn(ak, 'reject')).toEqual(['a.example', 'b.example']);
    const end = await lastRun();
    expect(end).toMatchObject({ action: 'run_end', exit: 1, writes: 0 });
    expect(await runOf(end.run)).toEqual([]);
    // The admin lifts a.example by hand. The failed run meant to delete it, but never did: a
    // restore of its snapshot must not put it back (nor delete c.example, which was never made).
    ak.handEdit('reject', ak.subkey('reject').filter(([d]) => d !== 'a.example') as Array<[string, string]>);
    expect(await restorePlan()).toEqual([]);
    // The next run completes the change.
    const again = await ws.run(['sync', '--yes']);
    expect(again.code, show(again)).toBe(0);
    expect(domainsIn(ak, 'reject')).toEqual(['b.example', 'c.example']);
  });

  it('a POST whose answer was lost but that landed: read back, journaled as made, exit 0, a warning; restore undoes it', async () => {
    const { ak, ws, runOf, restorePlan, lastRun } = await synced();
    ak.failWrites({ status: 500, land: true });
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stderr).toMatch(/read back shows it was made/);
    expect(domainsIn(ak, 'reject')).toEqual(['b.example', 'c.example']);
    const end = await lastRun();
    expect(end).toMatchObject({ action: 'run_end', exit: 0, writes: 2 });
    const lines = await runOf(end.run);
    expect(lines.map((e) => [e.action, e.domain, e.uncertain ?? false]).sort()).toEqual([
      ['create', 'c.example', false],
      ['delete', 'a.example', false],
    ]);
    expect((await restorePlan()).sort()).toEqual([
      ['create', 'a.example'],
      ['delete', 'c.example'],
    ]);
  });

  it('a lost answer that cannot be read back: journaled as uncertain, exit 1; restore undoes it only as far as it landed', async () => {
    const { ak, ws, runOf, restorePlan, lastRun } = await synced();
    // The POST lands, its answer is a 500, and the read-back fails through every retry.
    ak.failWrites({ status: 500, land: true, thenFailReads: 5 });
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/may or may not have been made/);
    const end = await lastRun();
    expect(end).toMatchObject({ action: 'run_end', exit: 1 });
    const lines = await runOf(end.run);
    expect(lines.map((e) => [e.action, e.domain, e.uncertain]).sort()).toEqual([
      ['create', 'c.example', true],
      ['delete', 'a.example', true],
    ]);
    // It did land: restore undoes both.
    expect((await restorePlan()).sort()).toEqual([
      ['create', 'a.example'],
      ['delete', 'c.example'],
    ]);
    // Had the admin since put a.example back and lifted c.example by hand, the setting would show
    // neither write: restore then writes nothing.
    ak.handEdit('reject', [['a.example', `${MARKER}`], ['b.example', `${MARKER}`]]);
    expect(await restorePlan()).toEqual([]);
  }, 60_000);

  it('a hand edit after the writes were collected, just before the POST: exit 2, nothing written or journaled', async () => {
    const { ak, ws, runOf, lastRun } = await synced();
    const posts = ak.writes().length;
    // GET 1 (this run's plan) is answered after the first sync's GETs; the edit lands after the
    // pre-write check, so only flush's own re-read sees it.
    const gets = ak.requests.filter((q) => q.method === 'GET' && q.path.endsWith('/admin/config') && q.status === 200).length;
    ak.afterConfigGet(gets + 2, () => ak.handEdit('accept', [['friend.example', '']]));
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/changed since the plan was made/);
    expect(r.stdout).toMatch(/2 failed \(0 write requests\)/);
    expect(ak.writes()).toHaveLength(posts);
    const end = await lastRun();
    expect(end).toMatchObject({ action: 'run_end', exit: 2, writes: 0 });
    expect(await runOf(end.run)).toEqual([]);
  });
});
