// A hosting provider syncs one merged list into several instances: `[sync] destinations_concurrency`
// of them at a time, each with its own client and rate budget, output printed in config order.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../emulator/mastodon-emulator.js';
import { csvList, ensureBuilt, runCli } from './helpers.js';

beforeAll(ensureBuilt, 120_000);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const NAMES = ['one.example', 'two.example', 'three.example'];
const LIST = Array.from({ length: 12 }, (_, i) => ({ domain: `bad${i}.test`, severity: 'suspend' as const }));

async function setup(concurrency: number) {
  const emus: Emulator[] = [];
  for (const domain of NAMES) {
    const emu = await startEmulator({ domain, latencyMs: 25, tokens: { [`tok-${domain}`]: { scopes: ['admin:read', 'admin:write'], role: 'admin' } } });
    cleanups.push(() => emu.stop());
    emus.push(emu);
  }
  const dir = await mkdtemp(join(tmpdir(), 'fediblock-many-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'list.csv'), csvList(LIST));
  const toml = [
    `[fetch]\ncache_dir = ${JSON.stringify(join(dir, 'cache'))}`,
    `[sync]\ndestinations_concurrency = ${concurrency}`,
    '[[source]]\nurl = "list.csv"\nformat = "csv"',
    // No follow checks: the write path is what is compared here.
    ...NAMES.map((d, i) => `[[destination]]\ndomain = ${JSON.stringify(d)}\napi_base = ${JSON.stringify(emus[i]!.url)}\nmax_followed_severity = "suspend"`),
  ].join('\n');
  await writeFile(join(dir, 'blocklist.toml'), toml + '\n');
  const env = Object.fromEntries(NAMES.map((d) => [`${d.replace(/\./g, '_').toUpperCase()}_TOKEN`, `tok-${d}`]));
  const run = () => runCli(['-c', join(dir, 'blocklist.toml'), 'sync', '--yes', '-q'], { cwd: dir, env: { HOME: dir, ...env } });
  return { emus, run };
}

/** [first, last] request time of each emulator. */
const spans = (emus: Emulator[]) => emus.map((e) => [Math.min(...e.requests.map((r) => r.at)), Math.max(...e.requests.map((r) => r.at))] as const);

describe('[sync] destinations_concurrency', () => {
  it('syncs the destinations side by side and reports each once, in config order', async () => {
    const { emus, run } = await setup(3);
    const r = await run();
    expect(r.code, r.stderr).toBe(0);
    for (const e of emus) expect(e.blocks().map((b) => b.domain).sort()).toEqual(LIST.map((x) => x.domain).sort());
    const lines = r.stdout.split('\n').filter((l) => / created, /.test(l));
    expect(lines.map((l) => l.split(':')[0])).toEqual(NAMES);
    expect(lines.every((l) => l.includes('12 created'))).toBe(true);
    // Every instance was being written to before the first one was done.
    const s = spans(emus);
    expect(Math.max(...s.map(([first]) => first))).toBeLessThan(Math.min(...s.map(([, last]) => last)));
    // The re-run writes nothing anywhere.
    const before = emus.map((e) => e.writes().length);
    expect((await run()).code).toBe(0);
    expect(emus.map((e) => e.writes().length)).toEqual(before);
  });

  it('goes one destination at a time with destinations_concurrency = 1', async () => {
    const { emus, run } = await setup(1);
    const r = await run();
    expect(r.code, r.stderr).toBe(0);
    const s = spans(emus);
    for (let i = 1; i < s.length; i++) expect(s[i]![0]).toBeGreaterThanOrEqual(s[i - 1]![1]);
  });
});
