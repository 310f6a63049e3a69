// End-to-end sync into the Akkoma double (issue 12): the built CLI against a loopback server that
// follows Akkoma's facts for the :mrf_simple setting. Each test asserts on the exit code, the
// setting's final entries and the double's request log.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AkkomaDouble, type AkkomaDoubleOptions, startAkkomaDouble } from '../doubles/akkoma-double.js';
import { type ListRow, type Workspace, csvList, ensureBuilt, workspace } from './helpers.js';

const TOKEN = 'akkoma-e2e-secret-3b8f0c';
const MARKER = '[fediblock]';

beforeAll(ensureBuilt, 120_000);
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(rows: Array<ListRow | string>, o: { double?: AkkomaDoubleOptions; destination?: Record<string, string | number | boolean>; token?: string } = {}) {
  const ak = await startAkkomaDouble({ tokens: { [TOKEN]: { scopes: ['admin:read', 'admin:write'], admin: true } }, ...o.double });
  cleanups.push(() => ak.stop());
  const ws = await workspace(
    { apiBase: ak.url, sources: [{ name: 'list', url: 'list.csv' }], destination: { software: 'akkoma', follow_checks: false, ...o.destination } },
    { 'list.csv': csvList(rows) },
    o.token ?? TOKEN,
  );
  cleanups.push(() => ws.cleanup());
  return { ak, ws };
}
const show = (r: { code: number; stdout: string; stderr: string }) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
const setList = (ws: Workspace, rows: Array<ListRow | string>) => ws.write('list.csv', csvList(rows));
const domainsIn = (ak: AkkomaDouble, key: string) => ak.subkey(key).map(([d]) => d).sort();

describe('sync into Akkoma', () => {
  it('first sync: one POST maps every severity, marks reasons, keeps hand-made entries and other subkeys; a re-run writes nothing', async () => {
    const { ak, ws } = await setup(
      [
        { domain: 'spam.example', public_comment: 'spam' },
        { domain: 'quiet.example', severity: 'silence', public_comment: 'loud' },
        { domain: 'media.example', severity: 'noop', reject_media: true, reject_reports: true },
        { domain: 'bare.example', severity: 'noop' },
        { domain: 'hidden.example', obfuscate: true },
        { domain: 'colon.example', public_comment: ':nope' },
        { domain: 'hand.example', public_comment: 'list' },
      ],
      { double: { mrfSimple: { reject: [['hand.example', 'mine'], ['*.wild.example', 'pattern']], accept: [['friend.example', '']] } } },
    );
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(0);
    expect(ak.writes()).toHaveLength(1);
    // Five changes, one POST: the summary counts requests.
    expect(r.stdout).toMatch(/\(1 write request\)/);
    expect(ak.subkey('reject')).toEqual([
      ['hand.example', 'mine'],
      ['*.wild.example', 'pattern'],
      ['colon.example', `${MARKER} :nope`],
      ['hidden.example', MARKER],
      ['spam.example', `spam ${MARKER}`],
    ]);
    expect(ak.subkey('federated_timeline_removal')).toEqual([['quiet.example', `loud ${MARKER}`]]);
    expect(ak.subkey('followers_only')).toEqual([['quiet.example', `loud ${MARKER}`]]);
    expect(domainsIn(ak, 'media_removal')).toEqual(['media.example']);
    expect(domainsIn(ak, 'report_removal')).toEqual(['media.example']);
    expect(ak.subkey('accept')).toEqual([['friend.example', '']]);
    expect(ak.atoms).toEqual([]);
    expect(ak.malformed).toEqual([]);
    // The POST sent only the subkeys it changed (accept untouched), each whole.
    const sent = (ak.writes()[0]!.body as any).configs[0].value.map((t: any) => t.tuple[0]).sort();
    expect(sent).toEqual([':federated_timeline_removal', ':followers_only', ':media_removal', ':reject', ':report_removal']);
    expect(r.stdout).toMatch(/Not expressible on this destination:\n  obfuscate has no place here \(not written\): hidden\.example/);
    expect(r.stdout).toMatch(/unsupported here[^\n]*bare\.example/);
    expect(r.stdout).toMatch(/hand-made[^\n]*hand\.example/);
    expect(ak.requests.some((q) => q.path === '/api/v1/domain_blocks')).toBe(false);

    const again = await ws.run(['sync', '--yes']);
    expect(again.code, show(again)).toBe(0);
    expect(ak.writes()).toHaveLength(1);
  });

  it('removes only its own entries; hand-made ones in the same subkey stay', async () => {
    const { ak, ws } = await setup(['a.example', 'b.example'], { double: { mrfSimple: { reject: [['hand.example', 'mine']] } } });
    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    await setList(ws, ['b.example']);
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(0);
    expect(domainsIn(ak, 'reject')).toEqual(['b.example', 'hand.example']);
    expect(ak.writes()).toHaveLength(2);
  });

  it('follow_checks = true (the default): a suspend is made a silence, and the plan says why', async () => {
    const { ak, ws } = await setup(['a.example'], { destination: { follow_checks: true } });
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(0);
    expect(ak.subkey('reject')).toEqual([]);
    expect(domainsIn(ak, 'followers_only')).toEqual(['a.example']);
    expect(r.stdout).toMatch(/no follow-check API/);
  });

  it('software = "auto" detects Akkoma (no /api/v2/instance, nodeinfo names it)', async () => {
    const { ak, ws } = await setup(['a.example'], { destination: { software: 'auto' } });
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(0);
    expect(domainsIn(ak, 'reject')).toEqual(['a.example']);
  });

  it('Pleroma: detected by nodeinfo, synced the same way; restore from the snapshot removes what fediblock added', async () => {
    const { ak, ws } = await setup(['a.example'], { double: { software: 'pleroma', mrfSimple: { reject: [['hand.example', 'mine']] } }, destination: { software: 'auto' } });
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(0);
    expect(domainsIn(ak, 'reject')).toEqual(['a.example', 'hand.example']);
    const [snap] = await ws.snapshots();
    const back = await ws.run(['restore', snap!, '-d', 'admin.example', '--yes']);
    expect(back.code, show(back)).toBe(0);
    expect(ak.subkey('reject')).toEqual([['hand.example', 'mine']]);
  });

  it('a hand edit between plan and apply: exit 2 and nothing written', async () => {
    const { ak, ws } = await setup(['a.example']);
    ak.afterConfigGet(1, () => ak.handEdit('reject', [['typed.example', 'by hand']]));
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(2);
    expect(r.stderr).toMatch(/changed since the plan was made/);
    expect(ak.writes()).toHaveLength(0);
    expect(ak.subkey('reject')).toEqual([['typed.example', 'by hand']]);
  });

  it('plan, then a hand edit, then apply: the stale plan is refused (exit 2)', async () => {
    const { ak, ws } = await setup(['a.example']);
    const p = await ws.run(['sync', '--plan-out', 'plan.json']);
    expect(p.code, show(p)).toBe(0);
    ak.handEdit('reject', [['typed.example', 'by hand']]);
    const r = await ws.run(['apply', 'plan.json', '--yes']);
    expect(r.code, show(r)).toBe(2);
    expect(ak.writes()).toHaveLength(0);
  });

  it('scope and permission errors: exit 1 naming admin:write or the admin role; the token is never printed', async () => {
    const weak = 'akkoma-weak-token-71';
    const { ak, ws } = await setup(['a.example'], { token: weak, double: { tokens: { [weak]: { scopes: ['admin:read', 'admin:write:domain_blocks'], admin: true } } } });
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/admin:write/);
    expect(r.stdout + r.stderr).not.toContain(weak);
    expect(ak.subkey('reject')).toEqual([]);

    const user = 'akkoma-user-token-72';
    const s2 = await setup(['a.example'], { token: user, double: { tokens: { [user]: { scopes: ['admin:read', 'admin:write'], admin: false } } } });
    const r2 = await s2.ws.run(['sync', '--yes']);
    expect(r2.code, show(r2)).toBe(1);
    expect(r2.stdout + r2.stderr).toMatch(/not an admin/);
  });

  it('configurable_from_database off: a clear error naming the setting; SimplePolicy off: a warning', async () => {
    const { ws } = await setup(['a.example'], { double: { dbConfig: false } });
    const r = await ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(1);
    expect(r.stderr).toMatch(/configurable_from_database/);

    const s2 = await setup(['a.example'], { double: { simplePolicy: false } });
    const r2 = await s2.ws.run(['sync', '--yes']);
    expect(r2.code, show(r2)).toBe(0);
    expect(r2.stderr).toMatch(/SimplePolicy is not among the :mrf policies/);
    expect(r2.stderr.match(/SimplePolicy is not among/g)).toHaveLength(1);
  });
});
