// `fediblock announce` end to end: the built CLI syncs into the Mastodon emulator, then announces
// what it applied, and posts it as a thread through the emulator's POST /api/v1/statuses (thread
// order, visibility, idempotent re-runs), with its own posting token.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorOptions, startEmulator, type Emulator } from '../emulator/mastodon-emulator.js';
import { type ListRow, csvList, ensureBuilt, workspace, type Workspace } from './helpers.js';

const ADMIN = 'e2e-admin-token-7c1d9e';
const POSTER = 'e2e-poster-token-3b8f2a';
beforeAll(ensureBuilt, 120_000);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const LIST: ListRow[] = [
  { domain: 'spam-farm.example', public_comment: 'spam, bots' },
  { domain: 'hate.example', public_comment: 'hate speech', obfuscate: true },
  { domain: 'friends-there.example', public_comment: 'harassment' },
  { domain: 'loud.example', severity: 'silence', public_comment: 'unmoderated' },
  { domain: 'pics.example', severity: 'noop', reject_media: true, public_comment: 'unlabelled explicit media' },
  ...Array.from({ length: 8 }, (_, i): ListRow => ({ domain: `bot-${i}.example`, public_comment: `automated spam wave ${i}` })),
];

async function setup(emulator: EmulatorOptions = {}): Promise<{ emu: Emulator; ws: Workspace }> {
  const emu = await startEmulator({
    tokens: { [ADMIN]: { scopes: ['admin:read', 'admin:write'], role: 'admin' }, [POSTER]: { scopes: ['write:statuses'], role: 'user' } },
    follows: { 'friends-there.example': { follows: 3, followers: 1 } },
    ...emulator,
  });
  cleanups.push(() => emu.stop());
  const ws = await workspace({ apiBase: emu.url, sources: [{ name: 'list', url: 'list.csv' }] }, { 'list.csv': csvList(LIST) }, ADMIN);
  cleanups.push(() => ws.cleanup());
  return { emu, ws };
}
const withPoster = { env: { ADMIN_EXAMPLE_ANNOUNCE_TOKEN: POSTER } };
const show = (r: { code: number; stdout: string; stderr: string }) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

// Each test spawns the CLI several times: generous timeouts for a busy 2-core machine.
describe('announce after a sync against the emulator', { timeout: 120_000 }, () => {
  it('prints a post for the sync just applied: grouped, reasons, obfuscated as Mastodon shows it, follow-capped said as such', async () => {
    const { ws } = await setup();
    // Before: what the plan will apply.
    expect((await ws.run(['sync', '--plan-out', 'plan.json'])).code).toBe(0);
    const planned = await ws.run(['announce', '--plan', 'plan.json']);
    expect(planned.code, show(planned)).toBe(0);
    expect(planned.stdout).toMatch(/^Coming moderation changes on admin\.example:\n\nSuspended/);
    expect(planned.stdout).toContain('- friends-there.example: harassment (limited for now: local accounts still follow accounts there)');
    const sync = await ws.run(['sync', '--yes']);
    expect(sync.code, show(sync)).toBe(0);
    const r = await ws.run(['announce']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(/^Moderation update from admin\.example, \d+ \w+ \d{4}:\n\nSuspended — no contact between us and these servers:\n/);
    expect(r.stdout).toContain('- spam-farm.example: spam, bots\n');
    // mastodon-api.md §2: n = 12, v = 3, so indexes 4–8 that are not dots become '*'.
    expect(r.stdout).toContain('- hate.****ple: hate speech\n');
    expect(r.stdout).not.toContain('hate.example');
    expect(r.stdout).toMatch(/Limited — hidden here unless you follow them:\n- friends-there\.example: harassment \(limited for now: local accounts still follow accounts there\)\n- loud\.example: unmoderated\n/);
    expect(r.stdout).toContain('Media rejected — we no longer store their images and videos:\n- pics.example: unlabelled explicit media\n');
    const md = await ws.run(['announce', '--format', 'markdown']);
    expect(md.stdout).toContain('- `spam-farm.example`: spam, bots');
  });

  it('--thread --post --yes posts a numbered thread, replies chained in order, unlisted, with the posting token; a re-run posts nothing more', async () => {
    const { emu, ws } = await setup({ maxCharacters: 300 });
    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    const preview = await ws.run(['announce', '--thread']);
    const expected = preview.stdout.trimEnd().split('\n\n---\n\n');
    expect(expected.length).toBeGreaterThan(1);

    const r = await ws.run(['announce', '--thread', '--post', '--yes'], withPoster);
    expect(r.code, show(r)).toBe(0);
    const posted = emu.statuses();
    expect(posted.map((s) => s.text)).toEqual(expected);
    posted.forEach((s, i) => {
      expect(s.text.endsWith(`${i + 1}/${posted.length}`)).toBe(true);
      expect(s.in_reply_to_id).toBe(i === 0 ? null : posted[i - 1]!.id);
      expect(s.visibility).toBe('unlisted');
      expect(s.token).toBe(POSTER);
    });
    expect(r.stderr).toMatch(new RegExp(`posted a thread of ${posted.length} posts to admin\\.example: https://admin\\.example/@announcer/${posted[0]!.id}`));
    for (const out of [r.stdout, r.stderr]) expect(out).not.toContain(POSTER);

    // Sync again (nothing changes), announce again: nothing is posted twice.
    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    const again = await ws.run(['announce', '--thread', '--post', '--yes'], withPoster);
    expect(again.code, show(again)).toBe(0);
    expect(again.stdout).toMatch(/^nothing new to announce: run \S+ was posted on .* UTC \(https:\/\/admin\.example\/@announcer\/\d+\)\n$/);
    expect(emu.statuses()).toHaveLength(posted.length);
  });

  it('a post whose answer is lost is retried with the same Idempotency-Key: the thread completes with no post doubled', async () => {
    let statusPosts = 0;
    let emuRef: Emulator | undefined;
    const { emu, ws } = await setup({
      maxCharacters: 300,
      // The third status is made, then the server dies before answering, and is back shortly.
      fault: (req) => {
        if (req.method !== 'POST' || req.path !== '/api/v1/statuses' || ++statusPosts !== 3) return undefined;
        setTimeout(() => void emuRef?.restart(), 300);
        return 'kill-after';
      },
    });
    emuRef = emu;
    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    const expected = (await ws.run(['announce', '--thread'])).stdout.trimEnd().split('\n\n---\n\n');
    expect(expected.length).toBeGreaterThanOrEqual(3);
    const r = await ws.run(['announce', '--thread', '--post', '--yes'], withPoster);
    expect(r.code, show(r)).toBe(0);
    const posted = emu.statuses();
    expect(posted.map((s) => s.text)).toEqual(expected);
    posted.forEach((s, i) => expect(s.in_reply_to_id).toBe(i === 0 ? null : posted[i - 1]!.id));
    // The third post was sent twice, and made once.
    expect(emu.requests.filter((q) => q.method === 'POST' && q.path === '/api/v1/statuses').length).toBe(expected.length + 1);
  });

  it('refuses to post off a terminal without --yes (exit 2), without a posting token, or with the admin token as the posting token', async () => {
    const { emu, ws } = await setup();
    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    const noYes = await ws.run(['announce', '--post'], withPoster);
    expect(noYes.code).toBe(2);
    const noToken = await ws.run(['announce', '--post', '--yes']);
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/no posting token for admin\.example: set \$ADMIN_EXAMPLE_ANNOUNCE_TOKEN/);
    const adminToken = await ws.run(['announce', '--post', '--yes'], { env: { ADMIN_EXAMPLE_ANNOUNCE_TOKEN: ADMIN } });
    expect(adminToken.code).toBe(1);
    expect(adminToken.stderr).toMatch(/is its admin token/);
    expect(adminToken.stderr + adminToken.stdout).not.toContain(ADMIN);
    expect(emu.statuses()).toEqual([]);
  });

  it('nothing applied yet: a one-line note, exit 0, no post', async () => {
    const { emu, ws } = await setup();
    const r = await ws.run(['announce', '--thread', '--post', '--yes'], withPoster);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toBe('nothing to announce: the last run changed nothing members would see on admin.example\n');
    expect(emu.statuses()).toEqual([]);
  });
});
