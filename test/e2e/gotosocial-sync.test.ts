// End-to-end sync into the GoToSocial double (issue 12): the built CLI against a loopback server
// that follows GoToSocial's facts. Each test asserts on the exit code, the double's final state
// and its request log.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type GtsDouble, type GtsDoubleOptions, startGtsDouble } from '../doubles/gotosocial-double.js';
import { type ListRow, type Workspace, csvList, ensureBuilt, workspace } from './helpers.js';

const TOKEN = 'gts-e2e-secret-7c1d9e2a';
const MARKER = '[fediblock]';

beforeAll(ensureBuilt, 120_000);
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(rows: Array<ListRow | string>, o: { double?: GtsDoubleOptions; destination?: Record<string, string | number | boolean>; token?: string } = {}) {
  const gts = await startGtsDouble({ tokens: { [TOKEN]: { scopes: ['admin:read:domain_blocks', 'admin:write:domain_blocks'], admin: true } }, ...o.double });
  cleanups.push(() => gts.stop());
  const ws = await workspace(
    { apiBase: gts.url, sources: [{ name: 'list', url: 'list.csv' }], destination: { software: 'gotosocial', follow_checks: false, ...o.destination } },
    { 'list.csv': csvList(rows) },
    o.token ?? TOKEN,
  );
  cleanups.push(() => ws.cleanup());
  return { gts, ws };
}
const show = (r: { code: number; stdout: string; stderr: string }) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
const setList = (ws: Workspace, rows: Array<ListRow | string>) => ws.write('list.csv', csvList(rows));
const byDomain = (g: GtsDouble) => new Map(g.blocks().map((b) => [b.domain, b]));

describe('sync into GoToSocial', () => {
  it('first sync creates the suspensions with the marker, lists silence/noop as unsupported, leaves hand-made blocks; a re-run writes nothing', async () => {
    const { gts, ws } = await setup(
      [
        { domain: 'spam.example', public_comment: 'spam' },
        { domain: 'html.example', public_comment: '<b>bold</b> spam' },
        { domain: 'quiet.example', severity: 'silence' },
        { domain: 'noop.example', severity: 'noop', reject_media: true },
        { domain: 'hand.example', public_comment: 'list says' },
        'bücher.example',
      ],
      { double: { blocks: [{ domain: 'hand.example', public_comment: 'mine', private_comment: 'by the admin' }, { domain: 'other.example' }] } },
    );
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(0);
    const b = byDomain(gts);
    expect([...b.keys()].sort()).toEqual(['hand.example', 'html.example', 'other.example', 'spam.example', 'xn--bcher-kva.example']);
    expect(b.get('spam.example')!.private_comment).toContain(MARKER);
    expect(b.get('spam.example')!.public_comment).toBe('spam');
    // Create stripped the HTML; a PUT put the list's text back, so the next run finds no change.
    expect(b.get('html.example')!.public_comment).toBe('<b>bold</b> spam');
    expect(b.get('hand.example')).toMatchObject({ public_comment: 'mine', private_comment: 'by the admin' });
    expect(r.stdout).toMatch(/unsupported here: silence[^\n]*quiet\.example/);
    expect(r.stdout).toMatch(/unsupported here: noop[^\n]*noop\.example/);
    expect(gts.writes().every((w) => !JSON.stringify(w.body ?? {}).includes('severity'))).toBe(true);

    const before = gts.writes().length;
    const again = await ws.run(['sync', '--yes']);
    expect(again.code, show(again)).toBe(0);
    expect(gts.writes().length - before).toBe(0);
  });

  it('removes only its own blocks when they leave the list; hand-made ones stay', async () => {
    const { gts, ws } = await setup(['a.example', 'b.example'], { double: { blocks: [{ domain: 'hand.example' }] } });
    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    await setList(ws, ['b.example']);
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(0);
    expect([...byDomain(gts).keys()].sort()).toEqual(['b.example', 'hand.example']);
    expect(gts.writes().filter((w) => w.method === 'DELETE')).toHaveLength(1);
  });

  it('follow_checks = true (the default): no unchecked suspend, and the plan says why', async () => {
    const { gts, ws } = await setup(['a.example'], { destination: { follow_checks: true } });
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(0);
    expect(gts.blocks()).toHaveLength(0);
    expect(r.stdout).toMatch(/no follow-check API/);
    expect(r.stdout).toMatch(/follow_checks = false/);
  });

  it('software = "auto": nodeinfo wins over an injected Mastodon-like version', async () => {
    const { gts, ws } = await setup(['a.example'], { double: { instanceVersion: '4.3.2' }, destination: { software: 'auto' } });
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(0);
    expect(gts.blocks().map((b) => b.domain)).toEqual(['a.example']);
    expect(gts.requests.some((q) => q.path.startsWith('/nodeinfo/'))).toBe(true);
  });

  it('before 0.19: a comment-only change is listed with a notice and not written', async () => {
    const { gts, ws } = await setup([{ domain: 'a.example', public_comment: 'one' }], { double: { version: '0.18.3 git-3f5c9a1' } });
    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    await setList(ws, [{ domain: 'a.example', public_comment: 'two' }]);
    const before = gts.writes().length;
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(0);
    expect(gts.writes().length).toBe(before);
    expect(r.stdout).toMatch(/cannot change a block in place/);
    expect(gts.blocks()[0]!.public_comment).toBe('one');
  });

  it('a 409 on create: re-read, and the block that was written counts as created', async () => {
    const { gts, ws } = await setup(['a.example']);
    gts.busyOnce('a.example', true);
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(0);
    expect(gts.blocks().map((b) => b.domain)).toEqual(['a.example']);
  });

  it('a token without the write scope: exit 1 naming admin:write:domain_blocks; the token is never printed', async () => {
    const weak = 'gts-weak-token-55aa';
    const { gts, ws } = await setup(['a.example'], { token: weak, double: { tokens: { [weak]: { scopes: ['admin:read:domain_blocks'], admin: true } } } });
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stdout + r.stderr).toContain('admin:write:domain_blocks');
    expect(r.stdout + r.stderr).not.toContain(weak);
    expect(gts.blocks()).toHaveLength(0);
  });

  it('a token of a non-admin account: exit 1 saying so', async () => {
    const user = 'gts-user-token-99';
    const { ws } = await setup(['a.example'], { token: user, double: { tokens: { [user]: { scopes: ['admin'], admin: false } } } });
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/not an admin/);
  });
});
