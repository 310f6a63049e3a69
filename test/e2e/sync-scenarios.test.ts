// End-to-end sync scenarios (issue 3, "Tests"): the built CLI (bin/fediblock.js) against the
// Mastodon emulator on 127.0.0.1, with sources as local CSV files (or a tiny loopback HTTP server).
// Every test asserts on the exit code, the emulator's final state and its request log.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StoredBlock } from '../../src/model.js';
import { type Emulator, type EmulatorOptions, type EmulatorRequest, resetStamp, startEmulator } from '../emulator/mastodon-emulator.js';
import { type ConfigSpec, type ListRow, type ListServer, type Workspace, closedPort, csvList, ensureBuilt, serveList, workspace } from './helpers.js';

const TOKEN = 'e2e-secret-token-4f9a2c7e1b';
const MARKER = '[fediblock]';
const BLOCKS = '/api/v1/admin/domain_blocks';
const MEASURES = '/api/v1/admin/measures';

beforeAll(ensureBuilt, 120_000);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Setup {
  emu: Emulator;
  ws: Workspace;
}

async function setup(opts: {
  emulator?: EmulatorOptions;
  lists?: Record<string, Array<ListRow | string>>;
  sources?: ConfigSpec['sources'];
  destination?: ConfigSpec['destination'];
  token?: string;
}): Promise<Setup> {
  const emu = await startEmulator({ tokens: { [TOKEN]: { scopes: ['admin:read', 'admin:write'], role: 'admin' } }, ...opts.emulator });
  cleanups.push(() => emu.stop());
  const lists = opts.lists ?? { 'list.csv': [] };
  const files = Object.fromEntries(Object.entries(lists).map(([name, rows]) => [name, csvList(rows)]));
  const sources = opts.sources ?? Object.keys(lists).map((name) => ({ name: name.replace(/\.csv$/, ''), url: name }));
  const ws = await workspace({ apiBase: emu.url, sources, ...(opts.destination ? { destination: opts.destination } : {}) }, files, opts.token ?? TOKEN);
  cleanups.push(() => ws.cleanup());
  return { emu, ws };
}

const setList = (ws: Workspace, rows: Array<ListRow | string>, name = 'list.csv') => ws.write(name, csvList(rows));
const owned = (b: StoredBlock) => b.private_comment.includes(MARKER);
const byDomain = (emu: Emulator) => new Map(emu.blocks().map((b) => [b.domain, b]));
const domains = (bs: StoredBlock[]) => bs.map((b) => b.domain).sort();
const measures = (reqs: EmulatorRequest[]) => reqs.filter((r) => r.method === 'POST' && r.path === MEASURES);
/** Requests that arrived after index `from` of the log. */
const since = (emu: Emulator, from: number) => emu.requests.slice(from);
const writesSince = (emu: Emulator, from: number) =>
  since(emu, from).filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) && r.path.startsWith(BLOCKS));
/** fediblock keeps follow checks for 5 minutes (issue 14); a run "5 minutes later" finds none. */
const expireFollowChecks = (ws: Workspace) => rm(join(ws.cacheDir, 'follow-checks'), { recursive: true, force: true });
const show = (r: { code: number; stdout: string; stderr: string }) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

async function emuCall(emu: Emulator, method: string, path: string, body?: unknown, token = TOKEN) {
  const res = await fetch(emu.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, data: (await res.json().catch(() => undefined)) as unknown };
}

const range = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i + 1));

describe('sync through the CLI against the emulator', () => {
  it('1. first sync: creates carry the marker, hand-made blocks are untouched and reported as skips', async () => {
    const { emu, ws } = await setup({
      emulator: {
        blocks: [
          { domain: 'mine.example', severity: 'suspend', private_comment: 'my own call', public_comment: 'spam' },
          { domain: 'both.example', severity: 'silence', reject_media: true, private_comment: 'by hand' },
        ],
      },
      lists: { 'list.csv': [{ domain: 'a.example', severity: 'suspend', public_comment: 'hate' }, { domain: 'b.example', severity: 'silence', reject_media: true }, 'both.example'] },
    });
    const before = emu.blocks();

    // Off a TTY without --yes: refused, nothing written.
    const refused = await ws.run(['sync']);
    expect(refused.code, show(refused)).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    expect(emu.writes()).toHaveLength(0);

    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(0);
    const w = emu.writes();
    expect(w.map((x) => `${x.method} ${(x.body as { domain: string }).domain}`).sort()).toEqual(['POST a.example', 'POST b.example']);
    for (const x of w) expect((x.body as { private_comment: string }).private_comment).toContain(MARKER);

    const after = byDomain(emu);
    expect(after.get('a.example')).toMatchObject({ severity: 'suspend', public_comment: 'hate' });
    expect(after.get('a.example')!.private_comment).toContain(MARKER);
    expect(after.get('b.example')).toMatchObject({ severity: 'silence', reject_media: true });
    // Hand-made blocks: same id, same fields.
    for (const b of before) expect(after.get(b.domain)).toEqual(b);
    // The hand-made block for a listed domain is reported as a skip.
    expect(r.stdout).toMatch(/hand-made[^\n]*both\.example/);
    expect(r.stdout).not.toMatch(/^\s*[-~+] \w+\s+both\.example/m);
  });

  it('2. a domain that leaves the lists is deleted (owned only); a hand-made block is never deleted', async () => {
    const { emu, ws } = await setup({
      emulator: { blocks: [{ domain: 'hand.example', severity: 'suspend', private_comment: 'mine' }] },
      lists: { 'list.csv': ['a.example', 'b.example', 'c.example'] },
    });
    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    const cId = byDomain(emu).get('c.example')!.id;
    const mark = emu.requests.length;

    await setList(ws, ['a.example', 'b.example']);
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(0);
    const w = writesSince(emu, mark);
    expect(w.map((x) => `${x.method} ${x.path}`)).toEqual([`DELETE ${BLOCKS}/${cId}`]);
    expect(domains(emu.blocks())).toEqual(['a.example', 'b.example', 'hand.example']);
    expect(byDomain(emu).get('hand.example')).toMatchObject({ severity: 'suspend', private_comment: 'mine' });
  });

  it('3. severity raised or lowered in the source: a PUT carrying only the changed fields', async () => {
    const { emu, ws } = await setup({
      lists: {
        'list.csv': [
          { domain: 'up.example', severity: 'silence' },
          { domain: 'down.example', severity: 'suspend', reject_reports: true },
          { domain: 'comment.example', severity: 'silence', public_comment: 'old reason' },
        ],
      },
    });
    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    const ids = new Map(emu.blocks().map((b) => [b.domain, b.id]));
    const mark = emu.requests.length;

    await setList(ws, [
      { domain: 'up.example', severity: 'suspend' },
      { domain: 'down.example', severity: 'silence', reject_reports: true },
      { domain: 'comment.example', severity: 'silence', public_comment: 'new reason' },
    ]);
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(0);
    const puts = writesSince(emu, mark);
    expect(puts.every((x) => x.method === 'PUT')).toBe(true);
    const body = (d: string) => puts.find((x) => x.path === `${BLOCKS}/${ids.get(d)}`)?.body;
    expect(body('up.example')).toEqual({ severity: 'suspend' });
    expect(body('down.example')).toEqual({ severity: 'silence' });
    expect(body('comment.example')).toEqual({ public_comment: 'new reason' });
    expect(puts).toHaveLength(3);
    const after = byDomain(emu);
    expect(after.get('up.example')!.severity).toBe('suspend');
    expect(after.get('down.example')).toMatchObject({ severity: 'silence', reject_reports: true });
    expect(after.get('comment.example')!.public_comment).toBe('new reason');
    for (const d of ids.keys()) expect(after.get(d)!.private_comment).toContain(MARKER);
  });

  it('4. follows present: created as silence with the counts shown; follows gone: raised to suspend', async () => {
    let skew = 0; // the emulator's clock runs ahead of the wall clock by this much
    const { emu, ws } = await setup({
      emulator: { follows: { 'bad.example': { follows: 3, followers: 1 } }, now: () => Date.now() + skew },
      lists: { 'list.csv': [{ domain: 'bad.example', severity: 'suspend' }, { domain: 'quiet.example', severity: 'suspend' }] },
    });
    const r1 = await ws.run(['sync', '--yes']);
    expect(r1.code, show(r1)).toBe(0);
    expect(byDomain(emu).get('bad.example')!.severity).toBe('silence');
    expect(byDomain(emu).get('quiet.example')!.severity).toBe('suspend');
    expect(r1.stdout).toMatch(/bad\.example[^\n]*silence/);
    expect(r1.stdout).toMatch(/3 follows, 1 followers?/);
    const m1 = measures(emu.requests);
    expect(m1.map((m) => (m.body as { instance_follows: { domain: string } }).instance_follows.domain).sort()).toEqual(['bad.example', 'quiet.example']);
    for (const m of m1) {
      const b = m.body as Record<string, unknown>;
      expect(b.start_at).toEqual(expect.any(String));
      expect(b.end_at).toEqual(expect.any(String));
      expect(b.keys).toEqual(expect.arrayContaining(['instance_follows', 'instance_followers']));
      expect(m.status).toBe(200);
    }

    // Unchanged follows: the capped entry is re-checked (and stays capped), nothing is written.
    // (fediblock keeps follow checks for 5 minutes, as Mastodon does; a later run finds them expired.)
    await expireFollowChecks(ws);
    let mark = emu.requests.length;
    const r2 = await ws.run(['sync', '--yes']);
    expect(r2.code, show(r2)).toBe(0);
    expect(writesSince(emu, mark)).toHaveLength(0);
    expect(measures(since(emu, mark)).map((m) => (m.body as { instance_follows: { domain: string } }).instance_follows.domain)).toEqual(['bad.example']);

    emu.setFollows('bad.example', { follows: 0, followers: 0 });
    skew += 5 * 60_000; // Mastodon caches measures for 5 minutes (§3): counts lag until then
    await expireFollowChecks(ws); // and so does fediblock
    mark = emu.requests.length;
    const r3 = await ws.run(['sync', '--yes']);
    expect(r3.code, show(r3)).toBe(0);
    const w = writesSince(emu, mark);
    expect(w.map((x) => [x.method, x.path, x.body])).toEqual([['PUT', `${BLOCKS}/${byDomain(emu).get('bad.example')!.id}`, { severity: 'suspend' }]]);
    expect(byDomain(emu).get('bad.example')!.severity).toBe('suspend');
    for (const m of measures(since(emu, mark))) {
      expect((m.body as Record<string, unknown>).start_at).toEqual(expect.any(String));
      expect((m.body as Record<string, unknown>).end_at).toEqual(expect.any(String));
    }

    // No longer capped: a re-run checks nothing and writes nothing.
    mark = emu.requests.length;
    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    expect(writesSince(emu, mark)).toHaveLength(0);
    expect(measures(since(emu, mark))).toHaveLength(0);
  });

  it('5. a source fails with no cached copy: exit 1, nothing applied, no deletes', async () => {
    const port = await closedPort();
    const { emu, ws } = await setup({
      emulator: {
        blocks: [
          { domain: 'gone.example', severity: 'suspend', private_comment: MARKER },
          { domain: 'hand.example', severity: 'silence', private_comment: 'mine' },
        ],
      },
      lists: { 'list.csv': ['new.example'] },
      sources: [
        { name: 'local', url: 'list.csv' },
        { name: 'remote', url: `http://127.0.0.1:${port}/list.csv` },
      ],
    });
    const before = emu.blocks();
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(1);
    expect(emu.writes()).toHaveLength(0);
    expect(writesSince(emu, 0)).toHaveLength(0);
    expect(emu.blocks()).toEqual(before);
    expect(r.stdout + r.stderr).toMatch(/remote/);
    expect(r.stdout + r.stderr).toMatch(/nothing (will be )?applied/);
  });

  describe('6. a URL source shrinks by 40%', () => {
    let server: ListServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    it('holds deletions (exit 4) but applies creates and updates; --accept-shrink then deletes', async () => {
      const ten = range(10, (i) => `s${i}.example`);
      server = await serveList(csvList(ten.map((d) => ({ domain: d, severity: 'silence' as const }))));
      const { emu, ws } = await setup({
        lists: { 'extra.csv': [{ domain: 'e1.example', severity: 'silence' }] },
        sources: [
          { name: 'remote', url: server.url },
          { name: 'extra', url: 'extra.csv' },
        ],
        destination: { brake_delete: 0.9 },
      });
      const r1 = await ws.run(['sync', '--yes']);
      expect(r1.code, show(r1)).toBe(0);
      expect(emu.blocks()).toHaveLength(11);

      server.set(csvList(ten.slice(0, 6).map((d) => ({ domain: d, severity: 'silence' as const }))));
      await setList(ws, [{ domain: 'e1.example', severity: 'silence', reject_media: true }, { domain: 'e2.example', severity: 'silence' }], 'extra.csv');
      let mark = emu.requests.length;
      const r2 = await ws.run(['sync', '--yes']);
      expect(r2.code, show(r2)).toBe(4);
      const w2 = writesSince(emu, mark);
      expect(w2.filter((x) => x.method === 'DELETE')).toHaveLength(0);
      expect(w2.map((x) => x.method).sort()).toEqual(['POST', 'PUT']);
      expect(byDomain(emu).get('e2.example')).toBeDefined();
      expect(byDomain(emu).get('e1.example')!.reject_media).toBe(true);
      expect(emu.blocks()).toHaveLength(12);
      const out2 = r2.stdout + r2.stderr;
      expect(out2).toMatch(/shrank/);
      expect(out2).toMatch(/--accept-shrink remote/);

      mark = emu.requests.length;
      const r3 = await ws.run(['sync', '--yes', '--accept-shrink', 'remote']);
      expect(r3.code, show(r3)).toBe(0);
      const w3 = writesSince(emu, mark);
      expect(w3.map((x) => x.method)).toEqual(['DELETE', 'DELETE', 'DELETE', 'DELETE']);
      expect(domains(emu.blocks())).toEqual([...ten.slice(0, 6), 'e1.example', 'e2.example'].sort());
    });
  });

  it('7. brakes: dropping 4 of 10 owned blocks is refused (exit 2, no writes) unless --force', async () => {
    const ten = range(10, (i) => `d${String(i).padStart(2, '0')}.example`);
    const { emu, ws } = await setup({ lists: { 'list.csv': ten.map((d) => ({ domain: d, severity: 'silence' as const })) } });
    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    expect(emu.blocks()).toHaveLength(10);

    await setList(ws, ten.slice(0, 6).map((d) => ({ domain: d, severity: 'silence' as const })));
    let mark = emu.requests.length;
    const refused = await ws.run(['sync', '--yes']);
    expect(refused.code, show(refused)).toBe(2);
    expect(writesSince(emu, mark)).toHaveLength(0);
    expect(emu.blocks()).toHaveLength(10);
    expect(refused.stdout + refused.stderr).toMatch(/brake/);
    expect(refused.stdout + refused.stderr).toMatch(/--force/);

    mark = emu.requests.length;
    const forced = await ws.run(['sync', '--yes', '--force']);
    expect(forced.code, show(forced)).toBe(0);
    expect(writesSince(emu, mark).map((x) => x.method)).toEqual(['DELETE', 'DELETE', 'DELETE', 'DELETE']);
    expect(domains(emu.blocks())).toEqual(ten.slice(0, 6));
  });

  describe('8. rate limits (30 requests per 2 s window)', () => {
    const RATE = { limit: 30, windowMs: 2000 };
    const forty = range(40, (i) => `r${String(i).padStart(2, '0')}.example`);
    const cliRequests = (emu: Emulator) => emu.requests.filter((r) => r.token === TOKEN && !r.query.includes('burn='));

    it('40 creates: completes, keeps the 10% reserve, never gets a 429', async () => {
      const { emu, ws } = await setup({ emulator: { rateLimit: RATE }, lists: { 'list.csv': forty.map((d) => ({ domain: d, severity: 'silence' as const })) } });
      const r = await ws.run(['sync', '--yes']);
      expect(r.code, show(r)).toBe(0);
      expect(domains(emu.blocks())).toEqual(forty);
      expect(emu.writes()).toHaveLength(40);
      const reqs = cliRequests(emu);
      expect(reqs.filter((x) => x.status === 429)).toHaveLength(0);
      expect(reqs.filter((x) => x.status >= 500)).toHaveLength(0);
      // Per fixed window, the client left at least the reserve (10% of 30 = 3) unspent.
      const perWindow = new Map<number, number>();
      for (const x of reqs) perWindow.set(Math.floor(x.at / RATE.windowMs), (perWindow.get(Math.floor(x.at / RATE.windowMs)) ?? 0) + 1);
      expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(RATE.limit - Math.ceil(RATE.limit * 0.1));
      expect(perWindow.size).toBeGreaterThanOrEqual(2);
    });

    it('a 429 storm mid-apply: waits for X-RateLimit-Reset (no Retry-After) and completes', async () => {
      // Deterministic storm: from the 6th write on, the next 12 write attempts get Mastodon's 429
      // (JSON body, X-RateLimit-Remaining 0, a Reset 1 s ahead in the 6-decimal format, no
      // Retry-After), as when another client of the same token spends the window. A race against
      // real windows would make this test depend on machine load.
      let stormed = 0;
      let firstAt: number | undefined;
      const { emu, ws } = await setup({
        emulator: {
          fault: (q) => {
            if (q.writeIndex < 5 || stormed >= 12) return undefined;
            stormed++;
            const now = Date.now();
            firstAt ??= now;
            const reset = resetStamp(firstAt + 1000);
            return { status: 429, body: { error: 'Too many requests' }, headers: { 'X-RateLimit-Limit': '300', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': reset } };
          },
        },
        lists: { 'list.csv': forty.map((d) => ({ domain: d, severity: 'silence' as const })) },
      });
      const r = await ws.run(['sync', '--yes']);
      expect(r.code, show(r)).toBe(0);
      expect(domains(emu.blocks())).toEqual(forty);
      const reqs = cliRequests(emu);
      expect(reqs.filter((x) => x.status >= 500 || x.status === 0)).toHaveLength(0);
      const limited = reqs.filter((x) => x.status === 429);
      expect(limited).toHaveLength(12);
      // The client waited for the reset: no successful write lands between the first 429 and the reset.
      const okWrites = emu.writes().map((w) => w.at);
      expect(okWrites.filter((t) => t > firstAt! + 50 && t < firstAt! + 1000)).toEqual([]);
      // Every domain was created exactly once: a 429 changes nothing, and the retry succeeded.
      expect(emu.writes()).toHaveLength(40);
      expect(r.stdout).toMatch(/40 created/);
    });
  });

  it('9. a run killed half way: the next run converges, the one after writes nothing', async () => {
    // Six creates, two at a time: the 5th write crashes the server (the 6th is in flight with it).
    const six = range(6, (i) => `k${String(i).padStart(2, '0')}.example`);
    const { emu, ws } = await setup({
      emulator: { fault: (q) => (q.writeIndex === 4 ? 'kill' : undefined) },
      lists: { 'list.csv': six.map((d) => ({ domain: d, severity: 'silence' as const })) },
      destination: { concurrency: 2 },
    });
    const r1 = await ws.run(['sync', '--yes']);
    expect(r1.code, show(r1)).not.toBe(0);
    expect(emu.blocks().length).toBeLessThan(6);
    await emu.restart();

    const r2 = await ws.run(['sync', '--yes']);
    expect(r2.code, show(r2)).toBe(0);
    const final = emu.blocks();
    expect(domains(final)).toEqual(six);
    for (const b of final) expect(b).toMatchObject({ severity: 'silence', private_comment: MARKER });

    const mark = emu.requests.length;
    const r3 = await ws.run(['sync', '--yes']);
    expect(r3.code, show(r3)).toBe(0);
    expect(writesSince(emu, mark)).toHaveLength(0);
  }, 60_000);

  it('10. a second run right after a successful sync makes zero writes and zero follow checks', async () => {
    const { emu, ws } = await setup({ lists: { 'list.csv': ['a.example', { domain: 'b.example', severity: 'silence' }, { domain: 'c.example', reject_media: true, public_comment: 'why' }] } });
    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    expect(measures(emu.requests).length).toBeGreaterThan(0);
    const mark = emu.requests.length;
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(0);
    expect(writesSince(emu, mark)).toHaveLength(0);
    expect(measures(since(emu, mark))).toHaveLength(0);
    expect(since(emu, mark).every((x) => x.method === 'GET')).toBe(true);
  });

  it('11. plan/apply: a plan made before the destination changed is refused; a fresh one applies', async () => {
    const { emu, ws } = await setup({ lists: { 'list.csv': ['a.example', { domain: 'b.example', severity: 'silence' }] } });
    const planFile = `${ws.dir}/plan.json`;
    const p1 = await ws.run(['sync', '--plan-out', planFile]);
    expect(p1.code, show(p1)).toBe(0);
    expect(emu.writes()).toHaveLength(0);
    const plan = JSON.parse(await readFile(planFile, 'utf8')) as { entries: Array<{ action: string; domain: string }> };
    expect(plan.entries.filter((e) => e.action === 'create').map((e) => e.domain).sort()).toEqual(['a.example', 'b.example']);

    // An admin adds a block by hand in between.
    const added = await emuCall(emu, 'POST', BLOCKS, { domain: 'hand.example', severity: 'silence', private_comment: 'mine' });
    expect(added.status).toBe(200);
    const mark = emu.requests.length;
    const stale = await ws.run(['apply', planFile, '--yes']);
    expect(stale.code, show(stale)).toBe(2);
    expect(stale.stderr).toMatch(/changed/);
    expect(writesSince(emu, mark)).toHaveLength(0);

    const p2 = await ws.run(['sync', '--plan-out', planFile]);
    expect(p2.code, show(p2)).toBe(0);
    const applied = await ws.run(['apply', planFile, '--yes']);
    expect(applied.code, show(applied)).toBe(0);
    expect(domains(emu.blocks())).toEqual(['a.example', 'b.example', 'hand.example']);
    expect(byDomain(emu).get('hand.example')!.private_comment).toBe('mine');
  });

  it('12. restore from the first snapshot: fediblock’s own blocks come back; hand-made ones added since stay', async () => {
    const { emu, ws } = await setup({
      emulator: {
        blocks: [
          { domain: 'mine.example', severity: 'suspend', private_comment: 'by hand' },
          { domain: 'old.example', severity: 'suspend', reject_media: true, private_comment: MARKER, public_comment: 'old reason' },
          { domain: 'a.example', severity: 'silence', private_comment: MARKER },
        ],
      },
      lists: { 'list.csv': [{ domain: 'a.example', severity: 'suspend' }, { domain: 'b.example', severity: 'silence' }] },
    });
    const fields = (b: StoredBlock) => ({ domain: b.domain, severity: b.severity, reject_media: b.reject_media, reject_reports: b.reject_reports, obfuscate: b.obfuscate, public_comment: b.public_comment, private_comment: b.private_comment });
    const firstOwned = emu.blocks().filter(owned).map(fields).sort((x, y) => x.domain.localeCompare(y.domain));

    const r1 = await ws.run(['sync', '--yes']);
    expect(r1.code, show(r1)).toBe(0);
    expect(domains(emu.blocks())).toEqual(['a.example', 'b.example', 'mine.example']);
    // A block made by hand after the first sync.
    expect((await emuCall(emu, 'POST', BLOCKS, { domain: 'later.example', severity: 'silence', private_comment: 'added by hand' })).status).toBe(200);

    await setList(ws, [{ domain: 'a.example', severity: 'silence' }, { domain: 'c.example', severity: 'silence' }]);
    const r2 = await ws.run(['sync', '--yes']);
    expect(r2.code, show(r2)).toBe(0);
    expect(domains(emu.blocks())).toEqual(['a.example', 'c.example', 'later.example', 'mine.example']);

    const snaps = await ws.snapshots();
    expect(snaps).toHaveLength(2);
    const first = snaps[0]!;
    expect(r1.stdout).toContain(first);
    const handMade = emu.blocks().filter((b) => !owned(b));

    const r3 = await ws.run(['restore', first, '-d', 'admin.example', '--yes']);
    expect(r3.code, show(r3)).toBe(0);
    const now = emu.blocks();
    expect(now.filter(owned).map(fields).sort((x, y) => x.domain.localeCompare(y.domain))).toEqual(firstOwned);
    for (const h of handMade) expect(now.find((b) => b.domain === h.domain)).toEqual(h);
    expect(domains(now)).toEqual(['a.example', 'later.example', 'mine.example', 'old.example']);
  });

  it('13. diff --exit-code: 3 with changes, 0 after a sync; --json parses and carries the plan', async () => {
    const { emu, ws } = await setup({ lists: { 'list.csv': ['a.example', { domain: 'b.example', severity: 'silence' }] } });
    const d1 = await ws.run(['diff', '--exit-code']);
    expect(d1.code, show(d1)).toBe(3);
    expect(d1.stdout).toMatch(/\+ create\s+a\.example/);
    const j = await ws.run(['diff', '--json']);
    expect(j.code, show(j)).toBe(0);
    const parsed = JSON.parse(j.stdout) as { destinations: Array<{ destination: string; plan: { entries: Array<{ action: string; domain: string }> } }> };
    expect(parsed.destinations[0]!.destination).toBe('admin.example');
    expect(parsed.destinations[0]!.plan.entries.filter((e) => e.action === 'create').map((e) => e.domain).sort()).toEqual(['a.example', 'b.example']);
    expect(emu.writes()).toHaveLength(0);

    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    const d2 = await ws.run(['diff', '--exit-code']);
    expect(d2.code, show(d2)).toBe(0);
  });

  it('14. a token without the write scope: exit 1 naming admin:write:domain_blocks, and the token never printed', async () => {
    const weak = 'weak-token-only-reads-9d8c7b6a';
    const { emu, ws } = await setup({
      emulator: { tokens: { [weak]: { scopes: ['admin:read:domain_blocks'], role: 'admin' } } },
      lists: { 'list.csv': ['a.example', { domain: 'b.example', severity: 'silence' }] },
      token: weak,
    });
    const r = await ws.run(['sync', '--yes', '--log-level', 'debug']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stdout + r.stderr).toContain('admin:write:domain_blocks');
    expect(r.stdout + r.stderr).not.toContain(weak);
    expect(emu.writes()).toHaveLength(0);
    expect(emu.blocks()).toHaveLength(0);
  });

  it('15. GoToSocial detected: refuses to write, exit 1', async () => {
    const { emu, ws } = await setup({ emulator: { software: 'gotosocial' }, lists: { 'list.csv': ['a.example'] } });
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toMatch(/does not look like Mastodon/);
    expect(writesSince(emu, 0)).toHaveLength(0);
    expect(emu.blocks()).toHaveLength(0);
  });
});
