// The client against the shared Mastodon emulator (test/emulator), with a fake clock for waits.
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator/mastodon-emulator.js';
import { MastodonClient, type ClientEvent, type MastodonClientOptions } from '../../src/destinations/mastodon/client.js';
import { MastodonStore } from '../../src/destinations/mastodon/mastodon-store.js';
import { MeasuresError } from '../../src/destinations/mastodon/errors.js';
import { ExistingBlockConflict } from '../../src/sync/store.js';
import { FediblockError } from '../../src/errors.js';
import { emptyBlock } from '../../src/model.js';
import { fakeClock } from './helpers.js';

const TOKEN = 'test-token';
let emu: Emulator | undefined;
const clients: MastodonClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await emu?.stop();
  emu = undefined;
});

async function setup(eopts: EmulatorOptions = {}, copts: Partial<MastodonClientOptions> = {}) {
  const clock = fakeClock();
  const events: ClientEvent[] = [];
  emu = await startEmulator({ now: clock.now, ...eopts });
  const client = new MastodonClient({ baseUrl: emu.url, token: TOKEN, now: clock.now, sleep: clock.sleep, onEvent: (e) => events.push(e), ...copts });
  clients.push(client);
  return { emu, client, clock, events };
}

const noToken = (e: unknown, token: string) => {
  const err = e as Error & { hint?: string };
  const all = [err.message, err.hint ?? '', String(err), err.stack ?? '', JSON.stringify(err), String(err.cause ?? '')].join('\n');
  expect(all).not.toContain(token);
};

describe('listing', () => {
  it('pages through 1,203 blocks with limit=500 in 3 requests', async () => {
    const blocks = Array.from({ length: 1203 }, (_, i) => ({ domain: `d${i}.example`, severity: 'suspend' as const, public_comment: i % 2 ? 'spam' : '' }));
    const { emu, client } = await setup({ blocks });
    const got = await client.listDomainBlocks();
    expect(got).toHaveLength(1203);
    expect(new Set(got.map((b) => b.domain)).size).toBe(1203);
    expect(client.requestCount).toBe(3);
    expect(emu.requests.map((r) => r.query)).toEqual([expect.stringMatching(/^limit=500$/), expect.stringContaining('max_id='), expect.stringContaining('max_id=')]);
    const one = got.find((b) => b.domain === 'd2.example')!;
    expect(one).toMatchObject({ severity: 'suspend', reject_media: false, reject_reports: false, obfuscate: false, public_comment: '', private_comment: '' });
    expect(typeof one.id).toBe('string');
  });

  it('lists an empty instance with one request', async () => {
    const { client } = await setup();
    expect(await client.listDomainBlocks()).toEqual([]);
    expect(client.requestCount).toBe(1);
  });
});

describe('writes', () => {
  it('creates, updates and deletes; refuses an empty update without sending it', async () => {
    const { emu, client } = await setup();
    const store = new MastodonStore(client);
    expect(store.name).toBe(new URL(emu.url).host);
    const created = await store.create({ ...emptyBlock('bad.example', 'silence'), reject_media: true, private_comment: '[fediblock]' });
    expect(created).toMatchObject({ domain: 'bad.example', severity: 'silence', reject_media: true, private_comment: '[fediblock]' });
    const post = emu.requests.find((r) => r.method === 'POST')!;
    expect(post.body).toMatchObject({ reject_media: true, reject_reports: false, obfuscate: false });

    const updated = await store.update(created.id, { severity: 'suspend' });
    expect(updated.severity).toBe('suspend');
    expect(emu.requests.find((r) => r.method === 'PUT')!.body).toEqual({ severity: 'suspend' });

    const before = client.requestCount;
    await expect(store.update(created.id, {})).rejects.toThrow(/empty update/);
    await expect(client.updateDomainBlock(created.id, { severity: undefined })).rejects.toThrow(/empty update/);
    expect(client.requestCount).toBe(before);

    await store.remove(created.id);
    expect(emu.blocks()).toEqual([]);
    expect(client.writeCount).toBe(3);
  });

  it('treats a DELETE 404 as already gone, and reports it', async () => {
    const { client, events } = await setup();
    await client.deleteDomainBlock('999');
    expect(events).toContainEqual({ type: 'already-gone', id: '999', path: '/api/v1/admin/domain_blocks/999' });
  });

  it('validates severity before sending', async () => {
    const { client } = await setup();
    await expect(client.createDomainBlock({ ...emptyBlock('x.example'), severity: 'limit' as never })).rejects.toThrow(/invalid severity/);
    await expect(client.updateDomainBlock('1', { severity: 'limit' as never })).rejects.toThrow(/invalid severity/);
    expect(client.requestCount).toBe(0);
  });

  it('turns a 422 with existing_domain_block into ExistingBlockConflict (same domain and parent)', async () => {
    const { client } = await setup({ blocks: [{ domain: 'example.com', severity: 'suspend' }] });
    const same = await client.createDomainBlock(emptyBlock('example.com', 'suspend')).catch((e: unknown) => e);
    expect(same).toBeInstanceOf(ExistingBlockConflict);
    expect((same as ExistingBlockConflict).existing).toMatchObject({ domain: 'example.com', severity: 'suspend', id: '1' });
    const child = await client.createDomainBlock(emptyBlock('sub.example.com', 'silence')).catch((e: unknown) => e);
    expect(child).toBeInstanceOf(ExistingBlockConflict);
    expect((child as ExistingBlockConflict).existing.domain).toBe('example.com');
  });

  it('reports other 422s with the server message and the domain', async () => {
    const { client } = await setup();
    const e = await client.createDomainBlock(emptyBlock('bad_domain.example')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FediblockError);
    expect(e).not.toBeInstanceOf(ExistingBlockConflict);
    expect((e as Error).message).toMatch(/bad_domain\.example/);
    expect((e as Error).message).toMatch(/Validation failed/);
  });

  it('a POST whose answer was lost comes back as a conflict on retry', async () => {
    let killed = false;
    const clock = fakeClock();
    emu = await startEmulator({ now: clock.now, fault: (r) => (r.method === 'POST' && !killed ? ((killed = true), 'kill-after') : undefined) });
    const e = emu;
    const client = new MastodonClient({ baseUrl: e.url, token: TOKEN, now: clock.now, sleep: async (ms) => { await e.restart(); await clock.sleep(ms); } });
    clients.push(client);
    const err = await client.createDomainBlock(emptyBlock('landed.example')).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ExistingBlockConflict);
    expect(e.blocks().map((b) => b.domain)).toEqual(['landed.example']);
    expect(client.writeCount).toBe(2);
  });
});

describe('a retried POST that loses the race to its own first attempt (issue 9, hole 9)', () => {
  const ours = { ...emptyBlock('raced.example', 'suspend'), private_comment: 'spam [fediblock]' };

  it('422 "Duplicate record" without existing_domain_block: re-read, and it is ours, so created', async () => {
    // The first attempt is slow: the client gives up (timeout) and retries while the first still
    // holds the unique index; Mastodon then answers the retry 422 "Duplicate record" (§1.1).
    let n = 0;
    const { emu, client } = await setup({ fault: (r) => (r.method === 'POST' && n++ === 0 ? { delayMs: 1_500 } : undefined) }, { timeoutMs: 1_000 });
    const got = await client.createDomainBlock(ours);
    expect(got).toMatchObject({ domain: 'raced.example', severity: 'suspend', private_comment: 'spam [fediblock]' });
    expect(emu.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([200, 422]);
    expect(emu.blocks()).toHaveLength(1);
  });

  it('"Domain has already been taken" is the same race; a block that is not ours there is a conflict', async () => {
    let n = 0;
    const r1 = await setup({ uniquenessRace: 'taken', fault: (r) => (r.method === 'POST' && n++ === 0 ? { delayMs: 1_500 } : undefined) }, { timeoutMs: 1_000 });
    expect(await r1.client.createDomainBlock(ours)).toMatchObject({ domain: 'raced.example' });
    await r1.client.close();
    await r1.emu.stop();

    // Someone else's block behind the same answer: reported as the conflict it is.
    const r2 = await setup({
      blocks: [{ domain: 'raced.example', severity: 'silence', private_comment: 'by hand' }],
      fault: (r) => (r.method === 'POST' ? { status: 422, body: { error: 'Duplicate record' } } : undefined),
    });
    const e = await r2.client.createDomainBlock(ours).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ExistingBlockConflict);
    expect((e as ExistingBlockConflict).existing).toMatchObject({ domain: 'raced.example', severity: 'silence' });
  });

  it('a 422 whose re-read finds nothing stays the error it was', async () => {
    const { client } = await setup({ fault: (r) => (r.method === 'POST' ? { status: 422, body: { error: 'Duplicate record' } } : undefined) });
    const e = await client.createDomainBlock(ours).catch((x: unknown) => x);
    expect(e).not.toBeInstanceOf(ExistingBlockConflict);
    expect((e as Error).message).toMatch(/refused to block raced\.example: Duplicate record/);
  });
});

describe('measures refused (issue 9, hole 9)', () => {
  it('a token whose measures calls get 403 is asked once; the other domains fail without a request', async () => {
    const { emu, client } = await setup({ tokens: { [TOKEN]: { scopes: ['admin:read:domain_blocks', 'admin:write:domain_blocks'], role: 'admin' } } });
    await client.listDomainBlocks(); // the rate window is known: the checks could go out four at a time
    const domains = Array.from({ length: 12 }, (_, i) => `d${i}.example`);
    const results = await Promise.all(domains.map((d) => client.followCounts(d).catch((x: unknown) => x)));
    for (const [i, r] of results.entries()) {
      expect(r).toBeInstanceOf(MeasuresError);
      expect((r as MeasuresError).domain).toBe(domains[i]);
      expect((r as MeasuresError).status).toBe(403);
    }
    expect(emu.requests.filter((r) => r.path === '/api/v1/admin/measures')).toHaveLength(1);
  });
});

describe('rate limits', () => {
  it('never spends the reserve: limit 20, reserve 0.1, 50 concurrent creates', async () => {
    const windowMs = 60_000;
    const { emu, client, clock } = await setup({ rateLimit: { limit: 20, windowMs } }, { reserve: 0.1, concurrency: 4 });
    const start = clock.t;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => client.createDomainBlock(emptyBlock(`d${i}.example`))));
    expect(results).toHaveLength(50);
    expect(emu.blocks()).toHaveLength(50);
    expect(emu.requests.every((r) => r.status === 200)).toBe(true); // no 429
    expect(client.budget.lowestRemaining).toBeGreaterThanOrEqual(2);
    const perWindow = new Map<number, number>();
    for (const r of emu.requests) perWindow.set(Math.floor(r.at / windowMs), (perWindow.get(Math.floor(r.at / windowMs)) ?? 0) + 1);
    for (const n of perWindow.values()) expect(n).toBeLessThanOrEqual(18);
    // It waited for windows to end instead of a fixed pause per call.
    expect(clock.sleeps.length).toBeLessThan(10);
    expect(clock.t - start).toBeGreaterThanOrEqual(2 * windowMs - windowMs);
  });

  it('on 429 without Retry-After waits until X-RateLimit-Reset, then succeeds', async () => {
    const windowMs = 60_000;
    const { emu, client, clock, events } = await setup({ rateLimit: { limit: 5, windowMs } }, { reserve: 0 });
    clock.t = Math.floor(clock.t / windowMs) * windowMs + 10_000;
    // The admin (same token) spends the whole window elsewhere.
    for (let i = 0; i < 5; i++) await fetch(`${emu.url}/api/v2/instance`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((r) => r.text());
    const resetAt = Math.floor(clock.t / windowMs) * windowMs + windowMs;
    const list = await client.listDomainBlocks();
    expect(list).toEqual([]);
    const mine = emu.requests.slice(5);
    expect(mine.map((r) => r.status)).toEqual([429, 200]);
    expect(clock.t).toBeGreaterThanOrEqual(resetAt);
    expect(clock.t).toBeLessThanOrEqual(resetAt + 2_000);
    expect(events.some((e) => e.type === 'rate-limited')).toBe(true);
    expect(client.requestCount).toBe(2);
  });
});

describe('retries', () => {
  it('retries 5xx and network resets, then succeeds', async () => {
    let n = 0;
    const { client, clock, events } = await setup({ fault: () => (n++ === 0 ? { status: 502, body: '<html>bad gateway</html>' } : n === 2 ? 'reset' : undefined) });
    expect(await client.listDomainBlocks()).toEqual([]);
    expect(client.requestCount).toBe(3);
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(2);
    expect(clock.sleeps).toHaveLength(2);
    expect(clock.sleeps[1]!).toBeGreaterThanOrEqual(500); // exponential: second backoff ≥ half of 1 s
  });

  it('gives up after maxRetries with a message naming host and path', async () => {
    const { client, emu } = await setup({ fault: () => ({ status: 503, body: { error: 'down' } }) }, { maxRetries: 2 });
    const e = await client.listDomainBlocks().catch((x: unknown) => x);
    expect((e as Error).message).toContain(new URL(emu.url).host);
    expect((e as Error).message).toContain('GET /api/v1/admin/domain_blocks');
    expect((e as Error).message).toContain('503');
    expect(client.requestCount).toBe(3);
  });
});

describe('auth errors', () => {
  const tokens = {
    'revoked-token-abc': { scopes: ['admin:read', 'admin:write'], revoked: true },
    'writeonly-token-abc': { scopes: ['admin:write:domain_blocks'] },
    'readonly-token-abc': { scopes: ['admin:read:domain_blocks'] },
    'moderator-token-abc': { scopes: ['admin:read', 'admin:write'], role: 'moderator' as const },
  };
  const as = async (token: string) => {
    const r = await setup({ tokens });
    const c = new MastodonClient({ baseUrl: r.emu.url, token, now: r.clock.now, sleep: r.clock.sleep, onEvent: (e) => r.events.push(e) });
    clients.push(c);
    return { ...r, c };
  };

  it('401: revoked token', async () => {
    const { c, emu, events } = await as('revoked-token-abc');
    const e = await c.listDomainBlocks().catch((x: unknown) => x);
    expect((e as Error).message).toMatch(new RegExp(`${new URL(emu.url).host} rejected the token \\(unknown, revoked or expired\\)`));
    expect((e as Error).message).toMatch(/admin:read/);
    noToken(e, 'revoked-token-abc');
    expect(JSON.stringify(events)).not.toContain('revoked-token-abc');
  });

  it('403 scope: names the read scope for listing, the write scope for writes, admin:read for measures', async () => {
    const w = await as('writeonly-token-abc');
    const e1 = await w.c.listDomainBlocks().catch((x: unknown) => x);
    expect((e1 as Error).message).toMatch(/lacks the scope admin:read:domain_blocks/);
    expect((e1 as Error).message).toContain('GET /api/v1/admin/domain_blocks');
    noToken(e1, 'writeonly-token-abc');
    await w.c.close();
    await emu!.stop();

    const r = await as('readonly-token-abc');
    const e2 = await r.c.createDomainBlock(emptyBlock('x.example')).catch((x: unknown) => x);
    expect((e2 as Error).message).toMatch(/lacks the scope admin:write:domain_blocks/);
    noToken(e2, 'readonly-token-abc');
    const e3 = await r.c.followCounts('x.example').catch((x: unknown) => x);
    expect(e3).toBeInstanceOf(MeasuresError);
    expect((e3 as MeasuresError).status).toBe(403);
    expect((e3 as Error).message).toMatch(/admin:read \(the only scope measures accept\)/);
    noToken(e3, 'readonly-token-abc');
  });

  it('403 permission: the account lacks Manage Federation', async () => {
    const { c } = await as('moderator-token-abc');
    const e = await c.listDomainBlocks().catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/lacks the permission \(Manage Federation/);
    noToken(e, 'moderator-token-abc');
    // Moderators have View Dashboard: measures work.
    expect(await c.followCounts('x.example')).toEqual({ follows: 0, followers: 0 });
  });
});

describe('measures, instance, public list', () => {
  it('sends dates and JSON booleans, parses string totals', async () => {
    const { client, emu, clock } = await setup({ follows: { 'bad.example': { follows: 3, followers: 5 } } });
    expect(await client.followCounts('bad.example')).toEqual({ follows: 3, followers: 5 });
    const body = emu.requests.at(-1)!.body as Record<string, unknown>;
    expect(body['keys']).toEqual(['instance_follows', 'instance_followers']);
    expect(body['end_at']).toBe(new Date(clock.t).toISOString().slice(0, 10));
    expect(body['start_at']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(body['instance_follows']).toEqual({ domain: 'bad.example', include_subdomains: true });
    expect(body['instance_followers']).toEqual({ domain: 'bad.example', include_subdomains: true });
  });

  it('wraps measures failures (including 5xx after retries) as MeasuresError', async () => {
    const { client } = await setup({ fault: (r) => (r.path === '/api/v1/admin/measures' ? { status: 500, body: { error: 'boom' } } : undefined) }, { maxRetries: 1 });
    const e = await client.followCounts('bad.example').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MeasuresError);
    expect((e as MeasuresError).domain).toBe('bad.example');
  });

  it('detects Mastodon and GoToSocial', async () => {
    const m = await setup({ version: '4.5.14' });
    expect(await m.client.instanceInfo()).toEqual({ software: 'mastodon', version: '4.5.14', apiVersion: 7, domain: 'admin.example', maxCharacters: 500 });
    await m.client.close();
    await emu!.stop();
    const g = await setup({ software: 'gotosocial' });
    expect(await g.client.instanceInfo()).toMatchObject({ software: 'other', version: '0.20.0 git-57cb4fe', maxCharacters: 5000 });
  });

  it('public list: 404 when show_domain_blocks is disabled, the list when shown', async () => {
    const d = await setup();
    await expect(d.client.publicDomainBlocks()).rejects.toThrow('the instance does not publish its block list (show_domain_blocks is disabled)');
    await d.client.close();
    await emu!.stop();
    const a = await setup({ showDomainBlocks: 'all', blocks: [{ domain: 'bad.example', severity: 'suspend' }] });
    const pub = new MastodonClient({ baseUrl: a.emu.url });
    clients.push(pub);
    expect(await pub.publicDomainBlocks()).toEqual([expect.objectContaining({ domain: 'bad.example', severity: 'suspend' })]);
  });
});
