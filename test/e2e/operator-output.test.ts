// Issue 14 (operator experience), through the built CLI against the emulator: a dead source is
// decided before the instance is touched, tokens are checked before fetching, --offline never
// touches the network, each event is said once in readable lines, --json is always one document,
// and -q is silent on a run that changed nothing (FediBlockHole configs with a port included).
import { hostname } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../emulator/mastodon-emulator.js';
import { closedPort, csvList, ensureBuilt, runCli, serveList, workspace, type Workspace } from './helpers.js';

const TOKEN = 'operator-secret-token-77d1e0';
const show = (r: { code: number; stdout: string; stderr: string }) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
const lines = (s: string) => s.split('\n').filter((l) => l !== '');

beforeAll(ensureBuilt, 120_000);
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function emulator(opts: Parameters<typeof startEmulator>[0] = {}): Promise<Emulator> {
  const emu = await startEmulator({ tokens: { [TOKEN]: { scopes: ['admin:read', 'admin:write'], role: 'admin' } }, ...opts });
  cleanups.push(() => emu.stop());
  return emu;
}

async function ws(emu: Emulator, sources: Array<{ name: string; url: string }>, files: Record<string, string>, token = TOKEN): Promise<Workspace> {
  const w = await workspace({ apiBase: emu.url, sources }, files, token);
  cleanups.push(() => w.cleanup());
  return w;
}

describe('1. a source failed with no usable copy', () => {
  it('is decided before the instance is touched: one first line, no follow checks, no plan, exit 1; -q prints just that line', async () => {
    const emu = await emulator({ follows: { 'b.example': { follows: 3, followers: 1 } } });
    const port = await closedPort();
    const w = await ws(emu, [{ name: 'good', url: 'good.csv' }, { name: 'missing-list', url: `http://127.0.0.1:${port}/missing.csv` }], { 'good.csv': csvList(['a.example', 'b.example']) });

    const r = await w.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(1);
    expect(emu.requests, 'the instance was contacted').toEqual([]);
    expect(r.stdout, show(r)).not.toMatch(/Plan for/);
    const first = lines(r.stderr)[0] ?? '';
    expect(first, show(r)).toMatch(/^error: nothing will be applied: source missing-list failed: .*refused/);
    // Said once: the table row shows the status only.
    expect((r.stdout + r.stderr).match(/refused/g), show(r)).toHaveLength(1);
    expect(r.stdout, show(r)).toMatch(/missing-list\s+failed\s+no usable copy/);
    expect(r.stdout, show(r)).not.toMatch(/FAILED|fresh/);

    const q = await w.run(['sync', '--yes', '-q']);
    expect(q.code, show(q)).toBe(1);
    expect(q.stdout, show(q)).toBe('');
    expect(lines(q.stderr), show(q)).toEqual([first]);

    const d = await w.run(['diff']);
    expect(d.code, show(d)).toBe(1);
    expect(lines(d.stderr)[0], show(d)).toMatch(/^error: nothing would be applied: source missing-list failed/);
    expect(d.stdout, show(d)).toMatch(/merged 1 source into 2 domains/);
    expect(emu.requests).toEqual([]);

    const j = await w.run(['sync', '--yes', '--json']);
    expect(j.code, show(j)).toBe(1);
    const doc = JSON.parse(j.stdout) as { error: string; exit: number; sources: Array<{ name: string; status: string }> };
    expect(doc.exit).toBe(1);
    expect(doc.error).toMatch(/nothing will be applied/);
    expect(doc.sources.map((s) => s.status)).toEqual(['fresh', 'failed']);
  });
});

describe('5. --offline', () => {
  it('never touches the network: sources from cached copies, a remote destination refused in one line, a file destination works', async () => {
    const emu = await emulator();
    const list = await serveList(csvList(['a.example', 'b.example']));
    cleanups.push(() => list.close());
    const w = await ws(emu, [{ name: 'remote', url: list.url }], {});
    const online = await w.run(['merge', '-o', join(w.dir, 'merged.csv')]);
    expect(online.code, show(online)).toBe(0);
    const hits = list.hits;

    const s = await w.run(['sync', '--yes', '--offline']);
    expect(s.code, show(s)).toBe(1);
    expect(lines(s.stderr)[0], show(s)).toMatch(/^fediblock: --offline: admin\.example is a remote instance/);
    const d = await w.run(['diff', '--offline']);
    expect(d.code, show(d)).toBe(1);
    expect(emu.requests, 'the instance was contacted').toEqual([]);
    expect(list.hits, 'the source was fetched').toBe(hits);

    // Merging offline works from the cached copy (served as an old copy: exit 4, deletions would be held).
    const m = await w.run(['merge', '--offline', '-o', join(w.dir, 'offline.csv')]);
    expect([0, 4], show(m)).toContain(m.code);
    expect(await readFile(join(w.dir, 'offline.csv'), 'utf8')).toBe(await readFile(join(w.dir, 'merged.csv'), 'utf8'));

    // A file destination needs no network.
    await writeFile(w.config, (await readFile(w.config, 'utf8')).replace(/api_base = .*/, `file = ${JSON.stringify(join(w.dir, 'dest.csv'))}`));
    const f = await w.run(['diff', '--offline']);
    expect([0, 4], show(f)).toContain(f.code);
    expect(f.stdout, show(f)).toMatch(/\+ create\s+a\.example/);
    expect(list.hits).toBe(hits);
    expect(emu.requests).toEqual([]);
  });
});

describe('6. tokens', () => {
  const twoDestinations = (emu: Emulator, dir: string, url: string) =>
    [
      '[fetch]',
      `cache_dir = ${JSON.stringify(join(dir, 'cache'))}`,
      '[[source]]',
      `url = ${JSON.stringify(url)}`,
      '[[destination]]',
      'domain = "admin.example"',
      `api_base = ${JSON.stringify(emu.url)}`,
      '[[destination]]',
      'domain = "second-site.example"',
      `api_base = ${JSON.stringify(emu.url)}`,
      'token_env = "SECOND_TOKEN"',
      '',
    ].join('\n');

  it('check and config check name every destination without a token; diff/sync stop before fetching', async () => {
    const emu = await emulator();
    const list = await serveList(csvList(['a.example']));
    cleanups.push(() => list.close());
    const w = await ws(emu, [], {});
    await writeFile(w.config, twoDestinations(emu, w.dir, list.url));
    const env = { ADMIN_EXAMPLE_TOKEN: '' };

    const cc = await w.run(['config', 'check'], { env });
    expect(cc.code, show(cc)).toBe(0);
    expect(cc.stdout, show(cc)).toContain('warning: no token for admin.example: set the environment variable ADMIN_EXAMPLE_TOKEN, or name a variable (token_env) or a file (token_file) in its [[destination]]');
    expect(cc.stdout, show(cc)).toContain('warning: no token for second-site.example: token_env names $SECOND_TOKEN, which is not set');

    const c = await w.run(['check'], { env });
    expect(c.code, show(c)).toBe(1);
    expect(c.stdout.match(/error: no token for/g), show(c)).toHaveLength(2);

    const before = list.hits;
    for (const args of [['diff'], ['sync', '--yes']]) {
      const r = await w.run(args, { env });
      expect(r.code, show(r)).toBe(1);
      expect(r.stderr, show(r)).toContain('no token for admin.example: set the environment variable ADMIN_EXAMPLE_TOKEN');
      expect(r.stderr, show(r)).toContain('no token for second-site.example');
      expect(r.stderr + r.stdout).not.toMatch(/none \(set/);
    }
    expect(list.hits, 'sources were fetched').toBe(before);
    expect(emu.requests).toEqual([]);
  });

  it('an unknown token is called unknown, not a missing permission', async () => {
    const emu = await emulator();
    const w = await ws(emu, [{ name: 'l', url: 'l.csv' }], { 'l.csv': csvList(['a.example']) }, 'not-a-known-token-123');
    const r = await w.run(['diff']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr, show(r)).toMatch(/rejected the token \(unknown, revoked or expired\)/);
    expect(r.stderr, show(r)).not.toMatch(/lacks the permission/);
    expect(r.stderr).not.toContain('not-a-known-token-123');
  });
});

describe('7 and 8. each event once, readable logs, --json always one document', () => {
  it('logs are readable lines off a terminal; JSON only with --log-format json or FEDIBLOCK_LOG_FORMAT=json', async () => {
    const emu = await emulator();
    const port = await closedPort();
    const w = await ws(emu, [{ name: 'l', url: 'l.csv' }, { name: 'dead', url: `http://127.0.0.1:${port}/x.csv` }], { 'l.csv': csvList(['a.example']) });
    const text = await w.run(['merge', '--allow-partial', '-o', join(w.dir, 'm.csv')]);
    expect(text.stderr, show(text)).toMatch(/^error: dead \(/m);
    expect(text.stderr).not.toMatch(/^\{/m);
    for (const how of [{ args: ['--log-format', 'json'], env: {} }, { args: [], env: { FEDIBLOCK_LOG_FORMAT: 'json' } }]) {
      const r = await w.run([...how.args, 'merge', '--allow-partial', '-o', join(w.dir, 'm.csv')], { env: how.env });
      const logged = lines(r.stderr).map((l) => JSON.parse(l) as { level: number; event: string; msg: string });
      expect(logged.map((l) => l.event), show(r)).toEqual(['source_failed']);
    }
  });

  it('a held lock is said once; with --json the refusal is the JSON document', async () => {
    const emu = await emulator();
    const w = await ws(emu, [{ name: 'l', url: 'l.csv' }], { 'l.csv': csvList(['a.example']) });
    await writeFile(join(w.cacheDir, 'fediblock.lock'), JSON.stringify({ pid: process.pid, started_at: new Date().toISOString(), host: hostname() }) + '\n');
    const r = await w.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(5);
    expect(r.stderr.match(/holds the lock/g), show(r)).toHaveLength(1);
    const j = await w.run(['sync', '--yes', '--json']);
    expect(j.code).toBe(5);
    expect(JSON.parse(j.stdout)).toMatchObject({ exit: 5, error: expect.stringMatching(/holds the lock/) });
    const jl = await w.run(['--log-format', 'json', 'sync', '--yes']);
    expect(lines(jl.stderr).map((l) => (JSON.parse(l) as { event: string }).event), show(jl)).toEqual(['lock_held']);
  });

  it('refusals and errors under --json are one JSON document on stdout; merge --json without -o is refused', async () => {
    const emu = await emulator();
    const w = await ws(emu, [{ name: 'l', url: 'l.csv' }], { 'l.csv': csvList(['a.example']) });
    const noYes = await w.run(['sync', '--json']);
    expect(noYes.code).toBe(2);
    expect(JSON.parse(noYes.stdout), show(noYes)).toMatchObject({ exit: 2, error: expect.stringMatching(/--yes/) });
    const m = await w.run(['merge', '--json']);
    expect(m.code).toBe(1);
    expect(JSON.parse(m.stdout), show(m)).toMatchObject({ exit: 1, error: expect.stringMatching(/needs -o/), hint: expect.any(String) });
    const ok = await w.run(['merge', '--json', '-o', join(w.dir, 'out.csv')]);
    expect(ok.code, show(ok)).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ domains: 1 });
    const bad = await runCli(['-c', join(w.dir, 'nope.toml'), 'check', '--json']);
    expect(JSON.parse(bad.stdout), show(bad)).toMatchObject({ exit: 1 });
  });
});

describe('9 and 12. FediBlockHole config with a port', () => {
  it('works unchanged, and -q is silent on a run that changed nothing', { timeout: 120_000 }, async () => {
    const emu = await emulator({ blocks: [{ domain: 'hand.example', severity: 'suspend', public_comment: 'spam' }] });
    const hostPort = new URL(emu.url).host;
    const w = await ws(emu, [], { 'list.csv': csvList(['a.example', { domain: 'b.example', severity: 'silence' }]) });
    const fbh = join(w.dir, 'fediblockhole.conf.toml');
    await writeFile(
      fbh,
      [
        "blocklist_url_sources = [{ url = 'list.csv', format = 'csv' }]",
        `blocklist_instance_destinations = [{ domain = '${hostPort}', scheme = 'http', max_followed_severity = 'silence' }]`,
        "import_fields = ['public_comment']",
        'some_unknown_key = true',
        '',
      ].join('\n'),
    );
    // FediBlockHole's own variable name for "host:port" (not exportable from a shell, but set by env).
    const env = { [`${hostPort.toUpperCase().replace(/\./g, '_')}_TOKEN`]: TOKEN, ADMIN_EXAMPLE_TOKEN: '' };
    const run = (args: string[]) => runCli(['-c', fbh, ...args], { cwd: w.dir, env: { ...w.env, ...env } });
    const first = await run(['sync', '--yes']);
    expect(first.code, show(first)).toBe(0);
    expect(emu.blocks().map((b) => b.domain).sort()).toEqual(['a.example', 'b.example', 'hand.example']);
    const again = await run(['sync', '--yes', '-q']);
    expect(again.code, show(again)).toBe(0);
    expect(again.stdout + again.stderr, show(again)).toBe('');
    // The ignored key is still reported where it is looked for.
    const cc = await run(['config', 'check']);
    expect(cc.stdout, show(cc)).toMatch(/some_unknown_key: not a FediBlockHole key/);

    // config migrate: a native config that config check accepts, with an exportable token variable.
    const mig = await run(['config', 'migrate', fbh]);
    expect(mig.code, show(mig)).toBe(0);
    expect(mig.stdout).toContain('domain = "127.0.0.1"');
    expect(mig.stdout).toContain(`api_base = "http://${hostPort}"`);
    const suggested = /token_env = "([^"]+)"/.exec(mig.stdout)?.[1] ?? '';
    expect(suggested, mig.stdout).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
    const native = join(w.dir, 'blocklist.migrated.toml');
    await writeFile(native, mig.stdout);
    const check = await runCli(['-c', native, 'config', 'check'], { cwd: w.dir, env: { ...w.env, [suggested]: TOKEN } });
    expect(check.code, show(check)).toBe(0);
    expect(check.stdout, show(check)).not.toMatch(/no token/);
    const migrated = await runCli(['-c', native, 'sync', '--yes', '-q'], { cwd: w.dir, env: { ...w.env, [suggested]: TOKEN } });
    expect(migrated.code, show(migrated)).toBe(0);
  });
});

describe('2. follow checks are kept for 5 minutes', () => {
  it('diff, then sync, costs one set of checks', async () => {
    const emu = await emulator({ follows: { 'b.example': { follows: 2, followers: 0 } } });
    const w = await ws(emu, [{ name: 'l', url: 'l.csv' }], { 'l.csv': csvList(['a.example', 'b.example', 'c.example']) });
    const measures = () => emu.requests.filter((r) => r.path === '/api/v1/admin/measures').length;
    const d = await w.run(['diff']);
    expect(d.code, show(d)).toBe(0);
    expect(measures()).toBe(3);
    const s = await w.run(['sync', '--yes']);
    expect(s.code, show(s)).toBe(0);
    expect(measures(), 'sync asked again').toBe(3);
    // The cached answer still caps the followed domain.
    expect(emu.blocks().find((b) => b.domain === 'b.example')?.severity).toBe('silence');
    expect(emu.blocks().find((b) => b.domain === 'a.example')?.severity).toBe('suspend');
  });
});
