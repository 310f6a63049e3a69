// The Akkoma double's own tests, one per fact of issue 12, checked against the double alone.
import { afterEach, describe, expect, it } from 'vitest';
import { type AkkomaDouble, type AkkomaDoubleOptions, grants, startAkkomaDouble } from './akkoma-double.js';

const doubles: AkkomaDouble[] = [];
afterEach(async () => {
  for (const d of doubles.splice(0)) await d.stop();
});
async function start(o: AkkomaDoubleOptions = {}) {
  const d = await startAkkomaDouble(o);
  doubles.push(d);
  return d;
}
const C = '/api/v1/pleroma/admin/config';
async function call(d: AkkomaDouble, method: string, path: string, body?: unknown, token = 'akkoma-token') {
  const res = await fetch(d.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as any };
}
const post = (value: unknown[]) => ({ configs: [{ group: ':pleroma', key: ':mrf_simple', value }] });

describe('Akkoma double', () => {
  it('GET shows :mrf_simple as tuples; POST replaces each sent subkey whole and keeps the others', async () => {
    const d = await start({ mrfSimple: { reject: [['a.example', 'spam']], media_removal: [['m.example', '']] } });
    const g = await call(d, 'GET', C);
    const mrf = g.body.configs.find((c: any) => c.key === ':mrf_simple');
    expect(mrf.value).toContainEqual({ tuple: [':reject', [{ tuple: ['a.example', 'spam'] }]] });
    const p = await call(d, 'POST', C, post([{ tuple: [':reject', [{ tuple: ['b.example', 'x'] }]] }]));
    expect(p.status).toBe(200);
    expect(d.subkey('reject')).toEqual([['b.example', 'x']]);
    expect(d.subkey('media_removal')).toEqual([['m.example', '']]);
  });

  it('records entries that are not pairs, and reasons that would become atoms', async () => {
    const d = await start();
    await call(d, 'POST', C, post([{ tuple: [':reject', ['bare.example', { tuple: ['x.example', ':atom'] }]] }]));
    expect(d.malformed).toEqual(['bare.example']);
    expect(d.atoms).toEqual([':atom']);
  });

  it('400 naming configurable_from_database when the database config is off', async () => {
    const d = await start({ dbConfig: false });
    const r = await call(d, 'GET', C);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('You must enable configurable_from_database in your config file.');
  });

  it('403 texts for a non-admin and for a missing admin:write; granular admin scopes do not count', async () => {
    const d = await start({ tokens: { user: { scopes: ['admin:read', 'admin:write'], admin: false }, ro: { scopes: ['admin:read', 'admin:write:domain_blocks'], admin: true } } });
    expect((await call(d, 'GET', C, undefined, 'user')).body.error).toBe('User is not an admin.');
    const w = await call(d, 'POST', C, post([]), 'ro');
    expect(w.status).toBe(403);
    expect(w.body.error).toBe('Insufficient permissions: admin:write.');
    expect(grants(['admin'], 'admin:write')).toBe(true);
  });

  it('identity: v1 version "(compatible; Akkoma …)", no /api/v2/instance, nodeinfo 2.1 names akkoma', async () => {
    const d = await start();
    expect((await call(d, 'GET', '/api/v1/instance')).body.version).toMatch(/compatible; Akkoma 3\.16\.0/);
    const v2 = await call(d, 'GET', '/api/v2/instance');
    expect(v2).toEqual({ status: 404, body: { error: 'Not implemented' } });
    expect((await call(d, 'GET', '/nodeinfo/2.1.json')).body.software.name).toBe('akkoma');
  });

  it('shows whether SimplePolicy is among the :mrf policies', async () => {
    const d = await start({ simplePolicy: false });
    const mrf = (await call(d, 'GET', C)).body.configs.find((c: any) => c.key === ':mrf');
    expect(JSON.stringify(mrf.value)).not.toContain('SimplePolicy');
  });
});
