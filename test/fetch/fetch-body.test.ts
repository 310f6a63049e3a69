import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isIPv4 } from 'node:net';
import { fetchBody, FetchError, redactUrl } from '../../src/sources/fetch-body.js';
import { isLoopbackHost } from '../../src/sources/loopback-host.js';
import { FediblockError } from '../../src/errors.js';
import { closedPort, noSleep, tempDir, useServers } from './helpers.js';

const { serve, cleanups } = useServers(afterEach);
const opts = { timeoutMs: 5_000, maxBytes: 10_000, sleep: noSleep };

async function rejection(p: Promise<unknown>): Promise<FetchError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FetchError);
  expect(err).toBeInstanceOf(FediblockError);
  return err as FetchError;
}

describe('fetchBody: local files', () => {
  it('reads a path and a file: URL, keeping the BOM for the parser', async () => {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    const p = join(dir.path, 'list.txt');
    await writeFile(p, '\uFEFFa.example\n');
    const a = await fetchBody({ kind: 'file', path: p }, opts);
    const b = await fetchBody({ kind: 'url', url: pathToFileURL(p).href }, opts);
    expect(a).toMatchObject({ status: 'ok', body: '\uFEFFa.example\n' });
    expect(b).toMatchObject({ status: 'ok', body: '\uFEFFa.example\n' });
  });

  it('refuses a file over the size cap and names a missing file', async () => {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    const p = join(dir.path, 'big.txt');
    await writeFile(p, 'x'.repeat(2_000));
    const big = await rejection(fetchBody({ kind: 'file', path: p }, { ...opts, maxBytes: 1_000 }));
    expect(big.message).toContain('too large: over 1 kB');
    const missing = await rejection(fetchBody({ kind: 'file', path: join(dir.path, 'nope.txt') }, opts));
    expect(missing.message).toContain('nope.txt: no such file');
  });
});

describe('fetchBody: HTTP', () => {
  it('fetches a loopback http URL, returns validators, sends no credentials', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { etag: '"v1"', 'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT' });
      res.end('a.example\nb.example\n');
    });
    const r = await fetchBody({ kind: 'url', url: `${s.url}/list.txt?key=secret` }, opts);
    expect(r).toMatchObject({ status: 'ok', body: 'a.example\nb.example\n', etag: '"v1"', lastModified: 'Wed, 01 Jan 2025 00:00:00 GMT', redirects: 0 });
    expect(s.requests[0]?.headers.authorization).toBeUndefined();
    expect(s.requests[0]?.headers.cookie).toBeUndefined();
  });

  it('sends conditional headers and reports 304 as not-modified', async () => {
    const s = await serve((req, res) => {
      res.writeHead(req.headers['if-none-match'] === '"v1"' ? 304 : 200);
      res.end();
    });
    const r = await fetchBody({ kind: 'url', url: `${s.url}/l` }, { ...opts, etag: '"v1"', lastModified: 'Wed, 01 Jan 2025 00:00:00 GMT' });
    expect(r).toEqual({ status: 'not-modified' });
    expect(s.requests[0]?.headers['if-none-match']).toBe('"v1"');
    expect(s.requests[0]?.headers['if-modified-since']).toBe('Wed, 01 Jan 2025 00:00:00 GMT');
  });

  it('refuses plain http to a non-loopback host without connecting', async () => {
    const e = await rejection(fetchBody({ kind: 'url', url: 'http://example.invalid/list.csv' }, opts));
    expect(e.message).toContain('only allowed for loopback');
    expect(e.retryable).toBe(false);
  });

  it('retries 5xx with backoff, then succeeds', async () => {
    let n = 0;
    const slept: number[] = [];
    const s = await serve((_req, res) => {
      n++;
      if (n < 3) {
        res.writeHead(503);
        res.end('busy');
      } else res.end('ok.example\n');
    });
    const r = await fetchBody({ kind: 'url', url: `${s.url}/l` }, { ...opts, retries: 2, sleep: async (ms) => void slept.push(ms) });
    expect(r).toMatchObject({ status: 'ok', body: 'ok.example\n' });
    expect(s.requests).toHaveLength(3);
    expect(slept).toHaveLength(2);
    // Exponential with jitter: the second wait's range is above the first's.
    expect(slept[0]!).toBeGreaterThanOrEqual(250);
    expect(slept[0]!).toBeLessThan(750);
    expect(slept[1]!).toBeGreaterThanOrEqual(500);
    expect(slept[1]!).toBeLessThan(1500);
  });

  it('gives up after the retries on 5xx, naming the status', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(502);
      res.end();
    });
    const e = await rejection(fetchBody({ kind: 'url', url: `${s.url}/l?token=hunter2` }, { ...opts, retries: 1 }));
    expect(s.requests).toHaveLength(2);
    expect(e.message).toContain('HTTP 502');
    expect(e.message).toContain(`${s.url}/l?…`);
    expect(e.message).not.toContain('hunter2');
  });

  it('does not retry 4xx', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    const e = await rejection(fetchBody({ kind: 'url', url: `${s.url}/gone` }, { ...opts, retries: 3 }));
    expect(s.requests).toHaveLength(1);
    expect(e.httpStatus).toBe(404);
    expect(e.message).toContain('HTTP 404');
  });

  it('retries connection refused, then fails naming it', async () => {
    const port = await closedPort();
    const e = await rejection(fetchBody({ kind: 'url', url: `http://127.0.0.1:${port}/l` }, { ...opts, retries: 1 }));
    expect(e.message).toContain('connection refused');
    expect(e.message).toContain('after 2 attempts');
  });

  it('times out when the server never answers', async () => {
    const s = await serve(() => undefined);
    const e = await rejection(fetchBody({ kind: 'url', url: `${s.url}/slow` }, { ...opts, timeoutMs: 200, retries: 0 }));
    expect(e.message).toContain('timed out after 0.2s');
    expect(e.retryable).toBe(true);
  });

  it('times out when the body stalls after the headers', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('a.example\n');
    });
    const e = await rejection(fetchBody({ kind: 'url', url: `${s.url}/stall` }, { ...opts, timeoutMs: 200, retries: 0 }));
    expect(e.message).toContain('timed out');
  });

  it('fails on a truncated body', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('a.example\n', () => res.destroy());
    });
    const e = await rejection(fetchBody({ kind: 'url', url: `${s.url}/cut` }, { ...opts, retries: 0 }));
    expect(e.message).toMatch(/cut short|shorter|closed/);
  });

  it('refuses a declared Content-Length over the cap', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '50000' });
      res.end('x'.repeat(50_000));
    });
    const e = await rejection(fetchBody({ kind: 'url', url: `${s.url}/big` }, { ...opts, maxBytes: 10_000, retries: 3 }));
    expect(e.message).toContain('too large: over 10 kB');
    expect(s.requests).toHaveLength(1);
  });

  it('aborts a chunked body once it passes the cap', async () => {
    let written = 0;
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'transfer-encoding': 'chunked' });
      const pump = () => {
        while (written < 5_000_000) {
          written += 10_000;
          if (!res.write('x'.repeat(10_000))) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => (written = Number.POSITIVE_INFINITY));
      pump();
    });
    const e = await rejection(fetchBody({ kind: 'url', url: `${s.url}/stream` }, { ...opts, maxBytes: 100_000 }));
    expect(e.message).toContain('too large: over 100 kB');
  });
});

describe('fetchBody: redirects', () => {
  it('follows a redirect to another loopback port and counts it', async () => {
    const target = await serve((_req, res) => void res.end('moved.example\n'));
    const origin = await serve((_req, res) => {
      res.writeHead(302, { location: `${target.url}/new` });
      res.end();
    });
    const r = await fetchBody({ kind: 'url', url: `${origin.url}/old` }, opts);
    expect(r).toMatchObject({ status: 'ok', body: 'moved.example\n', redirects: 1, finalUrl: `${target.url}/new` });
    expect(target.requests[0]?.url).toBe('/new');
  });

  it('sends extra headers (an API key) to the starting origin only, and the Accept asked for', async () => {
    const target = await serve((_req, res) => void res.end('{}'));
    const origin = await serve((req, res) => {
      if (req.url === '/old') res.writeHead(302, { location: '/same' });
      else res.writeHead(302, { location: `${target.url}/elsewhere` });
      res.end();
    });
    await fetchBody({ kind: 'url', url: `${origin.url}/old` }, { ...opts, headers: { apikey: 'k-123456' }, accept: 'application/ld+json, application/json' });
    expect(origin.requests.map((q) => q.headers.apikey)).toEqual(['k-123456', 'k-123456']);
    expect(origin.requests[0]?.headers.accept).toBe('application/ld+json, application/json');
    expect(target.requests[0]?.headers.apikey).toBeUndefined();
  });

  it('follows up to 5 redirects and refuses the 6th', async () => {
    const chain = (limit: number) =>
      serve((req, res) => {
        const n = Number((req.url ?? '/0').slice(1));
        if (n < limit) {
          res.writeHead(301, { location: `/${n + 1}` });
          res.end();
        } else res.end('end.example\n');
      });
    const five = await chain(5);
    expect(await fetchBody({ kind: 'url', url: `${five.url}/0` }, opts)).toMatchObject({ status: 'ok', redirects: 5 });
    const six = await chain(6);
    const e = await rejection(fetchBody({ kind: 'url', url: `${six.url}/0` }, opts));
    expect(e.message).toContain('too many redirects');
    expect(six.requests).toHaveLength(6);
  });

  it('refuses a redirect to a non-https, non-loopback URL without requesting it', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(302, { location: 'http://example.invalid/list.csv' });
      res.end();
    });
    const e = await rejection(fetchBody({ kind: 'url', url: `${s.url}/l` }, { ...opts, retries: 3 }));
    expect(e.message).toContain('refused');
    expect(e.message).toContain('http://example.invalid/list.csv');
    expect(e.retryable).toBe(false);
    expect(s.requests).toHaveLength(1);
  });

  it('refuses a redirect to a file: URL', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(302, { location: 'file:///etc/passwd' });
      res.end();
    });
    const e = await rejection(fetchBody({ kind: 'url', url: `${s.url}/l` }, opts));
    expect(e.message).toContain('unsupported URL scheme file:');
  });
});

describe('helpers', () => {
  it('recognises loopback hosts only', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]', '::1']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['128.0.0.1', 'example.com', '10.0.0.1', '127.0.0.1.nip.io', 'localhost.example']) expect(isLoopbackHost(h)).toBe(false);
    // 127.x.y.z exactly as node:net reads an IPv4 address (no leading zeros, octets ≤ 255).
    const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom('00', '01', '255', '256', '', 'a'));
    fc.assert(
      fc.property(octet, octet, octet, (a, b, c) => {
        const h = `127.${a}.${b}.${c}`;
        expect(isLoopbackHost(h)).toBe(isIPv4(h));
      }),
      { numRuns: 500 },
    );
  });
  it('redacts query strings and user info', () => {
    expect(redactUrl('https://user:pw@lists.example/a.csv?token=x#f')).toBe('https://lists.example/a.csv?…');
  });
});
