// The client against small purpose-built loopback servers, for behaviour the emulator does not
// produce (redirects, Retry-After, foreign pagination links, hangs, old page caps).
import { afterEach, describe, expect, it } from 'vitest';
import { MastodonClient, type ClientEvent } from '../../src/destinations/mastodon/client.js';
import { emptyBlock } from '../../src/model.js';
import { entity, fakeClock, json, tinyServer } from './helpers.js';

const TOKEN = 'sekrit-token-0123456789';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(handler: Parameters<typeof tinyServer>[0]) {
  const s = await tinyServer(handler);
  cleanups.push(s.close);
  return s;
}
function client(url: string, extra: Partial<ConstructorParameters<typeof MastodonClient>[0]> = {}) {
  const clock = fakeClock();
  const events: ClientEvent[] = [];
  const c = new MastodonClient({ baseUrl: url, token: TOKEN, now: clock.now, sleep: clock.sleep, onEvent: (e) => events.push(e), ...extra });
  cleanups.push(() => c.close());
  return { c, clock, events };
}
const text = (e: unknown) => {
  const err = e as Error & { hint?: string };
  return [err.message, err.hint ?? '', String(err), err.stack ?? '', JSON.stringify(err)].join('\n');
};

describe('redirects and foreign links', () => {
  it('does not follow a redirect, names the Location host, and never sends the token there', async () => {
    const other = await server((_r, res) => json(res, 200, []));
    const s = await server((_r, res) => {
      res.writeHead(301, { location: `${other.url}/api/v1/admin/domain_blocks?limit=500` });
      res.end();
    });
    const { c } = client(s.url);
    const e = await c.listDomainBlocks().catch((x: unknown) => x);
    expect((e as Error).message).toContain(`redirected GET /api/v1/admin/domain_blocks to ${other.host}`);
    expect(other.seen).toHaveLength(0);
    expect(c.requestCount).toBe(1);
    expect(text(e)).not.toContain(TOKEN);
    expect(s.seen[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('refuses a pagination link to another origin', async () => {
    const other = await server((_r, res) => json(res, 200, []));
    const page = Array.from({ length: 500 }, (_, i) => entity(1000 - i, `d${i}.example`));
    const s = await server((_r, res) => json(res, 200, page, { link: `<${other.url}/api/v1/admin/domain_blocks?limit=500&max_id=501>; rel="next"` }));
    const { c } = client(s.url);
    await expect(c.listDomainBlocks()).rejects.toThrow(new RegExp(`pagination link to ${other.host}`));
    expect(other.seen).toHaveLength(0);
  });
});

describe('pagination variants', () => {
  it('follows links from a server capping pages at 200 (Mastodon < 4.3)', async () => {
    const all = Array.from({ length: 450 }, (_, i) => entity(450 - i, `d${i}.example`));
    const s = await server((r, res) => {
      const u = new URL(r.url, 'http://x');
      const max = u.searchParams.get('max_id');
      const rest = max ? all.filter((b) => Number(b.id) < Number(max)) : all;
      const pageRows = rest.slice(0, 200);
      const link = pageRows.length === 200 ? { link: `<http://${r.headers.host}/api/v1/admin/domain_blocks?limit=500&max_id=${pageRows.at(-1)!.id}>; rel="next"` } : undefined;
      json(res, 200, pageRows, link);
    });
    const { c } = client(s.url);
    expect(await c.listDomainBlocks()).toHaveLength(450);
    expect(s.seen).toHaveLength(3);
  });

  it('stops at a page shorter than the server’s page size even when a next link is present', async () => {
    const s = await server((r, res, n) => {
      const rows = n === 0 ? Array.from({ length: 500 }, (_, i) => entity(1000 - i, `d${i}.example`)) : [entity(3, 'last.example')];
      json(res, 200, rows, { link: `<http://${r.headers.host}/api/v1/admin/domain_blocks?limit=500&max_id=${n === 0 ? 501 : 3}>; rel="next"` });
    });
    const { c } = client(s.url);
    expect(await c.listDomainBlocks()).toHaveLength(501);
    expect(s.seen).toHaveLength(2);
  });

  it('refuses a pagination loop', async () => {
    const s = await server((r, res) => json(res, 200, [entity(1, 'a.example')], { link: `<http://${r.headers.host}/api/v1/admin/domain_blocks?limit=500>; rel="next"` }));
    const { c } = client(s.url);
    await expect(c.listDomainBlocks()).rejects.toThrow(/loops back/);
  });

  it('validates entities with a readable message', async () => {
    const s = await server((_r, res) => json(res, 200, [entity(1, 'a.example', { severity: 'limit' })]));
    const { c } = client(s.url);
    await expect(c.listDomainBlocks()).rejects.toThrow(/unexpected domain block from GET \/api\/v1\/admin\/domain_blocks at 0\.severity/);
  });
});

describe('rate limiting', () => {
  it('honours Retry-After (seconds) over Reset', async () => {
    const s = await server((_r, res, n) =>
      n === 0 ? json(res, 429, { error: 'Too many requests' }, { 'retry-after': '7', 'x-ratelimit-reset': '2099-01-01T00:00:00.000000Z' }) : json(res, 200, []),
    );
    const { c, clock } = client(s.url);
    await c.listDomainBlocks();
    expect(clock.sleeps).toEqual([8_000]); // 7 s plus the 1 s margin
  });

  it('waits for X-RateLimit-Reset (6 fractional digits) when there is no Retry-After', async () => {
    let clockRef: ReturnType<typeof fakeClock> | undefined;
    const s = await server((_r, res, n) => {
      const reset = new Date(clockRef!.t + 42_000).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
      if (n === 0) json(res, 429, { error: 'Too many requests' }, { 'x-ratelimit-limit': '300', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset });
      else json(res, 200, []);
    });
    const x = client(s.url);
    clockRef = x.clock;
    await x.c.listDomainBlocks();
    expect(x.clock.sleeps).toEqual([43_000]);
    expect(x.c.requestCount).toBe(2);
  });

  it('caps repeated 429s', async () => {
    const s = await server((_r, res) => json(res, 429, { error: 'Too many requests' }, { 'retry-after': '1' }));
    const { c } = client(s.url);
    await expect(c.listDomainBlocks()).rejects.toThrow(/kept rate-limiting/);
    expect(c.requestCount).toBe(9);
  });
});

describe('transport', () => {
  it('retries after a timeout', async () => {
    const s = await server((_r, res, n) => {
      if (n === 0) return; // never answers
      json(res, 200, []);
    });
    const { c, events } = client(s.url, { timeoutMs: 100 });
    expect(await c.listDomainBlocks()).toEqual([]);
    expect(events).toContainEqual(expect.objectContaining({ type: 'retry', reason: 'no answer within 100 ms' }));
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    let id = 0;
    const s = await server(async (r, res) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((ok) => setTimeout(ok, 5));
      inFlight--;
      const body = JSON.parse(r.body) as { domain: string };
      json(res, 200, entity(++id, body.domain));
    });
    const { c } = client(s.url, { concurrency: 3 });
    expect(c.concurrency).toBe(3);
    await Promise.all(Array.from({ length: 20 }, (_, i) => c.createDomainBlock(emptyBlock(`d${i}.example`))));
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1); // no rate-limit headers: not throttled to one at a time
    expect(c.writeCount).toBe(20);
  });

  it('sends explicit JSON booleans on create', async () => {
    const s = await server((r, res) => json(res, 200, entity(1, (JSON.parse(r.body) as { domain: string }).domain)));
    const { c } = client(s.url);
    await c.createDomainBlock(emptyBlock('a.example', 'noop'));
    expect(JSON.parse(s.seen[0]!.body)).toEqual({
      domain: 'a.example',
      severity: 'noop',
      reject_media: false,
      reject_reports: false,
      obfuscate: false,
      public_comment: '',
      private_comment: '',
    });
    expect(s.seen[0]!.headers['content-type']).toBe('application/json');
  });

  it('scrubs the token from server messages echoed into errors', async () => {
    const s = await server((_r, res) => json(res, 422, { error: `Validation failed: ${TOKEN}` }));
    const { c } = client(s.url);
    const e = await c.createDomainBlock(emptyBlock('a.example')).catch((x: unknown) => x);
    expect((e as Error).message).toContain('a.example');
    expect(text(e)).not.toContain(TOKEN);
  });

  it('explains an unknown 403 naming both causes', async () => {
    const s = await server((_r, res) => json(res, 403, { error: 'Diese Aktion ist nicht erlaubt' }));
    const { c } = client(s.url);
    await expect(c.listDomainBlocks()).rejects.toThrow(/either the token lacks the scope admin:read:domain_blocks .* or the account lacks the permission/);
  });
});
