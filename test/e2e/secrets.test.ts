// Secrets (issue 4): run a representative set of commands with distinctive tokens and check that
// no token ever reaches stdout, stderr, or any file fediblock writes (plans, snapshots, cache
// entries, merged lists); and that an inline token or a token file readable by others is warned
// about with the fix (`chmod 600`).
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../emulator/mastodon-emulator.js';
import { type CliResult, configToml, csvList, ensureBuilt, faultySource, filesContaining, lineWith, makeWorkspace, show, walkFiles } from './fault-helpers.js';

const tag = () => randomBytes(6).toString('hex');
const T = {
  main: `tok-SECRET-main-${tag()}`,
  readonly: `tok-SECRET-readonly-${tag()}`,
  revoked: `tok-SECRET-revoked-${tag()}`,
  source: `tok-SECRET-source-${tag()}`,
  inline: `tok-SECRET-inline-${tag()}`,
  file: `tok-SECRET-file-${tag()}`,
};
const ALL = Object.values(T);

beforeAll(ensureBuilt, 180_000);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

function expectNoToken(r: CliResult, what: string): void {
  for (const t of ALL) {
    expect(r.stdout.includes(t), `${what}: a token on stdout\n${show(r)}`).toBe(false);
    expect(r.stderr.includes(t), `${what}: a token on stderr\n${show(r)}`).toBe(false);
  }
}

async function emulators(): Promise<{ dest: Emulator; peer: Emulator }> {
  const dest = await startEmulator({
    tokens: {
      [T.main]: { scopes: ['admin:read', 'admin:write'], role: 'admin' },
      [T.readonly]: { scopes: ['admin:read'], role: 'admin' },
      [T.revoked]: { scopes: ['admin:read', 'admin:write'], role: 'admin' },
      [T.inline]: { scopes: ['admin:read', 'admin:write'], role: 'admin' },
      [T.file]: { scopes: ['admin:read', 'admin:write'], role: 'admin' },
    },
    blocks: [{ domain: 'hand.example', severity: 'suspend', private_comment: 'mine' }],
  });
  cleanups.push(() => dest.stop());
  dest.revoke(T.revoked);
  // A peer instance whose admin block list is a source (token_env).
  const peer = await startEmulator({
    domain: 'peer.example',
    tokens: { [T.source]: { scopes: ['admin:read'], role: 'admin' } },
    blocks: [
      { domain: 'peer-a.example', severity: 'suspend', private_comment: 'peer note' },
      { domain: 'peer-b.example', severity: 'silence' },
    ],
  });
  cleanups.push(() => peer.stop());
  return { dest, peer };
}

describe('tokens never leak', () => {
  it('merge, check, diff --json, sync, sync 401/403, plan-out + apply, restore --dry-run: no token in any output or file', async () => {
    const { dest, peer } = await emulators();
    const list = await faultySource(csvList(['a.example', 'b.example', { domain: 'c.example', severity: 'suspend' }]));
    cleanups.push(() => list.close());
    const peerSource = `[[source]]\ninstance = "peer.example"\nadmin = true\napi_base = ${JSON.stringify(peer.url)}\ntoken_env = "PEER_TOKEN"\nname = "peer"\n`;
    const ws = await makeWorkspace(
      { sources: [{ name: 'alpha', url: list.url }], apiBase: dest.url, extra: peerSource },
      { ADMIN_EXAMPLE_TOKEN: T.main, PEER_TOKEN: T.source },
    );
    cleanups.push(() => ws.cleanup());
    const trace = ['--log-level', 'trace'];
    const runs: Array<[string, CliResult]> = [];
    const run = async (what: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
      const r = await ws.run([...trace, ...args], env);
      runs.push([what, r]);
      return r;
    };

    expect((await run('merge -o', ['merge', '-o', 'merged.csv'])).code).toBe(0);
    expect((await run('merge json', ['merge', '--format', 'json'])).code).toBe(0);
    expect((await run('check', ['check'])).code).toBe(0);
    const diff = await run('diff --json', ['diff', '--json']);
    expect(diff.code, show(diff)).toBe(0);
    expect(() => JSON.parse(diff.stdout)).not.toThrow();
    const sync = await run('sync', ['sync', '--yes', '--json']);
    expect(sync.code, show(sync)).toBe(0);
    expect(dest.blocks().map((b) => b.domain)).toContain('peer-a.example');

    // A reviewed plan, applied.
    list.setBody(csvList(['a.example', 'b.example', 'd.example']));
    const planOut = await run('sync --plan-out', ['sync', '--plan-out', 'plan.json']);
    expect(planOut.code, show(planOut)).toBe(0);
    const apply = await run('apply', ['apply', 'plan.json', '--yes']);
    expect(apply.code, show(apply)).toBe(0);

    const snapshots = (await walkFiles(ws.cacheDir)).filter((f) => f.includes('snapshots') && f.endsWith('.json')).sort();
    expect(snapshots.length).toBeGreaterThan(0);
    const restore = await run('restore --dry-run', ['restore', snapshots[0]!, '-d', 'admin.example', '--dry-run']);
    expect(restore.code, show(restore)).toBe(0);

    // Refusals: 401 (revoked) and 403 (read-only token), with something to write.
    list.setBody(csvList(['a.example', 'b.example', 'd.example', 'e.example']));
    const r401 = await run('sync 401', ['sync', '--yes'], { ADMIN_EXAMPLE_TOKEN: T.revoked });
    expect(r401.code, show(r401)).toBe(1);
    expect(lineWith(r401.stderr, /rejected the token/), show(r401)).toBeDefined();
    const r403 = await run('sync 403 --json', ['sync', '--yes', '--json'], { ADMIN_EXAMPLE_TOKEN: T.readonly });
    expect(r403.code, show(r403)).toBe(1);
    expect(lineWith(r403.stderr, /scope/), show(r403)).toBeDefined();
    // The peer refuses its token: the source is served stale, and says why without the token.
    peer.revoke(T.source);
    const stale = await run('check, peer 401', ['check']);
    expect(stale.code, show(stale)).not.toBe(0);
    expect(lineWith(stale.stderr + stale.stdout, /peer/, /token/), show(stale)).toBeDefined();

    for (const [what, r] of runs) expectNoToken(r, what);
    // Every file written under the workspace: cache entries, snapshots, plan, merged list, state.
    const written = await walkFiles(ws.dir);
    expect(written.some((f) => f.endsWith('plan.json'))).toBe(true);
    expect(written.some((f) => f.endsWith('merged.csv'))).toBe(true);
    for (const t of ALL) expect((await filesContaining(ws.dir, t)).map((f) => relative(ws.dir, f)), t).toEqual([]);
    // The token went only where it belongs.
    expect(peer.requests.every((r) => r.token === undefined || r.token === T.source)).toBe(true);
    expect(dest.requests.every((r) => r.token === undefined || [T.main, T.readonly, T.revoked].includes(r.token))).toBe(true);
  }, 90_000);

  it('an inline token in a config readable by others, or such a token file, is warned about with chmod 600 and never printed', async () => {
    const { dest } = await emulators();
    const list = await faultySource(csvList(['a.example']));
    cleanups.push(() => list.close());
    const ws = await makeWorkspace({ sources: [{ name: 'alpha', url: list.url }], apiBase: dest.url, destination: { token: T.inline } });
    cleanups.push(() => ws.cleanup());
    await ws.writeConfig({ sources: [{ name: 'alpha', url: list.url }], apiBase: dest.url, destination: { token: T.inline } }, 0o644);

    const runs: CliResult[] = [];
    const diff = await ws.run(['diff', '--json']);
    runs.push(diff);
    expect(diff.code, show(diff)).toBe(0);
    const warn = lineWith(diff.stderr, /chmod 600/, /blocklist\.toml/);
    expect(warn, show(diff)).toBeDefined();
    const sync = await ws.run(['sync', '--yes']);
    runs.push(sync);
    expect(sync.code, show(sync)).toBe(0);
    expect(lineWith(sync.stderr, /chmod 600/), show(sync)).toBeDefined();

    // A 0600 config: no warning.
    await ws.writeConfig({ sources: [{ name: 'alpha', url: list.url }], apiBase: dest.url, destination: { token: T.inline } }, 0o600);
    const quiet = await ws.run(['diff']);
    runs.push(quiet);
    expect(quiet.code, show(quiet)).toBe(0);
    expect(quiet.stderr).not.toMatch(/chmod 600/);

    // A token file readable by others.
    const tokenFile = await ws.write('token.txt', `${T.file}\n`, 0o644);
    await ws.writeConfig({ sources: [{ name: 'alpha', url: list.url }], apiBase: dest.url, destination: { token_file: tokenFile } });
    const fromFile = await ws.run(['diff', '--json']);
    runs.push(fromFile);
    expect(fromFile.code, show(fromFile)).toBe(0);
    expect(lineWith(fromFile.stderr, /chmod 600/, /token\.txt/), show(fromFile)).toBeDefined();

    for (const r of runs) expectNoToken(r, 'inline/file token');
    // Only the files the admin wrote hold the tokens.
    const holders = new Set<string>();
    for (const t of ALL) for (const f of await filesContaining(ws.dir, t)) holders.add(relative(ws.dir, f));
    expect([...holders].sort()).toEqual(['token.txt']);
    // (The config with the inline token was rewritten to use token_file above.)
    expect(await readFile(ws.config, 'utf8')).toBe(configToml(ws.dir, { sources: [{ name: 'alpha', url: list.url }], apiBase: dest.url, destination: { token_file: tokenFile } }));
  }, 60_000);
});
