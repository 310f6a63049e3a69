// Fault-injection suite (issue 4): the built CLI against list sources served by loopback HTTP
// servers that fail the way upstreams fail, and against the Mastodon emulator failing the way
// instances fail. For every case: the exit code (decisions.md), no block wrongly removed,
// hand-made blocks untouched, a second run with the fault gone converges, a third makes no write,
// and stderr carries one line a person can act on.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StoredBlock } from '../../src/model.js';
import { type Emulator, type EmulatorOptions, type FaultRequest, type FaultResult, startEmulator } from '../emulator/mastodon-emulator.js';
import {
  BLOCKS_PATH,
  type CliResult,
  type FaultySource,
  MARKER,
  type Row,
  type SourceMode,
  type Workspace,
  csvList,
  ensureBuilt,
  faultySource,
  lineWith,
  makeWorkspace,
  show,
  waitFor,
} from './fault-helpers.js';

const TOKEN = 'tok-fault-9d8c7b6a5f4e3d2c';
const TOKEN2 = 'tok-fault-second-1a2b3c4d5e';
const FULL = { scopes: ['admin:read', 'admin:write'], role: 'admin' as const };

beforeAll(ensureBuilt, 180_000);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** Hand-made blocks (no marker): never to be touched. One of them is also on a list. */
const HAND: EmulatorOptions['blocks'] = [
  { domain: 'hand-a.example', severity: 'suspend', private_comment: 'my own call', public_comment: 'spam' },
  { domain: 'hand-b.example', severity: 'silence', reject_media: true, private_comment: '' },
  { domain: 'hand-listed.example', severity: 'silence', private_comment: 'limited by hand, not suspended' },
];
const HAND_DOMAINS = HAND!.map((b) => b.domain);

const isWrite = (r: { method: string; path: string }) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) && r.path.startsWith(BLOCKS_PATH);
/** Write attempts (any status) since request index `from`. */
const writeAttempts = (emu: Emulator, from = 0) => emu.requests.slice(from).filter(isWrite);
const owned = (emu: Emulator) => new Map(emu.blocks().filter((b) => b.private_comment.includes(MARKER)).map((b) => [b.domain, b.severity]));
const byDomain = (bs: StoredBlock[]) => new Map(bs.map((b) => [b.domain, b]));

/** Hand-made blocks are exactly as seeded (same id, same fields). */
function expectHandUntouched(emu: Emulator, seeded: StoredBlock[]): void {
  const now = byDomain(emu.blocks());
  for (const b of seeded.filter((x) => HAND_DOMAINS.includes(x.domain))) expect(now.get(b.domain), b.domain).toEqual(b);
}

/** Nothing present before is gone now, except the domains in `mayGo`. */
function expectNothingRemoved(emu: Emulator, before: StoredBlock[], mayGo: string[] = []): void {
  const now = byDomain(emu.blocks());
  const lost = before.filter((b) => !mayGo.includes(b.domain) && now.get(b.domain)?.id !== b.id).map((b) => b.domain);
  expect(lost, 'blocks wrongly removed').toEqual([]);
}

/** Owned blocks are exactly the desired ones (hand-made domains excluded: they stay hand-made). */
function expectConverged(emu: Emulator, desired: Array<Row | string>): void {
  const want = new Map<string, string>();
  for (const r0 of desired) {
    const r = typeof r0 === 'string' ? { domain: r0 } : r0;
    if (!HAND_DOMAINS.includes(r.domain)) want.set(r.domain, r.severity ?? 'silence');
  }
  expect(Object.fromEntries([...owned(emu)].sort())).toEqual(Object.fromEntries([...want].sort()));
}

/** The third run: exit 0 and not a single write request. */
async function expectQuiet(ws: Workspace, emu: Emulator, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const mark = emu.requests.length;
  const r = await ws.run(['sync', '--yes'], env);
  expect(r.code, show(r)).toBe(0);
  expect(writeAttempts(emu, mark)).toEqual([]);
}

async function emulator(opts: EmulatorOptions): Promise<{ emu: Emulator; seeded: StoredBlock[] }> {
  const emu = await startEmulator({ tokens: { [TOKEN]: FULL, [TOKEN2]: FULL }, blocks: HAND, ...opts });
  cleanups.push(() => emu.stop());
  return { emu, seeded: emu.blocks() };
}

async function source(rows: Array<Row | string>): Promise<FaultySource> {
  const s = await faultySource(csvList(rows));
  cleanups.push(() => s.close());
  return s;
}

async function workspace(emu: Emulator, alpha: FaultySource, beta: Array<Row | string> | undefined, fetch: Record<string, string | number> = {}) {
  const sources = [{ name: 'alpha', url: alpha.url }];
  if (beta) sources.push({ name: 'beta', url: 'beta.csv' });
  const ws = await makeWorkspace({ sources, apiBase: emu.url, fetch }, { ADMIN_EXAMPLE_TOKEN: TOKEN });
  cleanups.push(() => ws.cleanup());
  if (beta) await ws.write('beta.csv', csvList(beta));
  return ws;
}

const range = (prefix: string, n: number, severity: Row['severity'] = 'silence'): Row[] => Array.from({ length: n }, (_, i) => ({ domain: `${prefix}${i + 1}.example`, severity }));

// ---------------------------------------------------------------------------------------------
// Sources

const ALPHA: Row[] = [...range('a', 8), { domain: 'hand-listed.example', severity: 'suspend' }];
const BETA_1: Row[] = [{ domain: 'b1.example' }, { domain: 'b2.example' }];
/** beta in the faulty run: b2 dropped (a deletion to hold), b3 added (a create to allow). */
const BETA_2: Row[] = [{ domain: 'b1.example' }, { domain: 'b3.example' }];

interface SourceFault {
  name: string;
  mode?: SourceMode;
  shrink?: boolean;
  /** The cause, as the actionable line must say it. */
  cause: RegExp;
  /** The line names the source's host too (not for the shrink guard, which names the list). */
  host: boolean;
}

const SOURCE_FAULTS: SourceFault[] = [
  { name: 'down (connection refused)', mode: 'down', cause: /refused/i, host: true },
  { name: 'timeout', mode: 'timeout', cause: /timed out/i, host: true },
  { name: 'HTML with 200', mode: 'html', cause: /html/i, host: true },
  { name: 'truncated body', mode: 'truncated', cause: /cut short|truncated/i, host: true },
  { name: 'empty list', mode: 'empty', cause: /empty/i, host: true },
  { name: '50% shrink', shrink: true, cause: /shr[au]nk/i, host: false },
];

describe('a source fails', () => {
  for (const f of SOURCE_FAULTS) {
    it(`${f.name}, with a cached last good copy: creates go ahead, deletions are held (exit 4), the next run converges`, async () => {
      const { emu, seeded } = await emulator({});
      const alpha = await source(ALPHA);
      const ws = await workspace(emu, alpha, BETA_1, { timeout: '1s' });

      const r0 = await ws.run(['sync', '--yes']);
      expect(r0.code, show(r0)).toBe(0);
      expectConverged(emu, [...ALPHA, ...BETA_1]);
      const before = emu.blocks();

      // The fault, while beta drops b2 and adds b3.
      if (f.mode) await alpha.setMode(f.mode);
      if (f.shrink) alpha.setBody(csvList(ALPHA.slice(0, 4)));
      await ws.write('beta.csv', csvList(BETA_2));
      let mark = emu.requests.length;
      const r1 = await ws.run(['sync', '--yes']);
      expect(r1.code, show(r1)).toBe(4);
      expect(writeAttempts(emu, mark).map((w) => `${w.method} ${(w.body as { domain?: string } | undefined)?.domain}`)).toEqual(['POST b3.example']);
      expectNothingRemoved(emu, before);
      expectHandUntouched(emu, seeded);
      const line = lineWith(r1.stderr, /alpha/, f.cause, ...(f.host ? [new RegExp(alpha.host.replace(/\./g, '\\.'))] : []));
      expect(line, `no actionable line on stderr:\n${show(r1)}`).toBeDefined();
      if (f.shrink) expect(line).toMatch(/--accept-shrink alpha/);

      // The fault is gone: the held deletion goes through.
      await alpha.setMode('ok');
      alpha.setBody(csvList(ALPHA));
      mark = emu.requests.length;
      const r2 = await ws.run(['sync', '--yes']);
      expect(r2.code, show(r2)).toBe(0);
      expect(writeAttempts(emu, mark).map((w) => w.method)).toEqual(['DELETE']);
      expectConverged(emu, [...ALPHA, ...BETA_2]);
      expectNothingRemoved(emu, before, ['b2.example']);
      expectHandUntouched(emu, seeded);
      await expectQuiet(ws, emu);

      if (f.shrink) {
        // A deliberate shrink, accepted as the new last good copy: deleting 4 of the 10 owned
        // blocks still trips the delete brake (exit 2, nothing deleted) until --force.
        alpha.setBody(csvList(ALPHA.slice(0, 4)));
        const r3 = await ws.run(['sync', '--yes', '--accept-shrink', 'alpha']);
        expect(r3.code, show(r3)).toBe(2);
        expectConverged(emu, [...ALPHA, ...BETA_2]);
        const r4 = await ws.run(['sync', '--yes', '--force']);
        expect(r4.code, show(r4)).toBe(0);
        expectConverged(emu, [...ALPHA.slice(0, 4), ...BETA_2]);
        expectHandUntouched(emu, seeded);
        await expectQuiet(ws, emu);
      }
    }, 60_000);
  }

  it('down with no cached copy: nothing is applied (exit 1); the next run converges', async () => {
    const { emu, seeded } = await emulator({});
    const alpha = await source(ALPHA);
    const ws = await workspace(emu, alpha, BETA_1);
    await alpha.setMode('down');

    const r1 = await ws.run(['sync', '--yes']);
    expect(r1.code, show(r1)).toBe(1);
    expect(writeAttempts(emu)).toEqual([]);
    expectHandUntouched(emu, seeded);
    expect(lineWith(r1.stderr, /alpha/, /refused/i, new RegExp(alpha.host.replace(/\./g, '\\.'))), show(r1)).toBeDefined();
    expect(lineWith(r1.stderr, /nothing applied|no usable|no cached copy/i), show(r1)).toBeDefined();

    await alpha.setMode('ok');
    const r2 = await ws.run(['sync', '--yes']);
    expect(r2.code, show(r2)).toBe(0);
    expectConverged(emu, [...ALPHA, ...BETA_1]);
    expectHandUntouched(emu, seeded);
    await expectQuiet(ws, emu);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// Destination

/** 24 creates, one update (upd: silence → suspend), one delete (gone), one unchanged (keep). */
const LIST: Row[] = [...range('d', 24), { domain: 'keep.example' }, { domain: 'upd.example', severity: 'suspend' }];
const OWNED_SEED: NonNullable<EmulatorOptions['blocks']> = [
  { domain: 'keep.example', severity: 'silence', private_comment: MARKER },
  { domain: 'upd.example', severity: 'silence', private_comment: MARKER },
  { domain: 'gone.example', severity: 'silence', private_comment: MARKER },
];

async function destinationSetup(opts: EmulatorOptions, rows: Row[] = LIST) {
  const { emu, seeded } = await emulator({ blocks: [...HAND!, ...OWNED_SEED], ...opts });
  const alpha = await source(rows);
  const ws = await workspace(emu, alpha, undefined);
  return { emu, seeded, alpha, ws, before: emu.blocks() };
}

/** A fault hook that can be switched off for the converging runs. */
function switchable(f: (req: FaultRequest) => FaultResult) {
  const s = { on: true, hook: (req: FaultRequest): FaultResult => (s.on ? f(req) : undefined) };
  return s;
}

describe('the destination fails', () => {
  it('429 storm (small rate window, many creates, injected 429s): the run waits and completes', async () => {
    const storm = switchable((req) => (req.writeIndex >= 0 && req.writeIndex < 16 && req.writeIndex % 3 === 0 ? { status: 429, body: { error: 'Too many requests' } } : undefined));
    const { emu, seeded, ws, before } = await destinationSetup({ rateLimit: { limit: 15, windowMs: 1000 }, fault: storm.hook });
    const r1 = await ws.run(['sync', '--yes', '--log-level', 'info']);
    expect(r1.code, show(r1)).toBe(0);
    expect(emu.requests.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    expectConverged(emu, LIST);
    expectNothingRemoved(emu, before, ['gone.example']);
    expectHandUntouched(emu, seeded);
    expect(lineWith(r1.stderr, /rate.limit/i), show(r1)).toBeDefined();
    storm.on = false;
    await expectQuiet(ws, emu);
    await expectQuiet(ws, emu);
  }, 60_000);

  it('5xx on every 5th write: retried, the run completes and converges', async () => {
    const flaky = switchable((req) => (req.writeIndex % 5 === 4 ? { status: 500, body: '<html><body><h1>We are sorry, but something went wrong.</h1></body></html>' } : undefined));
    const { emu, seeded, ws, before } = await destinationSetup({ fault: flaky.hook });
    const r1 = await ws.run(['sync', '--yes', '--log-level', 'info']);
    expect(r1.code, show(r1)).toBe(0);
    expect(emu.requests.filter((r) => r.status === 500).length).toBeGreaterThan(0);
    expectConverged(emu, LIST);
    expectNothingRemoved(emu, before, ['gone.example']);
    expectHandUntouched(emu, seeded);
    expect(lineWith(r1.stderr, /retry/i, /500/), show(r1)).toBeDefined();
    flaky.on = false;
    await expectQuiet(ws, emu);
    await expectQuiet(ws, emu);
  }, 60_000);

  it('killed mid-apply (a write handled, its answer lost) and restarted: the run recovers, the next converges', async () => {
    let emuRef: Emulator | undefined;
    const crash = switchable((req) => {
      if (req.writeIndex !== 6) return undefined;
      setTimeout(() => void emuRef?.restart(), 600);
      return 'kill-after';
    });
    const { emu, seeded, ws, before } = await destinationSetup({ fault: crash.hook });
    emuRef = emu;
    const r1 = await ws.run(['sync', '--yes', '--log-level', 'info']);
    // The client retries through the outage; the write whose answer was lost comes back as
    // "already blocked, carries the marker": reported, not an error.
    expect(r1.code, show(r1)).toBe(0);
    expect(emu.requests.some((r) => r.dropped)).toBe(true);
    expect(lineWith(r1.stderr, /already blocked/, /earlier run/), show(r1)).toBeDefined();
    expectConverged(emu, LIST);
    expectNothingRemoved(emu, before, ['gone.example']);
    expectHandUntouched(emu, seeded);
    crash.on = false;
    await expectQuiet(ws, emu);
    await expectQuiet(ws, emu);
  }, 60_000);

  it('killed mid-apply and still down: exit 1 naming the host; after the restart the next run converges', async () => {
    const crash = switchable((req) => (req.writeIndex === 3 ? 'kill' : undefined));
    const { emu, seeded, ws, before } = await destinationSetup({ fault: crash.hook });
    const r1 = await ws.run(['sync', '--yes']);
    expect(r1.code, show(r1)).toBe(1);
    expect(lineWith(r1.stderr, new RegExp(emu.url.replace(/^http:\/\//, '').replace(/\./g, '\\.')), /could not reach|refused/i), show(r1)).toBeDefined();
    // The first write that could not reach it stops the run: the rest are not tried (and retried) in vain.
    expect(r1.stdout).toMatch(/\b(1\d|2\d) not done\b/);
    crash.on = false;
    await emu.restart();
    expectNothingRemoved(emu, before, ['gone.example']);
    expectHandUntouched(emu, seeded);
    const r2 = await ws.run(['sync', '--yes']);
    expect(r2.code, show(r2)).toBe(0);
    expectConverged(emu, LIST);
    expectHandUntouched(emu, seeded);
    await expectQuiet(ws, emu);
  }, 90_000);

  it('token revoked mid-run: 401, exit 1, says the token was rejected, never prints it; a new token converges', async () => {
    let emuRef: Emulator | undefined;
    const revoke = switchable((req) => {
      if (req.writeIndex === 3) emuRef?.revoke(TOKEN);
      return undefined;
    });
    const { emu, seeded, ws, before } = await destinationSetup({ fault: revoke.hook });
    emuRef = emu;
    const r1 = await ws.run(['sync', '--yes']);
    expect(r1.code, show(r1)).toBe(1);
    expect(emu.requests.some((r) => r.status === 401)).toBe(true);
    expect(lineWith(r1.stderr, /rejected the token/i), show(r1)).toBeDefined();
    expect(r1.stdout + r1.stderr).not.toContain(TOKEN);
    expectNothingRemoved(emu, before, ['gone.example']);
    expectHandUntouched(emu, seeded);

    revoke.on = false;
    const r2 = await ws.run(['sync', '--yes'], { ADMIN_EXAMPLE_TOKEN: TOKEN2 });
    expect(r2.code, show(r2)).toBe(0);
    expectConverged(emu, LIST);
    expectHandUntouched(emu, seeded);
    await expectQuiet(ws, emu, { ADMIN_EXAMPLE_TOKEN: TOKEN2 });
  }, 60_000);

  it('wrong scopes (403): exit 1 naming the missing scope; a token with the scope converges', async () => {
    const RO = 'tok-fault-readonly-77aa88bb99';
    const { emu, seeded, ws, before } = await destinationSetup({ tokens: { [RO]: { scopes: ['admin:read'], role: 'admin' }, [TOKEN]: FULL } });
    const r1 = await ws.run(['sync', '--yes'], { ADMIN_EXAMPLE_TOKEN: RO });
    expect(r1.code, show(r1)).toBe(1);
    expect(emu.writes()).toEqual([]);
    expect(lineWith(r1.stderr, /scope/, /admin:write/), show(r1)).toBeDefined();
    expect(r1.stdout + r1.stderr).not.toContain(RO);
    expectNothingRemoved(emu, before);
    expectHandUntouched(emu, seeded);

    const r2 = await ws.run(['sync', '--yes']);
    expect(r2.code, show(r2)).toBe(0);
    expectConverged(emu, LIST);
    expectHandUntouched(emu, seeded);
    await expectQuiet(ws, emu);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// Process safety

describe('process safety', () => {
  it('a lock held by a live process: exit 5 with a distinct message, nothing touched; a stale lock is taken over', async () => {
    const { emu, seeded, ws, before } = await destinationSetup({});
    const held = JSON.stringify({ pid: process.pid, started_at: new Date().toISOString(), host: hostname() }) + '\n';
    await writeFile(ws.lockFile, held);

    const r1 = await ws.run(['sync', '--yes']);
    expect(r1.code, show(r1)).toBe(5);
    expect(writeAttempts(emu)).toEqual([]);
    expect(lineWith(r1.stderr, /lock/i, new RegExp(`\\b${process.pid}\\b`)), show(r1)).toBeDefined();
    expect(await readFile(ws.lockFile, 'utf8')).toBe(held); // the holder's lock is left alone
    expectNothingRemoved(emu, before);
    expectHandUntouched(emu, seeded);

    // The holder died without cleaning up: its lock is stale and taken over.
    const deadPid = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString());
    await writeFile(ws.lockFile, JSON.stringify({ pid: deadPid, started_at: new Date().toISOString(), host: hostname() }) + '\n');
    const r2 = await ws.run(['sync', '--yes']);
    expect(r2.code, show(r2)).toBe(0);
    expect(existsSync(ws.lockFile)).toBe(false);
    expectConverged(emu, LIST);
    expectHandUntouched(emu, seeded);
    await expectQuiet(ws, emu);
  }, 60_000);

  it('SIGTERM during apply: stops, exits non-zero, releases the lock; the next run converges', async () => {
    const rows = [...range('t', 24), ...LIST.slice(-2)];
    const { emu, seeded, ws, before } = await destinationSetup({ latencyMs: 200 }, rows);
    const run = ws.spawn(['sync', '--yes']);
    await waitFor(() => emu.writes().length >= 1 || run.child.exitCode !== null, 'the first write');
    run.child.kill('SIGTERM');
    const r1: CliResult = await run.done;
    expect(r1.code === null ? r1.signal : r1.code, show(r1)).not.toBe(0);
    expect(r1.code, show(r1)).toBe(1);
    expect(existsSync(ws.lockFile)).toBe(false);
    expect(emu.writes().length).toBeLessThan(rows.length); // 24 creates + 1 update + 1 delete were planned
    expect(lineWith(r1.stderr, /SIGTERM|interrupted/i), show(r1)).toBeDefined();
    expectNothingRemoved(emu, before, ['gone.example']);
    expectHandUntouched(emu, seeded);

    const r2 = await ws.run(['sync', '--yes']);
    expect(r2.code, show(r2)).toBe(0);
    expectConverged(emu, rows);
    expectHandUntouched(emu, seeded);
    await expectQuiet(ws, emu);
  }, 90_000);
});
