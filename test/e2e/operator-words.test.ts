// Issue 14, point 10 and the smaller snags, through the built CLI: a dry run says so last, plain
// words and correct plurals in summaries, `explain` without a phantom threshold and naming the
// allowlist that matched, and save_intermediate's file names.
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../emulator/mastodon-emulator.js';
import { csvList, ensureBuilt, runCli, workspace, type Workspace } from './helpers.js';

const TOKEN = 'operator-words-token-51c2aa';
const show = (r: { code: number; stdout: string; stderr: string }) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

beforeAll(ensureBuilt, 120_000);
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(emuOpts: Parameters<typeof startEmulator>[0], rows: Parameters<typeof csvList>[0]): Promise<{ emu: Emulator; w: Workspace }> {
  const emu = await startEmulator({ tokens: { [TOKEN]: { scopes: ['admin:read', 'admin:write'], role: 'admin' } }, ...emuOpts });
  cleanups.push(() => emu.stop());
  const w = await workspace({ apiBase: emu.url, sources: [{ name: 'list', url: 'list.csv' }] }, { 'list.csv': csvList(rows) }, TOKEN);
  cleanups.push(() => w.cleanup());
  return { emu, w };
}

describe('10. dry runs and plain words', () => {
  it('a dry run ends with "dry run: nothing was written"; summaries use correct plurals and count the hand-made block once', async () => {
    const { emu, w } = await setup(
      { blocks: [{ domain: 'hand.example', severity: 'silence', private_comment: 'mine' }], follows: { 'followed.example': { follows: 1, followers: 1 } } },
      ['followed.example'],
    );
    const dry = await w.run(['sync', '--dry-run']);
    expect(dry.code, show(dry)).toBe(0);
    expect(dry.stdout.trimEnd().split('\n').at(-1), show(dry)).toBe('dry run: nothing was written');
    expect(dry.stdout, show(dry)).toMatch(/followed\.example\s+suspend → silence\s+1 follow, 1 follower$/m);
    expect(dry.stdout, show(dry)).toMatch(/1 to create, 0 to update, 0 to delete, 0 unchanged, 0 skipped, 1 hand-made block left alone$/m);
    expect(dry.stdout.match(/hand\.example|hand-made/g), show(dry)).toHaveLength(1);
    expect(dry.stdout, show(dry)).toMatch(/list\s+ok\s+1 block from 1 row/);
    expect(dry.stdout).not.toMatch(/fresh/);
    expect(emu.writes()).toHaveLength(0);

    const s = await w.run(['sync', '--yes']);
    expect(s.stdout, show(s)).toMatch(/admin\.example: 1 created, 0 updated, 0 deleted \(1 write request\)/);
    // Quiet dry run with nothing to change: nothing at all.
    const q = await w.run(['sync', '--dry-run', '-q']);
    expect(q.code, show(q)).toBe(0);
    expect(q.stdout + q.stderr, show(q)).toBe('');
  });
});

describe('snags', () => {
  it('explain says "no threshold" instead of "needs 0" and names the allowlist that matched; allowlist entries are domains', async () => {
    const { w } = await setup({}, ['bad.example', 'good.example', 'sub.friend.example']);
    await w.write('allow.csv', csvList(['friend.example']));
    await writeFile(w.config, (await import('node:fs')).readFileSync(w.config, 'utf8') + '\n[[allowlist]]\nurl = "allow.csv"\nname = "friends"\n');
    const bad = await w.run(['explain', 'bad.example']);
    expect(bad.code, show(bad)).toBe(0);
    expect(bad.stdout, show(bad)).toContain('(plan max, no threshold, 1 source)');
    expect(bad.stdout).not.toMatch(/threshold met|needs 0/);
    const friend = await w.run(['explain', 'sub.friend.example']);
    expect(friend.stdout, show(friend)).toContain('allowlist: allowlisted by friend.example (in allowlist friends)');
    const flag = await w.run(['explain', 'good.example', '--allow', 'good.example']);
    expect(flag.stdout, show(flag)).toContain('allowlist: allowlisted (in --allow)');
    const check = await w.run(['check']);
    expect(check.stdout, show(check)).toMatch(/friends\s+ok\s+1 domain from 1 row/);
  });

  it('save_intermediate writes list.csv, not list.csv.csv', async () => {
    const { w } = await setup({}, ['a.example']);
    const saved = join(w.dir, 'saved');
    const fbh = join(w.dir, 'fbh.toml');
    await writeFile(fbh, `blocklist_url_sources = [{ url = 'list.csv', format = 'csv' }]\nsave_intermediate = true\nsavedir = ${JSON.stringify(saved)}\nblocklist_savefile = 'merged.csv'\n`);
    const r = await runCli(['-c', fbh, 'merge'], { cwd: w.dir, env: w.env });
    expect(r.code, show(r)).toBe(0);
    expect(existsSync(saved) ? await readdir(saved) : [], show(r)).toEqual(['list.csv']);
  });
});
