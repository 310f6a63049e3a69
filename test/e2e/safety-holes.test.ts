// Issue 9's known holes, one end-to-end story each: the built CLI against the Mastodon emulator.
// Every story asserts the exit code, the emulator's final state and, where order matters, its
// request log.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Plan, StoredBlock } from '../../src/model.js';
import { type Emulator, type EmulatorOptions, startEmulator } from '../emulator/mastodon-emulator.js';
import { type ConfigSpec, type ListRow, type Workspace, csvList, ensureBuilt, serveList, workspace } from './helpers.js';

const TOKEN = 'e2e-safety-token-7c1d9e';
const MARKER = '[fediblock]';
const BLOCKS = '/api/v1/admin/domain_blocks';

beforeAll(ensureBuilt, 120_000);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(opts: {
  emulator?: EmulatorOptions;
  lists?: Record<string, Array<ListRow | string>>;
  destination?: ConfigSpec['destination'];
  sources?: ConfigSpec['sources'];
}): Promise<{ emu: Emulator; ws: Workspace }> {
  const emu = await startEmulator({ tokens: { [TOKEN]: { scopes: ['admin:read', 'admin:write'], role: 'admin' } }, ...opts.emulator });
  cleanups.push(() => emu.stop());
  const lists = opts.lists ?? { 'list.csv': [] };
  const files = Object.fromEntries(Object.entries(lists).map(([name, rows]) => [name, csvList(rows)]));
  const sources = opts.sources ?? Object.keys(lists).map((name) => ({ name: name.replace(/\.csv$/, ''), url: name }));
  const ws = await workspace({ apiBase: emu.url, sources, ...(opts.destination ? { destination: opts.destination } : {}) }, files, TOKEN);
  cleanups.push(() => ws.cleanup());
  return { emu, ws };
}

const setList = (ws: Workspace, rows: Array<ListRow | string>, name = 'list.csv') => ws.write(name, csvList(rows));
const byDomain = (emu: Emulator) => new Map(emu.blocks().map((b) => [b.domain, b]));
const show = (r: { code: number; stdout: string; stderr: string }) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
const writesSince = (emu: Emulator, from: number) =>
  emu.requests.slice(from).filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) && r.path.startsWith(BLOCKS));
const owned = (b: StoredBlock | undefined) => b?.private_comment.includes(MARKER) === true;

describe('the plan says why (sources and merge rule)', () => {
  it('sync --plan-out records, for each write, the sources that named the domain and the rule', async () => {
    const { ws } = await setup({
      emulator: { blocks: [{ domain: 'old.example', severity: 'suspend', private_comment: MARKER }] },
      lists: { 'alpha.csv': ['a.example', 'both.example'], 'beta.csv': [{ domain: 'both.example', severity: 'silence' }] },
    });
    const r = await ws.run(['sync', '--plan-out', 'plan.json']);
    expect(r.code, show(r)).toBe(0);
    const plan = JSON.parse(await readFile(join(ws.dir, 'plan.json'), 'utf8')) as Plan;
    const e = Object.fromEntries(plan.entries.map((x) => [x.domain, x]));
    expect(e['a.example']).toMatchObject({ action: 'create', sources: ['alpha'], rule: 'max plan' });
    expect(e['both.example']).toMatchObject({ action: 'create', sources: ['alpha', 'beta'], rule: 'max plan' });
    expect(e['old.example']).toMatchObject({ action: 'delete', sources: [], rule: 'not named by any source' });
  });
});

describe('apply PLAN (hole 4)', () => {
  it('refuses (exit 2) a plan made while a source had failed, and writes nothing', async () => {
    const { emu, ws } = await setup({ lists: { 'alpha.csv': ['a.example'] } });
    await ws.write('blocklist.toml', (await readFile(ws.config, 'utf8')) + '\n[[source]]\nurl = "missing.csv"\nname = "missing"\n');
    const planned = await ws.run(['sync', '--plan-out', 'plan.json']);
    expect(planned.code, show(planned)).toBe(1);
    const plan = JSON.parse(await readFile(join(ws.dir, 'plan.json'), 'utf8')) as Plan & { failed_sources?: string[] };
    expect(plan.failed_sources).toEqual(['missing']);
    const r = await ws.run(['apply', 'plan.json', '--yes']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr + r.stdout).toMatch(/missing failed/);
    expect(emu.writes()).toHaveLength(0);
  });

  it('returns 4 when the plan held deletions back (a shrunk source), after applying the rest', async () => {
    const ten = Array.from({ length: 10 }, (_, i) => `d${i}.example`);
    const server = await serveList(csvList(ten));
    cleanups.push(() => server.close());
    const { emu, ws } = await setup({ sources: [{ name: 'remote', url: server.url }] });
    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    server.set(csvList(['d0.example', 'new.example']));
    const planned = await ws.run(['sync', '--plan-out', 'plan.json']);
    expect(planned.code, show(planned)).toBe(4);
    const mark = emu.requests.length;
    const r = await ws.run(['apply', 'plan.json', '--yes']);
    expect(r.code, show(r)).toBe(4);
    // The shrunk list was replaced by its previous copy: nothing to create, nothing deleted.
    expect(writesSince(emu, mark).filter((w) => w.method === 'DELETE')).toHaveLength(0);
    expect(emu.blocks()).toHaveLength(10);
  });

  it('says what a plan is when given another file, and --dry-run prints the plan and writes nothing', async () => {
    const { emu, ws } = await setup({ lists: { 'list.csv': ['a.example'] } });
    await ws.write('other.json', '{"domain": "a.example"}\n');
    const bad = await ws.run(['apply', 'other.json', '--yes']);
    expect(bad.code, show(bad)).toBe(1);
    expect(bad.stderr).toMatch(/not a fediblock plan \(expected JSON written by sync --plan-out\)/);
    await ws.write('text.csv', 'domain\na.example\n');
    expect((await ws.run(['apply', 'text.csv', '--yes'])).stderr).toMatch(/not a fediblock plan \(expected JSON written by sync --plan-out\)/);

    expect((await ws.run(['sync', '--plan-out', 'plan.json'])).code).toBe(0);
    const dry = await ws.run(['apply', 'plan.json', '--dry-run']);
    expect(dry.code, show(dry)).toBe(0);
    expect(dry.stdout).toMatch(/\+ create\s+a\.example\s+suspend/);
    expect(emu.writes()).toHaveLength(0);
    const real = await ws.run(['apply', 'plan.json', '--yes']);
    expect(real.code, show(real)).toBe(0);
    expect(byDomain(emu).get('a.example')?.severity).toBe('suspend');
  });
});
