// `apply PLAN` keeps the brakes' state as `sync` does: the list the plan was made for becomes the
// destination's synced list once every write of the plan was made — not after a max_writes slice,
// not after a failed run — so the next sync's brakes measure the sources against it.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readDestinationState } from '../../src/sync/destination-state.js';
import { type EmulatorOptions, startEmulator } from '../emulator/mastodon-emulator.js';
import { type ListRow, csvList, ensureBuilt, workspace } from './helpers.js';

const TOKEN = 'e2e-apply-state-token-9b03fd';

beforeAll(ensureBuilt, 120_000);
vi.setConfig({ testTimeout: 120_000 });
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const names = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `d${String(from + i).padStart(2, '0')}.example`);
const show = (r: { code: number; stdout: string; stderr: string }) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

async function setup(rows: Array<ListRow | string>, o: { emulator?: EmulatorOptions; destination?: Record<string, string | number | boolean> } = {}) {
  const emu = await startEmulator({ tokens: { [TOKEN]: { scopes: ['admin:read', 'admin:write'], role: 'admin' } }, ...o.emulator });
  cleanups.push(() => emu.stop());
  const ws = await workspace({ apiBase: emu.url, sources: [{ name: 'list', url: 'list.csv' }], destination: { max_followed_severity: 'suspend', ...o.destination } }, { 'list.csv': csvList(rows) }, TOKEN);
  cleanups.push(() => ws.cleanup());
  const state = async () => {
    const s = await readDestinationState(ws.cacheDir, 'admin.example');
    return { synced: s.synced ? [...s.synced.rules.keys()].sort() : null, pending: s.pending ? [...s.pending.rules.keys()].sort() : null };
  };
  return { emu, ws, state, setList: (r: Array<ListRow | string>) => ws.write('list.csv', csvList(r)) };
}

describe('apply PLAN records the brakes’ state', () => {
  it('a complete apply records the plan’s list; the next sync is measured against it', async () => {
    const { emu, ws, state, setList } = await setup(names(0, 10));
    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    expect((await state()).synced).toEqual(names(0, 10));

    // The list doubles; the reviewed plan is applied (past the brake, which fires on +100%).
    await setList(names(0, 20));
    expect((await ws.run(['sync', '--plan-out', 'plan.json'])).code).toBe(0);
    const applied = await ws.run(['apply', 'plan.json', '--yes', '--force']);
    expect(applied.code, show(applied)).toBe(0);
    expect(emu.blocks()).toHaveLength(20);
    expect(await state()).toEqual({ synced: names(0, 20), pending: null });

    // The sources drop 4 of the 20 domains (20%, under brake_delete = 30%): not braked. Against
    // the list before the apply it would have looked like 4 of 10 (40%).
    await setList(names(4, 20));
    const next = await ws.run(['sync', '--yes']);
    expect(next.code, show(next)).toBe(0);
    expect(emu.blocks()).toHaveLength(16);
  });

  it('a max_writes slice records the list as pending only; a failed apply does not record it as synced', async () => {
    const { ws, state, setList } = await setup(names(0, 10), {
      destination: { max_writes: 3 },
      emulator: { fault: (req) => (req.method === 'POST' && (req.body as { domain?: string } | undefined)?.domain === 'd15.example' ? { status: 422, body: { error: 'Validation failed' } } : undefined) },
    });
    for (let i = 0; i < 4; i++) expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    expect(await state()).toEqual({ synced: names(0, 10), pending: null });

    await setList(names(0, 14));
    expect((await ws.run(['sync', '--plan-out', 'plan.json'])).code).toBe(0);
    const slice = await ws.run(['apply', 'plan.json', '--yes']);
    expect(slice.code, show(slice)).toBe(0);
    expect(slice.stdout).toMatch(/stopped at max_writes/);
    expect(await state()).toEqual({ synced: names(0, 10), pending: names(0, 14) });
    // sync completes it.
    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    expect(await state()).toEqual({ synced: names(0, 14), pending: null });

    // A plan one of whose creates the instance refuses.
    await setList(names(0, 16));
    expect((await ws.run(['sync', '--plan-out', 'plan.json'])).code).toBe(0);
    const failed = await ws.run(['apply', 'plan.json', '--yes']);
    expect(failed.code, show(failed)).toBe(1);
    expect(await state()).toEqual({ synced: names(0, 14), pending: names(0, 16) });
  });

  it('a plan file from before this round (no list in it) is still applied; the state is left as it was', async () => {
    const { emu, ws, state, setList } = await setup(names(0, 10));
    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    await setList(names(0, 12));
    expect((await ws.run(['sync', '--plan-out', 'plan.json'])).code).toBe(0);
    const file = join(ws.dir, 'plan.json');
    const plan = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(plan.desired_list).toMatchObject({ blocks: expect.any(Array) });
    delete plan.desired_list;
    await writeFile(file, JSON.stringify(plan));
    const r = await ws.run(['apply', 'plan.json', '--yes']);
    expect(r.code, show(r)).toBe(0);
    expect(emu.blocks()).toHaveLength(12);
    expect(await state()).toEqual({ synced: names(0, 10), pending: null });
  });
});
