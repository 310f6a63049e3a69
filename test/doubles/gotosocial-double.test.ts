// The GoToSocial double's own tests, one per fact of issue 12 / mastodon-api.md §8, so that the
// double (not the client) is what these facts are checked against.
import { afterEach, describe, expect, it } from 'vitest';
import { type GtsDouble, type GtsDoubleOptions, scopeGrants, startGtsDouble } from './gotosocial-double.js';

const doubles: GtsDouble[] = [];
afterEach(async () => {
  for (const d of doubles.splice(0)) await d.stop();
});
async function start(o: GtsDoubleOptions = {}) {
  const d = await startGtsDouble(o);
  doubles.push(d);
  return d;
}
async function call(d: GtsDouble, method: string, path: string, body?: unknown, token = 'gts-token', form = false) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  let payload: string | undefined;
  if (body !== undefined) {
    headers['content-type'] = form ? 'application/x-www-form-urlencoded' : 'application/json';
    payload = form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body);
  }
  const res = await fetch(d.url + path, { method, headers, ...(payload ? { body: payload } : {}) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}
const B = '/api/v1/admin/domain_blocks';

describe('GoToSocial double', () => {
  it('lists every block in one array, domains in Unicode, no Link, limit ignored; no severity field', async () => {
    const d = await start({ blocks: Array.from({ length: 7 }, (_, i) => ({ domain: `d${i}.example` })).concat([{ domain: 'xn--bcher-kva.example' }]) });
    const r = await call(d, 'GET', `${B}?limit=2`);
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(8);
    expect(r.headers.get('link')).toBeNull();
    expect(r.body.map((b: any) => b.domain)).toContain('bücher.example');
    expect(r.body[0]).not.toHaveProperty('severity');
    expect(r.body[0]).not.toHaveProperty('digest');
  });

  it('POST of an existing domain answers 200 with the existing block, comments untouched', async () => {
    const d = await start({ blocks: [{ domain: 'bad.example', private_comment: 'by hand' }] });
    const r = await call(d, 'POST', B, { domain: 'bad.example', private_comment: 'other' });
    expect(r.status).toBe(200);
    expect(r.body.private_comment).toBe('by hand');
    expect(d.blocks()).toHaveLength(1);
  });

  it('create strips HTML from comments, update does not; JSON and form bodies both work', async () => {
    const d = await start();
    const c = await call(d, 'POST', B, { domain: 'x.example', public_comment: '<b>spam</b>', obfuscate: 'true' }, 'gts-token', true);
    expect(c.body.public_comment).toBe('spam');
    expect(c.body.obfuscate).toBe(true);
    const u = await call(d, 'PUT', `${B}/${c.body.id}`, { public_comment: '<b>spam</b>' });
    expect(u.body.public_comment).toBe('<b>spam</b>');
  });

  it('PUT: empty form 400; before 0.19 every PUT is 405', async () => {
    const d = await start({ blocks: [{ domain: 'a.example', id: 'ID1' }] });
    expect((await call(d, 'PUT', `${B}/ID1`, {})).status).toBe(400);
    const old = await start({ version: '0.18.3 git-abc', blocks: [{ domain: 'a.example', id: 'ID1' }] });
    expect((await call(old, 'PUT', `${B}/ID1`, { public_comment: 'x' })).status).toBe(405);
  });

  it('GET of an unknown id answers 500; an invalid domain answers 500; DELETE returns the block', async () => {
    const d = await start({ blocks: [{ domain: 'a.example', id: 'ID1' }] });
    expect((await call(d, 'GET', `${B}/NOPE`)).status).toBe(500);
    expect((await call(d, 'POST', B, { domain: 'not a domain' })).status).toBe(500);
    const del = await call(d, 'DELETE', `${B}/ID1`);
    expect(del.status).toBe(200);
    expect(del.body.domain).toBe('a.example');
  });

  it('409 while another action runs, after which the write may have happened', async () => {
    const d = await start();
    d.busyOnce('a.example', true);
    const r = await call(d, 'POST', B, { domain: 'a.example' });
    expect(r.status).toBe(409);
    expect(d.blocks().map((b) => b.domain)).toEqual(['a.example']);
  });

  it('auth: 401 "token not supplied", 403 for scopes (from 0.19) and for non-admins; errors are {"error":"<Status>: <detail>"}', async () => {
    const d = await start({ tokens: { ro: { scopes: ['admin:read'], admin: true }, user: { scopes: ['admin'], admin: false } } });
    const none = await call(d, 'GET', B, undefined, '');
    expect(none.status).toBe(401);
    expect(none.body.error).toMatch(/^Unauthorized: token not supplied/);
    expect((await call(d, 'GET', B, undefined, 'ro')).status).toBe(200);
    const w = await call(d, 'POST', B, { domain: 'a.example' }, 'ro');
    expect(w.status).toBe(403);
    expect(w.body.error).toMatch(/^Forbidden: /);
    expect((await call(d, 'GET', B, undefined, 'user')).status).toBe(403);
    expect(scopeGrants(['admin:write'], 'admin:write:domain_blocks')).toBe(true);
    expect(scopeGrants(['admin:write:domain_blocks'], 'admin:write')).toBe(false);
  });

  it('no measures API (404); rate limit headers with an ISO Reset and 429 {"error":"rate limit reached"}', async () => {
    const d = await start({ rateLimit: 2 });
    const r1 = await call(d, 'POST', '/api/v1/admin/measures', {});
    expect(r1.status).toBe(404);
    expect(r1.headers.get('x-ratelimit-reset')).toMatch(/^\d{4}-\d\d-\d\dT/);
    await call(d, 'GET', B);
    const r3 = await call(d, 'GET', B);
    expect(r3.status).toBe(429);
    expect(r3.body).toEqual({ error: 'rate limit reached' });
  });

  it('identity: nodeinfo names gotosocial even when the instance API carries an injected version', async () => {
    const d = await start({ instanceVersion: '4.3.0' });
    expect((await call(d, 'GET', '/api/v2/instance')).body.version).toBe('4.3.0');
    const wk = await call(d, 'GET', '/.well-known/nodeinfo');
    const ni = await fetch(wk.body.links[0].href).then((r) => r.json() as any);
    expect(ni.software.name).toBe('gotosocial');
  });
});
