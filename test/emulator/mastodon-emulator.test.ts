// Tests of the Mastodon emulator (a test double). Every expectation comes from a fact in
// /work/shared/docs/mastodon-api.md (section in each describe), never from the fediblock client,
// so that client and emulator cannot agree on a mistake by construction (decisions.md).
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, type EmulatorOptions, publicDomain, startEmulator } from './mastodon-emulator.js';

const open: Emulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.stop()));
});
async function emu(opts?: EmulatorOptions): Promise<Emulator> {
  const e = await startEmulator(opts);
  open.push(e);
  return e;
}

const TOKEN = 'test-token';
type Init = { method?: string; token?: string | null; json?: unknown; form?: string };
async function call(e: Emulator, path: string, init: Init = {}) {
  const headers: Record<string, string> = {};
  const token = init.token === undefined ? TOKEN : init.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = init.form;
  }
  const res = await fetch(e.url + path, { method: init.method ?? 'GET', headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let data: any;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  return { status: res.status, headers: res.headers, data, text };
}

/** `<url>; rel="next", <url>; rel="prev"` → {next, prev}. */
function links(h: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (h ?? '').matchAll(/<([^>]+)>;\s*rel="([^"]+)"/g)) out[m[2]!] = m[1]!;
  return out;
}
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const seed = (n: number) => Array.from({ length: n }, (_, i) => ({ domain: `d${i + 1}.example` }));
const ids = (arr: Array<{ id: string }>) => arr.map((b) => Number(b.id));

describe('§1.3 index: pagination', () => {
  it('walks 1,203 blocks in three pages of 500, newest first, with next/prev links', async () => {
    const e = await emu({ blocks: seed(1203) });
    const p1 = await call(e, '/api/v1/admin/domain_blocks?limit=500');
    expect(p1.status).toBe(200);
    expect(p1.data).toHaveLength(500);
    expect(p1.data[0].id).toBe('1203');
    expect(p1.data[499].id).toBe('704');
    const l1 = links(p1.headers.get('link'));
    expect(l1.next).toBe(`${e.url}/api/v1/admin/domain_blocks?limit=500&max_id=704`);
    expect(l1.prev).toBe(`${e.url}/api/v1/admin/domain_blocks?limit=500&min_id=1203`);

    const p2 = await call(e, l1.next!.slice(e.url.length));
    expect(ids(p2.data)).toEqual(Array.from({ length: 500 }, (_, i) => 703 - i));
    const l2 = links(p2.headers.get('link'));
    const p3 = await call(e, l2.next!.slice(e.url.length));
    expect(p3.data).toHaveLength(203);
    expect(ids(p3.data)).toEqual(Array.from({ length: 203 }, (_, i) => 203 - i));
    const l3 = links(p3.headers.get('link'));
    expect(l3.next).toBeUndefined(); // page not full
    expect(l3.prev).toBe(`${e.url}/api/v1/admin/domain_blocks?limit=500&min_id=203`);
    // Past the end: an empty page has no links at all.
    const p4 = await call(e, '/api/v1/admin/domain_blocks?limit=500&max_id=1');
    expect(p4.data).toEqual([]);
    expect(p4.headers.get('link')).toBeNull();
  });

  it('defaults to 100 and does not echo an unsent limit', async () => {
    const e = await emu({ blocks: seed(150) });
    const r = await call(e, '/api/v1/admin/domain_blocks');
    expect(r.data).toHaveLength(100);
    const l = links(r.headers.get('link'));
    expect(l.next).toBe(`${e.url}/api/v1/admin/domain_blocks?max_id=51`);
    expect(l.prev).toBe(`${e.url}/api/v1/admin/domain_blocks?min_id=150`);
  });

  it('caps limit at 500 (echoing the limit as sent), takes abs of negatives, and fails on 0', async () => {
    const e = await emu({ blocks: seed(1203) });
    const r = await call(e, '/api/v1/admin/domain_blocks?limit=1000');
    expect(r.data).toHaveLength(500);
    expect(links(r.headers.get('link')).next).toBe(`${e.url}/api/v1/admin/domain_blocks?limit=1000&max_id=704`);
    expect((await call(e, '/api/v1/admin/domain_blocks?limit=-3')).data).toHaveLength(3);
    expect((await call(e, '/api/v1/admin/domain_blocks?limit=0')).status).toBe(500);
  });

  it('caps at 200 before 4.3', async () => {
    const e = await emu({ blocks: seed(300), version: '4.2.12' });
    expect((await call(e, '/api/v1/admin/domain_blocks?limit=500')).data).toHaveLength(200);
  });

  it('min_id gives the ids just above it, since_id the newest above it, both newest first', async () => {
    const e = await emu({ blocks: seed(50) });
    expect(ids((await call(e, '/api/v1/admin/domain_blocks?limit=5&min_id=10')).data)).toEqual([15, 14, 13, 12, 11]);
    expect(ids((await call(e, '/api/v1/admin/domain_blocks?limit=5&since_id=10')).data)).toEqual([50, 49, 48, 47, 46]);
    expect(ids((await call(e, '/api/v1/admin/domain_blocks?limit=5&max_id=20&since_id=17')).data)).toEqual([19, 18]);
    expect(ids((await call(e, '/api/v1/admin/domain_blocks?limit=5&min_id=10&max_id=13')).data)).toEqual([12, 11]);
  });
});

describe('§1.2/§1.5 create', () => {
  it('returns the entity exactly, with digest, ms timestamp and string id', async () => {
    const e = await emu();
    const r = await call(e, '/api/v1/admin/domain_blocks', { method: 'POST', json: { domain: 'bad.example', severity: 'suspend', public_comment: 'spam' } });
    expect(r.status).toBe(200);
    expect(Object.keys(r.data)).toEqual(['id', 'domain', 'digest', 'created_at', 'severity', 'reject_media', 'reject_reports', 'private_comment', 'public_comment', 'obfuscate']);
    expect(r.data).toMatchObject({ id: '1', domain: 'bad.example', severity: 'suspend', reject_media: false, private_comment: null, public_comment: 'spam', obfuscate: false });
    expect(r.data.digest).toBe('86bbe8ffb912a153c9a8b396246aeeae079cd324af4dd947a2bf59a698eabc62');
    expect(r.data.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // Defaults: silence, flags false; form encoding and Rails boolean casts work.
    const f = await call(e, '/api/v1/admin/domain_blocks', { method: 'POST', form: 'domain=other.example&reject_media=1&reject_reports=off' });
    expect(f.data).toMatchObject({ id: '2', severity: 'silence', reject_media: true, reject_reports: false });
    expect(e.blocks().map((b) => b.domain)).toEqual(['other.example', 'bad.example']);
  });

  it('422 with existing_domain_block when the same domain (in any spelling) exists, even if stricter', async () => {
    const e = await emu({ blocks: [{ domain: 'example.com', severity: 'silence' }] });
    for (const domain of ['example.com', 'EXAMPLE.com.', 'example.com/']) {
      const r = await call(e, '/api/v1/admin/domain_blocks', { method: 'POST', json: { domain, severity: 'suspend' } });
      expect(r.status).toBe(422);
      expect(r.data.error).toBe('You have already imposed stricter limits on example.com.');
      expect(r.data.existing_domain_block).toMatchObject({ id: '1', domain: 'example.com', severity: 'silence', digest: sha('example.com') });
    }
  });

  it('allows a child only when stricter than the most specific parent', async () => {
    const e = await emu({
      blocks: [
        { domain: 'silenced.example', severity: 'silence', reject_media: true },
        { domain: 'suspended.example', severity: 'suspend' },
        { domain: 'plain.example', severity: 'silence' },
      ],
    });
    const post = (json: unknown) => call(e, '/api/v1/admin/domain_blocks', { method: 'POST', json });
    expect((await post({ domain: 'a.silenced.example', severity: 'suspend' })).status).toBe(200);
    const looser = await post({ domain: 'b.suspended.example', severity: 'silence' });
    expect(looser.status).toBe(422);
    expect(looser.data.existing_domain_block.domain).toBe('suspended.example');
    // Equal severity and flags counts as "stricter".
    expect((await post({ domain: 'c.plain.example', severity: 'silence' })).status).toBe(200);
    // Equal severity but dropping the parent's reject_media is looser.
    expect((await post({ domain: 'd.silenced.example', severity: 'silence' })).status).toBe(422);
    expect((await post({ domain: 'e.plain.example', severity: 'noop' })).status).toBe(422);
    // Most specific rule wins: x.a.silenced.example is under the suspend child, so silence is refused.
    const deep = await post({ domain: 'x.a.silenced.example', severity: 'silence', reject_media: true });
    expect(deep.data.existing_domain_block.domain).toBe('a.silenced.example');
    // A parent over existing children is fine (the check only looks upward).
    expect((await post({ domain: 'example', severity: 'noop' })).status).toBe(200);
  });

  it('validates domains and severity with the documented messages (§1.8)', async () => {
    const e = await emu();
    const post = (json: unknown) => call(e, '/api/v1/admin/domain_blocks', { method: 'POST', json });
    for (const domain of ['*.example.com', 'ex_ample.com', 'example.com:443', 'a..b', '.x', 'https://x.com/a', '[::1]', ' padded.example ', 'a'.repeat(64) + '.com']) {
      const r = await post({ domain });
      expect(r.status, domain).toBe(422);
      expect(r.data).toEqual({ error: 'Validation failed: Domain is not a valid domain name' });
    }
    expect((await post({ severity: 'silence' })).data).toEqual({ error: "Validation failed: Domain can't be blank" });
    expect((await post({ domain: 'ok.example', severity: 'limit' })).data).toEqual({ error: 'Validation failed: Severity is not included in the list' });
    expect((await post({ domain: 'ok.example', reject_media: '' })).status).toBe(422);
    expect((await post({ domain: 'MÜNCHEN.de' })).data.domain).toBe('xn--mnchen-3ya.de');
    expect((await post({ domain: 'faß.de' })).data.domain).toBe('fass.de'); // IDNA2003, not xn--fa-hia.de
    expect((await post({ domain: 'google' })).status).toBe(200);
    expect((await post({ domain: '192.0.2.1' })).status).toBe(200);
  });

  it('strips whitespace from 4.6 on; an invalid severity is a 500 before 4.4', async () => {
    const e46 = await emu({ version: '4.6.4' });
    expect((await call(e46, '/api/v1/admin/domain_blocks', { method: 'POST', json: { domain: ' padded.example ' } })).data.domain).toBe('padded.example');
    const e43 = await emu({ version: '4.3.9' });
    expect((await call(e43, '/api/v1/admin/domain_blocks', { method: 'POST', json: { domain: 'x.example', severity: 'limit' } })).status).toBe(500);
  });
});

describe('§1.4/§1.6/§1.7 show, update, destroy', () => {
  it('updates partially, ignores domain, and counts a no-op PUT as a write', async () => {
    const e = await emu({ blocks: [{ domain: 'bad.example', severity: 'suspend', public_comment: 'spam', reject_reports: true }] });
    const r = await call(e, '/api/v1/admin/domain_blocks/1', { method: 'PUT', json: { severity: 'silence', domain: 'other.example' } });
    expect(r.status).toBe(200);
    expect(r.data).toMatchObject({ id: '1', domain: 'bad.example', severity: 'silence', public_comment: 'spam', reject_reports: true });
    const p = await call(e, '/api/v1/admin/domain_blocks/1', { method: 'PATCH', form: 'obfuscate=t' });
    expect(p.data.obfuscate).toBe(true);
    await call(e, '/api/v1/admin/domain_blocks/1', { method: 'PUT', json: {} });
    expect(e.writes().map((w) => w.method)).toEqual(['PUT', 'PATCH', 'PUT']);
    expect((await call(e, '/api/v1/admin/domain_blocks/1')).data.severity).toBe('silence');
    const bad = await call(e, '/api/v1/admin/domain_blocks/1', { method: 'PUT', json: { severity: 'nope' } });
    expect(bad.status).toBe(422);
  });

  it('deletes with {} and 404s unknown ids', async () => {
    const e = await emu({ blocks: [{ domain: 'bad.example' }] });
    const d = await call(e, '/api/v1/admin/domain_blocks/1', { method: 'DELETE' });
    expect(d.status).toBe(200);
    expect(d.data).toEqual({});
    expect(e.blocks()).toEqual([]);
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const r = await call(e, '/api/v1/admin/domain_blocks/1', { method, json: method === 'PUT' ? {} : undefined });
      expect(r.status).toBe(404);
      expect(r.data).toEqual({ error: 'Record not found' });
    }
    // New ids keep ascending after a delete.
    expect((await call(e, '/api/v1/admin/domain_blocks', { method: 'POST', json: { domain: 'bad.example' } })).data.id).toBe('2');
  });
});

describe('§1.1 auth', () => {
  const tokens = {
    'test-token': { scopes: ['admin:read', 'admin:write'], role: 'admin' as const },
    writer: { scopes: ['admin:write'], role: 'admin' as const },
    granular: { scopes: ['admin:read:domain_blocks', 'admin:write:domain_blocks'], role: 'admin' as const },
    mod: { scopes: ['admin:read', 'admin:write'], role: 'moderator' as const },
    gone: { scopes: ['admin:read', 'admin:write'], role: 'admin' as const, revoked: true },
  };
  const measuresBody = { keys: ['instance_follows'], start_at: '2026-11-24', end_at: '2026-11-25', instance_follows: { domain: 'x.example' } };

  it('checks scopes, roles and tokens with the documented statuses and messages', async () => {
    const e = await emu({ tokens });
    const list = (token: string | null) => call(e, '/api/v1/admin/domain_blocks', { token });
    expect(await list('writer')).toMatchObject({ status: 403, data: { error: 'This action is outside the authorized scopes' } });
    expect((await list('granular')).status).toBe(200);
    expect((await call(e, '/api/v1/admin/domain_blocks', { token: 'granular', method: 'POST', json: { domain: 'g.example' } })).status).toBe(200);
    expect(await list('mod')).toMatchObject({ status: 403, data: { error: 'This action is not allowed' } });
    expect(await list(null)).toMatchObject({ status: 403, data: { error: 'This action is not allowed' } });
    expect(await list('nobody-knows-me')).toMatchObject({ status: 403, data: { error: 'This action is not allowed' } });
    const revoked = await list('gone');
    expect(revoked.status).toBe(401);
    expect(revoked.data.error).toBe('The access token is invalid');

    const measures = (token: string) => call(e, '/api/v1/admin/measures', { token, method: 'POST', json: measuresBody });
    expect(await measures('granular')).toMatchObject({ status: 403, data: { error: 'This action is outside the authorized scopes' } });
    expect((await measures('mod')).status).toBe(200); // view_dashboard is enough
    expect((await measures('test-token')).status).toBe(200);
    e.revoke('test-token');
    expect((await list('test-token')).status).toBe(401);
  });
});

describe('§3 measures', () => {
  const post = (e: Emulator, json: unknown) => call(e, '/api/v1/admin/measures', { method: 'POST', json });
  const follows = {
    'bad.example': { follows: 3, followers: 5, accounts: 40 },
    'a.bad.example': { follows: 1, followers: 0 },
    'notbad.example': { follows: 100, followers: 100 },
  };

  it('requires keys and dates (400), each sub-hash (400), and parseable dates (422)', async () => {
    const e = await emu({ follows });
    const base = { keys: ['instance_follows'], start_at: '2026-11-24', end_at: '2026-11-25', instance_follows: { domain: 'bad.example' } };
    for (const k of ['keys', 'start_at', 'end_at', 'instance_follows']) {
      const { [k]: _drop, ...rest } = base as Record<string, unknown>;
      expect((await post(e, rest)).status, k).toBe(400);
    }
    expect(await post(e, { ...base, start_at: 'not a date' })).toMatchObject({ status: 422, data: { error: 'Invalid date supplied' } });
    // Before the 2026-07 security releases, dates were optional.
    const old = await emu({ follows, version: '4.5.13' });
    expect((await post(old, { keys: ['instance_follows'], instance_follows: { domain: 'bad.example' } })).status).toBe(200);
  });

  it('answers in key order with string totals, summing subdomains only when asked (Ruby truthiness)', async () => {
    const e = await emu({ follows });
    const r = await post(e, {
      keys: ['instance_followers', 'bogus', 'instance_follows', 'instance_accounts'],
      start_at: '2026-11-24',
      end_at: '2026-11-25',
      instance_followers: { domain: 'bad.example', include_subdomains: false },
      instance_follows: { domain: 'bad.example', include_subdomains: true },
      instance_accounts: { domain: 'bad.example' },
    });
    expect(r.status).toBe(200);
    expect(r.data.map((m: any) => [m.key, m.total])).toEqual([
      ['instance_followers', '5'],
      ['instance_follows', '4'],
      ['instance_accounts', '40'],
    ]);
    expect(r.data[0].unit).toBeNull();
    expect(Array.isArray(r.data[0].data)).toBe(true);
    const truthy = await post(e, { keys: ['instance_follows'], start_at: '2026-11-24', end_at: '2026-11-25', instance_follows: { domain: 'bad.example', include_subdomains: 'false' } });
    expect(truthy.data[0].total).toBe('4');
    e.setFollows('bad.example', { follows: 0, followers: 0 });
    e.setFollows('a.bad.example', { follows: 0, followers: 0 });
    // A fresh cache key (other dates) sees the change at once; the cache is covered below.
    expect((await post(e, { keys: ['instance_follows'], start_at: '2026-11-23', end_at: '2026-11-25', instance_follows: { domain: 'bad.example', include_subdomains: true } })).data[0].total).toBe('0');
  });
});

describe('§4 rate limits', () => {
  const RESET = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

  it('counts per token in epoch-aligned windows; 429 has no Retry-After; throttled requests count', async () => {
    let clock = Date.UTC(2026, 10, 25, 8, 50, 18, 123);
    const e = await emu({ rateLimit: { limit: 3, windowMs: 300_000 }, now: () => clock });
    const seen = [];
    for (let i = 0; i < 3; i++) {
      const r = await call(e, '/api/v1/admin/domain_blocks');
      expect(r.status).toBe(200);
      expect(r.headers.get('x-ratelimit-limit')).toBe('3');
      expect(r.headers.get('x-ratelimit-reset')).toMatch(RESET);
      // The window's end plus this request's own fraction (now + period - now.to_i % period).
      expect(r.headers.get('x-ratelimit-reset')).toBe('2026-11-25T08:55:00.123000Z');
      seen.push(r.headers.get('x-ratelimit-remaining'));
    }
    expect(seen).toEqual(['2', '1', '0']);
    const t = await call(e, '/api/v1/admin/domain_blocks');
    expect(t.status).toBe(429);
    expect(t.data).toEqual({ error: 'Too many requests' });
    expect(t.headers.get('content-type')).toMatch(/^application\/json/);
    expect(t.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(t.headers.get('retry-after')).toBeNull();
    // Another token has its own budget; unauthenticated requests count per IP.
    clock += 1000;
    expect((await call(e, '/api/v2/instance', { token: null })).headers.get('x-ratelimit-remaining')).toBe('2');
    // The window ends at the aligned boundary, not 5 minutes after the first request.
    clock = Date.UTC(2026, 10, 25, 8, 55, 0, 0);
    const fresh = await call(e, '/api/v1/admin/domain_blocks');
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('x-ratelimit-remaining')).toBe('2');
    expect(fresh.headers.get('x-ratelimit-reset')).toBe('2026-11-25T09:00:00.000000Z');
    expect(t.headers.get('x-ratelimit-reset')).toBe('2026-11-25T08:55:00.123000Z');
  });

  it('uses the default 300 per 5 minutes', async () => {
    const e = await emu();
    const r = await call(e, '/api/v1/admin/domain_blocks');
    expect(r.headers.get('x-ratelimit-limit')).toBe('300');
    expect(r.headers.get('x-ratelimit-remaining')).toBe('299');
    expect(r.headers.get('x-ratelimit-reset')).toMatch(RESET);
  });
});

describe('§2 public list', () => {
  const blocks = [
    { domain: 'example.com', severity: 'silence' as const, obfuscate: true, public_comment: 'rude' },
    { domain: 'mastodon.social', severity: 'suspend' as const, obfuscate: true },
    { domain: 'hostname.example.com', severity: 'suspend' as const, obfuscate: true },
    { domain: 'bad.example', severity: 'suspend' as const, public_comment: 'spam' },
    { domain: 'quiet.example', severity: 'noop' as const, reject_media: true },
  ];

  it('obfuscates as in the doc examples', () => {
    expect(publicDomain('example.com')).toBe('exa****.*om');
    expect(publicDomain('mastodon.social')).toBe('mast****.***ial');
    expect(publicDomain('hostname.example.com')).toBe('hostna**.******e.com');
  });

  it('is a 404 with an empty body by default', async () => {
    const e = await emu({ blocks });
    const r = await call(e, '/api/v1/instance/domain_blocks', { token: null });
    expect(r.status).toBe(404);
    expect(r.text).toBe('');
  });

  it('lists silence then suspend by real domain, with digests, no noop, comments only when shown', async () => {
    const e = await emu({ blocks, showDomainBlocks: 'all' });
    const r = await call(e, '/api/v1/instance/domain_blocks', { token: null });
    expect(r.status).toBe(200);
    expect(r.data).toEqual([
      { domain: 'exa****.*om', digest: sha('example.com'), severity: 'silence', comment: null },
      { domain: 'bad.example', digest: sha('bad.example'), severity: 'suspend', comment: null },
      { domain: 'hostna**.******e.com', digest: sha('hostname.example.com'), severity: 'suspend', comment: null },
      { domain: 'mast****.***ial', digest: sha('mastodon.social'), severity: 'suspend', comment: null },
    ]);
    expect(r.data[0].digest).toBe('a379a6f6eeafb9a55e378c118034e2751e682fab9f2d30ab13d2125586ce1947');
  });

  it('in users mode needs a signed-in user, for the list and for comments', async () => {
    const e = await emu({ blocks, showDomainBlocks: 'users', showRationale: 'users', tokens: { u: { scopes: ['read'], role: 'user' } } });
    expect((await call(e, '/api/v1/instance/domain_blocks', { token: null })).status).toBe(404);
    const r = await call(e, '/api/v1/instance/domain_blocks', { token: 'u' });
    expect(r.status).toBe(200);
    expect(r.data.find((b: any) => b.digest === sha('bad.example')).comment).toBe('spam');
  });
});

describe('/api/v2/instance (§7 version detection)', () => {
  it('reports Mastodon version and api_versions, or a recognisably GoToSocial shape', async () => {
    const m = await emu();
    const r = await call(m, '/api/v2/instance', { token: null });
    expect(r.data).toMatchObject({ domain: 'admin.example', version: '4.5.14', api_versions: { mastodon: 7 } });
    const g = await emu({ software: 'gotosocial', domain: 'gts.example' });
    const gr = await call(g, '/api/v2/instance', { token: null });
    expect(gr.data.version).toMatch(/git/);
    expect(gr.data.account_domain).toBe('gts.example');
    expect(gr.data.api_versions).toBeUndefined();
  });
});

describe('crashes and faults', () => {
  it('kill() drops connections and keeps state; restart() serves it on the same URL', async () => {
    const e = await emu();
    await call(e, '/api/v1/admin/domain_blocks', { method: 'POST', json: { domain: 'bad.example' } });
    const url = e.url;
    await e.kill();
    await expect(fetch(`${url}/api/v2/instance`)).rejects.toThrow();
    await e.restart();
    expect(e.url).toBe(url);
    const r = await call(e, '/api/v1/admin/domain_blocks');
    expect(r.data.map((b: any) => b.domain)).toEqual(['bad.example']);
  });

  it('fault hook: injected statuses skip the write; kill-after applies it and crashes; kill crashes first', async () => {
    const seen: Array<[string, number]> = [];
    const e = await emu({
      fault: ({ method, writeIndex }) => {
        seen.push([method, writeIndex]);
        if (writeIndex === 1) return { status: 503, body: { error: 'maintenance' } };
        if (writeIndex === 2) return 'kill-after';
        if (writeIndex === 3) return 'kill';
        return undefined;
      },
    });
    const post = (domain: string) => call(e, '/api/v1/admin/domain_blocks', { method: 'POST', json: { domain } });
    expect((await post('a.example')).status).toBe(200);
    await call(e, '/api/v1/admin/domain_blocks');
    expect((await post('b.example')).status).toBe(503);
    await expect(post('c.example')).rejects.toThrow();
    await e.restart();
    await expect(post('d.example')).rejects.toThrow();
    await e.restart();
    expect((await post('e.example')).status).toBe(200);
    expect(e.blocks().map((b) => b.domain)).toEqual(['e.example', 'c.example', 'a.example']);
    expect(seen).toEqual([
      ['POST', 0],
      ['GET', -1],
      ['POST', 1],
      ['POST', 2],
      ['POST', 3],
      ['POST', 4],
    ]);
    expect(e.writes().map((w) => (w.body as any).domain)).toEqual(['a.example', 'c.example', 'e.example']);
    expect(e.writes()[1]!.dropped).toBe(true);
  });

  it('adds latencyMs to responses', async () => {
    const e = await emu({ latencyMs: 50 });
    const t = performance.now();
    await call(e, '/api/v2/instance');
    expect(performance.now() - t).toBeGreaterThanOrEqual(45);
  });
});

describe('§4 rate limits: Reset fraction and the per-user throttle', () => {
  const t0 = Date.UTC(2026, 10, 25, 8, 50, 18) + 0.123456 * 1000;

  it('Reset is the window end plus the request time fraction, 6 digits, so answers of one window differ by < 1 s', async () => {
    let clock = t0;
    const e = await emu({ now: () => clock });
    const a = await call(e, '/api/v1/admin/domain_blocks');
    clock = Date.UTC(2026, 10, 25, 8, 52, 1) + 987.654;
    const b = await call(e, '/api/v1/admin/domain_blocks');
    expect(a.headers.get('x-ratelimit-reset')).toBe('2026-11-25T08:55:00.123456Z');
    expect(b.headers.get('x-ratelimit-reset')).toBe('2026-11-25T08:55:00.987654Z');
    expect(b.headers.get('x-ratelimit-remaining')).toBe('298'); // same window, one more request
  });

  it('1,500 per user beside 300 per token: the user throttle is evaluated first, headers show the fewest remaining', async () => {
    let clock = t0;
    const tokens = { a: { scopes: ['admin:read'], role: 'admin' as const, user: 'alice' }, b: { scopes: ['admin:read'], role: 'admin' as const, user: 'alice' } };
    const e = await emu({ now: () => clock, tokens, rateLimit: { limit: 3, windowMs: 300_000 }, userRateLimit: { limit: 5, windowMs: 300_000 } });
    const get = (token: string) => call(e, '/api/v1/admin/domain_blocks', { token });
    const seen: Array<[number, string | null, string | null]> = [];
    for (const tok of ['a', 'a', 'a', 'a', 'b', 'b']) {
      const r = await get(tok);
      seen.push([r.status, r.headers.get('x-ratelimit-limit'), r.headers.get('x-ratelimit-remaining')]);
    }
    expect(seen).toEqual([
      [200, '3', '2'], // user 1/5, token a 1/3: the token has fewer left
      [200, '3', '1'],
      [200, '3', '0'],
      [429, '3', '0'], // user 4/5, token a 4/3: the token throttle trips
      [200, '5', '0'], // user 5/5, token b 1/3: now the user has fewer left
      [429, '5', '0'], // user 6/5 trips first
    ]);
  });

  it('defaults to 1,500 per user; a raised token limit raises it fivefold (emulator choice)', async () => {
    const tokens = { a: { scopes: ['admin:read'], role: 'admin' as const, user: 'u' }, b: { scopes: ['admin:read'], role: 'admin' as const, user: 'u' } };
    const e = await emu({ tokens });
    for (let i = 0; i < 2; i++) await call(e, '/api/v1/admin/domain_blocks', { token: 'a' });
    const r = await call(e, '/api/v1/admin/domain_blocks', { token: 'b' });
    expect([r.headers.get('x-ratelimit-limit'), r.headers.get('x-ratelimit-remaining')]).toEqual(['300', '299']);
  });
});

describe('§3 measures cache', () => {
  it('keeps a result for 5 minutes per key, dates and params, so counts lag changes', async () => {
    let clock = Date.UTC(2026, 10, 25, 9, 0, 0);
    const e = await emu({ now: () => clock, follows: { 'bad.example': { follows: 2, followers: 0 } } });
    const body = (include: boolean) => ({ keys: ['instance_follows'], start_at: '2026-11-24', end_at: '2026-11-25', instance_follows: { domain: 'bad.example', include_subdomains: include } });
    const total = async (include = true) => (await call(e, '/api/v1/admin/measures', { method: 'POST', json: body(include) })).data[0].total;
    expect(await total()).toBe('2');
    e.setFollows('bad.example', { follows: 0, followers: 0 });
    clock += 4 * 60_000;
    expect(await total()).toBe('2'); // cached
    expect(await total(false)).toBe('0'); // other params, other key
    clock += 60_000 + 1;
    expect(await total()).toBe('0'); // expired
  });
});

describe('§1.1 uniqueness race', () => {
  /** Until the emulator has the request's body (a loaded machine may be slow to send it). */
  const arrived = async (e: Emulator, posts: number) => {
    for (let i = 0; i < 500 && e.requests.filter((r) => r.method === 'POST' && r.body !== undefined).length < posts; i++) await new Promise((r) => setTimeout(r, 5));
  };
  const post = (e: Emulator, domain: string, signal?: AbortSignal) =>
    fetch(`${e.url}/api/v1/admin/domain_blocks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ domain, severity: 'suspend' }),
      ...(signal ? { signal } : {}),
    });

  it('a second POST of a domain whose first create is still in flight gets 422 "Duplicate record" without existing_domain_block', async () => {
    const e = await emu({ fault: (r) => (r.writeIndex === 0 ? { delayMs: 300 } : undefined) });
    const first = post(e, 'bad.example');
    await arrived(e, 1);
    const second = await post(e, 'BAD.example');
    expect(second.status).toBe(422);
    expect(await second.json()).toEqual({ error: 'Duplicate record' });
    // It waited on the unique index for the first transaction, so the row is there by now.
    expect(e.blocks().map((b) => b.domain)).toEqual(['bad.example']);
    expect((await first).status).toBe(200);
    expect(e.blocks().map((b) => b.domain)).toEqual(['bad.example']);
    // Once the first has landed, a POST is the ordinary conflict again.
    const third = await post(e, 'bad.example');
    expect(third.status).toBe(422);
    expect(((await third.json()) as any).existing_domain_block.domain).toBe('bad.example');
  });

  it('a client that gives up does not stop the write; the validator variant says "has already been taken"', async () => {
    const e = await emu({ uniquenessRace: 'taken', fault: (r) => (r.writeIndex === 0 ? { delayMs: 300 } : undefined) });
    const gaveUp = new AbortController();
    const first = post(e, 'bad.example', gaveUp.signal);
    await arrived(e, 1);
    gaveUp.abort();
    await expect(first).rejects.toThrow();
    const retry = await post(e, 'bad.example');
    expect(await retry.json()).toEqual({ error: 'Validation failed: Domain has already been taken' });
    await e.settled();
    expect(e.blocks().map((b) => b.domain)).toEqual(['bad.example']);
    expect(e.requests.filter((r) => r.method === 'POST').map((r) => [r.status, r.dropped === true])).toEqual([
      [200, true],
      [422, false],
    ]);
  });
});

describe('§1.8 normalisation without the client\'s code', () => {
  it('maps non-ASCII names from the fixture table of Mastodon outputs, and refuses what it cannot normalise', async () => {
    const e = await emu();
    const post = (domain: string) => call(e, '/api/v1/admin/domain_blocks', { method: 'POST', json: { domain } });
    expect((await post('MÜNCHEN.de')).data.domain).toBe('xn--mnchen-3ya.de');
    expect((await post('faß.de.')).data.domain).toBe('fass.de');
    expect((await post('example.com.')).data.domain).toBe('example.com');
    expect((await post('xn--bcher-kva.example')).data.domain).toBe('xn--bcher-kva.example');
    expect((await post('bücher.example')).status).toBe(422); // same row as the punycode one
    expect(await post('ünknown.example')).toMatchObject({ status: 422, data: { error: 'Validation failed: Domain is not a valid domain name' } });
  });

  it('imports nothing from the client but types, and no IDNA library', async () => {
    const { readFile } = await import('node:fs/promises');
    const src = await readFile(new URL('./mastodon-emulator.ts', import.meta.url), 'utf8');
    const imports = [...src.matchAll(/^import\s+(type\s+)?[^'"]*from\s+'([^']+)'/gm)].map((m) => [m[1] !== undefined, m[2]!] as const);
    for (const [typeOnly, from] of imports) {
      expect(from, from).not.toMatch(/tr46|punycode|idna/);
      if (from.includes('/src/')) expect(typeOnly, from).toBe(true);
    }
  });
});

describe('effects, admin edits and more faults', () => {
  it('records every change in order, from the API and from the admin, with before and after', async () => {
    const e = await emu({ blocks: [{ domain: 'seed.example', severity: 'suspend' }] });
    const created = await call(e, '/api/v1/admin/domain_blocks', { method: 'POST', json: { domain: 'a.example', severity: 'silence' } });
    e.admin.update('seed.example', { severity: 'silence', private_comment: 'by hand' });
    await call(e, `/api/v1/admin/domain_blocks/${created.data.id}`, { method: 'PUT', json: { severity: 'suspend' } });
    e.admin.create({ domain: 'b.example', severity: 'noop', reject_media: true });
    e.admin.remove('a.example');
    expect(e.effects().map((x) => [x.seq, x.domain, x.before?.severity ?? null, x.after?.severity ?? null])).toEqual([
      [1, 'a.example', null, 'silence'],
      [2, 'seed.example', 'suspend', 'silence'],
      [3, 'a.example', 'silence', 'suspend'],
      [4, 'b.example', null, 'noop'],
      [5, 'a.example', 'suspend', null],
    ]);
    expect(e.requests.filter((r) => r.effect).map((r) => r.effect!.seq)).toEqual([1, 3]);
    expect(e.blocks().map((b) => [b.domain, b.private_comment])).toEqual([
      ['b.example', ''],
      ['seed.example', 'by hand'],
    ]);
  });

  it('reset-after applies the write and drops only that connection', async () => {
    const e = await emu({ fault: (r) => (r.writeIndex === 0 ? 'reset-after' : undefined) });
    await expect(call(e, '/api/v1/admin/domain_blocks', { method: 'POST', json: { domain: 'a.example' } })).rejects.toThrow();
    expect((await call(e, '/api/v1/admin/domain_blocks')).data.map((b: any) => b.domain)).toEqual(['a.example']);
    expect(e.writes()[0]!.dropped).toBe(true);
  });
});
