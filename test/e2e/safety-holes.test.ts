// Issue 9's known holes, one end-to-end story each: the built CLI against the Mastodon emulator.
// Every story asserts the exit code, the emulator's final state and, where order matters, its
// request log.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Plan, StoredBlock } from '../../src/model.js';
import { type Emulator, type EmulatorOptions, startEmulator } from '../emulator/mastodon-emulator.js';
import { type ConfigSpec, type ListRow, type Workspace, csvList, ensureBuilt, serveList, workspace } from './helpers.js';

const TOKEN = 'e2e-safety-token-7c1d9e';
const MARKER = '[fediblock]';
const BLOCKS = '/api/v1/admin/domain_blocks';

beforeAll(ensureBuilt, 120_000);
// Several CLI runs per story on a loaded 2-core machine.
vi.setConfig({ testTimeout: 120_000 });

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
    const good = await ws.run(['sync', '--plan-out', 'plan.json']);
    expect(good.code, show(good)).toBe(0);
    await ws.write('blocklist.toml', (await readFile(ws.config, 'utf8')) + '\n[[source]]\nurl = "missing.csv"\nname = "missing"\n');
    // With a failed source, sync writes no plan at all (issue 14: decided before the instance is touched)…
    const planned = await ws.run(['sync', '--plan-out', 'failed-plan.json']);
    expect(planned.code, show(planned)).toBe(1);
    expect(existsSync(join(ws.dir, 'failed-plan.json'))).toBe(false);
    // …and a plan that says it was made while a source had failed (an older fediblock wrote such
    // plans) is refused by apply.
    const plan = JSON.parse(await readFile(join(ws.dir, 'plan.json'), 'utf8')) as Plan & { failed_sources?: string[] };
    plan.failed_sources = ['missing'];
    await ws.write('plan.json', JSON.stringify(plan));
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
    expect(dry.stdout.trimEnd().split('\n').at(-1)).toBe('dry run: nothing was written');
    expect(emu.writes()).toHaveLength(0);
    const real = await ws.run(['apply', 'plan.json', '--yes']);
    expect(real.code, show(real)).toBe(0);
    expect(byDomain(emu).get('a.example')?.severity).toBe('suspend');
  });
});

describe('children are decided per destination (holes 1 and 2)', () => {
  it('a child under a looser hand-made parent is created, and an owned child suspend is never deleted', async () => {
    const { emu, ws } = await setup({
      emulator: {
        blocks: [
          { domain: 'example.com', severity: 'silence', private_comment: 'by hand' },
          { domain: 'kept.other.test', severity: 'suspend', private_comment: MARKER },
        ],
      },
      lists: { 'list.csv': ['example.com', 'bad.example.com', 'other.test', 'kept.other.test'] },
    });
    const keptId = byDomain(emu).get('kept.other.test')!.id;
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(0);
    const after = byDomain(emu);
    expect(after.get('example.com')).toMatchObject({ severity: 'silence', private_comment: 'by hand' });
    expect(after.get('bad.example.com')).toMatchObject({ severity: 'suspend' });
    expect(owned(after.get('bad.example.com'))).toBe(true);
    expect(after.get('other.test')).toMatchObject({ severity: 'suspend' });
    expect(after.get('kept.other.test')).toMatchObject({ id: keptId, severity: 'suspend' });
    expect(emu.writes().filter((w) => w.method === 'DELETE')).toHaveLength(0);
    const mark = emu.requests.length;
    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    expect(writesSince(emu, mark)).toHaveLength(0);
  });

  it("a child of the destination's own parent domain is created", async () => {
    const { emu, ws } = await setup({ lists: { 'list.csv': ['example', 'bad.example'] } });
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(0);
    expect([...byDomain(emu).keys()]).toEqual(['bad.example']);
    expect(r.stdout).toMatch(/own domain/);
  });
});

describe('a stricter child lacking its parent flag (hole 3)', () => {
  it('is created with the flag added; Mastodon accepts it and a re-run writes nothing', async () => {
    const { emu, ws } = await setup({
      lists: { 'list.csv': [{ domain: 'example.com', severity: 'noop', reject_media: true }, { domain: 'bad.example.com', severity: 'silence' }] },
    });
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(0);
    const after = byDomain(emu);
    expect(after.get('example.com')).toMatchObject({ severity: 'noop', reject_media: true });
    expect(after.get('bad.example.com')).toMatchObject({ severity: 'silence', reject_media: true, reject_reports: false });
    expect(emu.requests.filter((q) => q.method === 'POST' && q.path === BLOCKS && q.status === 422)).toHaveLength(0);
    const mark = emu.requests.length;
    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    expect(writesSince(emu, mark)).toHaveLength(0);
  });
});

describe('adoption keeps the admin text (issue 14 item 11)', () => {
  it("keeps the public comment where the list has none and appends the marker once, across runs", async () => {
    const { emu, ws } = await setup({
      emulator: { blocks: [{ domain: '5dollah.click', severity: 'silence', public_comment: 'spam', private_comment: 'seen in reports' }] },
      lists: { 'list.csv': ['5dollah.click'] },
      destination: { adopt: true },
    });
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(0);
    expect(byDomain(emu).get('5dollah.click')).toMatchObject({ severity: 'suspend', public_comment: 'spam', private_comment: `seen in reports ${MARKER}` });
    const mark = emu.requests.length;
    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    expect(writesSince(emu, mark)).toHaveLength(0);
    expect(byDomain(emu).get('5dollah.click')).toMatchObject({ public_comment: 'spam', private_comment: `seen in reports ${MARKER}` });
  });
});

describe('order of writes (hole 5)', () => {
  it('a parent replacing its children is created before any child is deleted, max_writes slice by slice', async () => {
    const { emu, ws } = await setup({
      emulator: {
        blocks: [
          { domain: 'a.example.com', severity: 'suspend', private_comment: MARKER },
          { domain: 'b.example.com', severity: 'suspend', private_comment: MARKER },
        ],
      },
      lists: { 'list.csv': ['example.com', 'other.test'] },
      destination: { max_writes: 2 },
    });
    const first = await ws.run(['sync', '--yes']);
    expect(first.code, show(first)).toBe(0);
    expect([...byDomain(emu).keys()].sort()).toEqual(['a.example.com', 'b.example.com', 'example.com', 'other.test']);
    const second = await ws.run(['sync', '--yes']);
    expect(second.code, show(second)).toBe(0);
    expect([...byDomain(emu).keys()].sort()).toEqual(['example.com', 'other.test']);
    const log = emu.writes().map((w) => `${w.method} ${w.method === 'POST' ? (w.body as { domain: string }).domain : w.path.split('/').pop()}`);
    expect(log.slice(0, 2).map((x) => x.split(' ')[0])).toEqual(['POST', 'POST']);
    expect(log.slice(2).every((x) => x.startsWith('DELETE'))).toBe(true);
  });
});

describe('brakes measure the sources (holes 6 and 7)', () => {
  const names = (n: number, prefix = 'd') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}.example`);

  it('a run cut short by max_writes is completed slice by slice without --force; a shrink of the sources is still braked', async () => {
    const { emu, ws } = await setup({ lists: { 'list.csv': names(30).map((domain) => ({ domain, severity: 'silence' as const })) }, destination: { max_writes: 12 } });
    for (const expected of [12, 24, 30]) {
      const r = await ws.run(['sync', '--yes']);
      expect(r.code, show(r)).toBe(0);
      expect(emu.blocks()).toHaveLength(expected);
    }
    const state = JSON.parse(await readFile(join(ws.cacheDir, 'state', 'admin.example.json'), 'utf8'));
    expect(state).toMatchObject({ v: 1, destination: 'admin.example', pending: null });
    expect(state.synced.blocks).toHaveLength(30);
    const mark = emu.requests.length;
    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    expect(writesSince(emu, mark)).toHaveLength(0);

    await setList(ws, names(18).map((domain) => ({ domain, severity: 'silence' as const })));
    const braked = await ws.run(['sync', '--yes']);
    expect(braked.code, show(braked)).toBe(2);
    expect(braked.stdout + braked.stderr).toMatch(/sources dropped 12 and lowered 0 of its 30 domains \(40%/);
    expect(writesSince(emu, mark)).toHaveLength(0);
  });

  it('a source clearing reject_media on every block is a lowering for the brakes (hole 7)', async () => {
    const rows = (media: boolean) => names(12).map((domain) => ({ domain, severity: 'silence' as const, reject_media: media }));
    const { emu, ws } = await setup({ lists: { 'list.csv': rows(true) } });
    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    const mark = emu.requests.length;
    await setList(ws, rows(false));
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/lowered 12 of its 12 domains/);
    expect(writesSince(emu, mark)).toHaveLength(0);
    expect(emu.blocks().every((b) => b.reject_media)).toBe(true);
  });
});
