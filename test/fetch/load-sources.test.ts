import { afterEach, describe, expect, it } from 'vitest';
import { generateKeyPairSync, createHash, sign } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadSources, type FetchSettings, type LoadDeps, type SourceSpec } from '../../src/sources/load-sources.js';
import { cacheKey, readCache } from '../../src/sources/source-cache.js';
import { closedPort, noSleep, settings, tempDir, textList, useServers } from './helpers.js';

const { serve, cleanups } = useServers(afterEach);
async function cacheDir() {
  const d = await tempDir();
  cleanups.push(d.cleanup);
  return d.path;
}
const deps: LoadDeps = { sleep: noSleep, retries: 0 };
const urlSpec = (url: string, over: Partial<SourceSpec> = {}): SourceSpec => ({ index: 0, name: 'list', location: { kind: 'url', url }, format: 'text', ...over });
const load1 = async (spec: SourceSpec, s: FetchSettings, d: LoadDeps = deps) => (await loadSources([spec], s, d))[0]!;

/** A server whose body can be swapped between loads. */
async function listServer(initial: string, etag?: string) {
  const state = { body: initial, etag, status: 200, up: true };
  const srv = await serve((req, res) => {
    if (state.etag && req.headers['if-none-match'] === state.etag) {
      res.writeHead(304, { etag: state.etag });
      return void res.end();
    }
    res.writeHead(state.status, state.etag ? { etag: state.etag } : {});
    res.end(state.body);
  });
  return { srv, state };
}

describe('loadSources: file and URL sources', () => {
  it('loads a local file as fresh and does not cache it', async () => {
    const dir = await cacheDir();
    const cache = join(dir, 'cache');
    const p = join(dir, 'own.txt');
    await writeFile(p, textList(3));
    const r = await load1({ index: 2, name: 'own', location: { kind: 'file', path: p }, format: 'auto', max_severity: 'silence' }, settings(cache));
    expect(r.status).toBe('fresh');
    expect(r.origin).toBe('file');
    expect(r.list).toMatchObject({ index: 2, name: 'own', status: 'fresh', max_severity: 'silence' });
    expect(r.list.blocks.map((b) => b.domain)).toEqual(['d0.example', 'd1.example', 'd2.example']);
    await expect(readdir(cache)).rejects.toThrow();
  });

  it('loads a loopback http source as fresh and saves it as last good', async () => {
    const cache = await cacheDir();
    const { srv } = await listServer(textList(4), '"a"');
    const r = await load1(urlSpec(`${srv.url}/list.txt`), settings(cache));
    expect(r).toMatchObject({ status: 'fresh', origin: 'network', rows: 4, warnings: [] });
    expect(r.list.blocks).toHaveLength(4);
    const c = await readCache(cache, cacheKey(`url:${srv.url}/list.txt`, 'text'));
    expect(c?.meta).toMatchObject({ url: `${srv.url}/list.txt`, etag: '"a"', domainCount: 4 });
    expect(c?.body).toBe(textList(4));
  });

  it('revalidates with the ETag: a 304 reuses the cached body', async () => {
    const cache = await cacheDir();
    const { srv } = await listServer(textList(5), '"v1"');
    const first = await load1(urlSpec(`${srv.url}/l`), settings(cache));
    expect(first.origin).toBe('network');
    const second = await load1(urlSpec(`${srv.url}/l`), settings(cache));
    expect(second).toMatchObject({ status: 'fresh', origin: 'not-modified' });
    expect(second.list.blocks).toHaveLength(5);
    expect(srv.requests[1]?.headers['if-none-match']).toBe('"v1"');
    expect(srv.statuses).toEqual([200, 304]);
  });

  it('serves a source that is down from the cache as stale, with a warning', async () => {
    const cache = await cacheDir();
    const { srv } = await listServer(textList(6));
    const url = `${srv.url}/l`;
    let now = Date.parse('2026-11-01T00:00:00Z');
    await load1(urlSpec(url), settings(cache), { ...deps, now: () => now });
    await srv.close();
    now += 3 * 3600 * 1000;
    const r = await load1(urlSpec(url), settings(cache), { ...deps, now: () => now });
    expect(r.status).toBe('stale');
    expect(r.origin).toBe('cache');
    expect(r.list.status).toBe('stale');
    expect(r.list.blocks).toHaveLength(6);
    expect(r.fetchedAt).toBe('2026-11-01T00:00:00.000Z');
    expect(r.warnings.join('\n')).toMatch(/connection refused.*cached copy from 3 h ago \(stale\)/);
    expect(r.error).toBeUndefined();
  });

  it('fails a source that is down with no cache', async () => {
    const cache = await cacheDir();
    const port = await closedPort();
    const r = await load1(urlSpec(`http://127.0.0.1:${port}/l`), settings(cache));
    expect(r.status).toBe('failed');
    expect(r.list.blocks).toEqual([]);
    expect(r.error).toMatch(/connection refused; no cached copy/);
  });

  it('fails when the cached copy is older than max_stale', async () => {
    const cache = await cacheDir();
    const { srv, state } = await listServer(textList(6));
    let now = Date.parse('2026-11-01T00:00:00Z');
    await load1(urlSpec(`${srv.url}/l`), settings(cache), { ...deps, now: () => now });
    state.status = 500;
    now += 8 * 24 * 3600 * 1000;
    const r = await load1(urlSpec(`${srv.url}/l`), settings(cache), { ...deps, now: () => now });
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/HTTP 500; the cached copy is 8 d old, older than max_stale \(7 d\)/);
  });

  it('treats a timeout as a failure', async () => {
    const cache = await cacheDir();
    const srv = await serve(() => undefined);
    const r = await load1(urlSpec(`${srv.url}/l`), settings(cache, { timeoutMs: 200 }));
    expect(r.status).toBe('failed');
    expect(r.error).toContain('timed out after 0.2s');
  });

  it('treats HTML with 200 as a failure, and falls back to the cache', async () => {
    const cache = await cacheDir();
    const { srv, state } = await listServer(textList(3));
    expect((await load1(urlSpec(`${srv.url}/l`, { format: 'auto' }), settings(cache))).status).toBe('fresh');
    state.body = '<!DOCTYPE html><html><head><title>Login</title></head><body>sign in</body></html>';
    const r = await load1(urlSpec(`${srv.url}/l`, { format: 'auto' }), settings(cache));
    expect(r.status).toBe('stale');
    expect(r.warnings[0]).toContain('HTML page');
    expect(r.list.blocks).toHaveLength(3);
  });

  it('treats a truncated body as a failure', async () => {
    const cache = await cacheDir();
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100000' });
      res.write(textList(10), () => res.destroy());
    });
    const r = await load1(urlSpec(`${srv.url}/l`), settings(cache));
    expect(r.status).toBe('failed');
    expect(r.list.blocks).toEqual([]);
  });

  it('treats an empty list as a failure', async () => {
    const cache = await cacheDir();
    const { srv } = await listServer('');
    const r = await load1(urlSpec(`${srv.url}/l`), settings(cache));
    expect(r.status).toBe('failed');
    expect(r.error).toContain('empty body');
    const { srv: s2 } = await listServer('# only a comment\n');
    const r2 = await load1(urlSpec(`${s2.url}/l`), settings(cache));
    expect(r2.status).toBe('failed');
  });

  it('treats a body over the size cap as a failure', async () => {
    const cache = await cacheDir();
    const { srv } = await listServer(textList(1000));
    const r = await load1(urlSpec(`${srv.url}/l`), settings(cache, { maxBytes: 1_000 }));
    expect(r.status).toBe('failed');
    expect(r.error).toContain('too large: over 1 kB');
  });

  it('fails a source whose rejected rows exceed reject_ratio, keeping the rejects for diagnosis', async () => {
    const cache = await cacheDir();
    const { srv } = await listServer('ok.example\nnot a domain!\nalso bad!!\nbad_one^\n');
    const r = await load1(urlSpec(`${srv.url}/l`), settings(cache, { rejectRatio: 0.5 }));
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/3 of 4 rows rejected \(75%\), more than reject_ratio 0\.5/);
    expect(r.rejects).toHaveLength(3);
    expect(r.list.blocks).toEqual([]);
    const lenient = await load1(urlSpec(`${srv.url}/l`), settings(cache, { rejectRatio: 0.8 }));
    expect(lenient.status).toBe('fresh');
    expect(lenient.list.blocks.map((b) => b.domain)).toEqual(['ok.example']);
  });
});

describe('loadSources: shrink guard', () => {
  it('uses the previous copy when a source shrinks by 50%, and --accept-shrink accepts it', async () => {
    const cache = await cacheDir();
    const { srv, state } = await listServer(textList(1000));
    const spec = urlSpec(`${srv.url}/l`, { name: 'tier0' });
    expect((await load1(spec, settings(cache))).status).toBe('fresh');
    state.body = textList(500);
    const r = await load1(spec, settings(cache));
    expect(r.status).toBe('shrunk');
    expect(r.origin).toBe('cache');
    expect(r.list.status).toBe('shrunk');
    expect(r.list.blocks).toHaveLength(1000);
    expect(r.warnings).toEqual([
      'tier0 shrank from 1000 to 500 domains (−50%); using the previous copy and holding deletions; if this is deliberate run with --accept-shrink tier0',
    ]);
    // Still shrunk next time: the shrunk body was not saved.
    expect((await load1(spec, settings(cache))).status).toBe('shrunk');

    const accepted = await load1(spec, settings(cache, { acceptShrink: new Set(['tier0']) }));
    expect(accepted.status).toBe('fresh');
    expect(accepted.list.blocks).toHaveLength(500);
    expect(accepted.warnings[0]).toContain('accepted as the new last good copy');
    expect((await load1(spec, settings(cache))).status).toBe('fresh');
  });

  it('lets a shrink within the guard through', async () => {
    const cache = await cacheDir();
    const { srv, state } = await listServer(textList(100));
    const spec = urlSpec(`${srv.url}/l`);
    await load1(spec, settings(cache));
    state.body = textList(80);
    const r = await load1(spec, settings(cache));
    expect(r.status).toBe('fresh');
    expect(r.list.blocks).toHaveLength(80);
  });
});

describe('loadSources: instances, offline, concurrency', () => {
  const inst = (admin = false): SourceSpec => ({
    index: 1,
    name: 'peer',
    location: { kind: 'instance', host: 'peer.example', admin, apiBase: 'https://peer.example', token: 'tok-123456' },
    format: 'auto',
  });

  it('loads an instance source through fetchInstance as mastodon_api and caches it', async () => {
    const cache = await cacheDir();
    const seen: boolean[] = [];
    const fetchInstance: LoadDeps['fetchInstance'] = async (spec) => {
      seen.push(spec.location.admin);
      return [
        { domain: 'bad.example', digest: createHash('sha256').update('bad.example').digest('hex'), severity: 'suspend', comment: 'spam' },
        { domain: 'meh.example', digest: createHash('sha256').update('meh.example').digest('hex'), severity: 'silence' },
      ];
    };
    const r = await load1(inst(), settings(cache), { ...deps, fetchInstance });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe('fresh');
    expect(r.list.blocks.map((b) => [b.domain, b.severity])).toEqual([
      ['bad.example', 'suspend'],
      ['meh.example', 'silence'],
    ]);
    expect(seen).toEqual([false]);
    // Down next time: served stale from the cache; the token is nowhere in the cache.
    const down = await load1(inst(), settings(cache), {
      ...deps,
      fetchInstance: async () => {
        throw new Error('HTTP 503 from peer.example');
      },
    });
    expect(down.status).toBe('stale');
    expect(down.list.blocks).toHaveLength(2);
    for (const f of await readdir(cache)) expect(await readFile(join(cache, f), 'utf8')).not.toContain('tok-123456');
  });

  it('default fetchInstance: public list and paginated admin list through MastodonClient', async () => {
    const cache = await cacheDir();
    const srv = await serve((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/api/v1/instance/domain_blocks') {
        return void res.end(JSON.stringify([{ domain: 'pub.example', digest: createHash('sha256').update('pub.example').digest('hex'), severity: 'silence', comment: 'c' }]));
      }
      if (req.url?.startsWith('/api/v1/admin/domain_blocks')) {
        if (req.headers.authorization !== 'Bearer tok-admin-1') {
          res.statusCode = 401;
          return void res.end('{"error":"The access token is invalid"}');
        }
        return void res.end(
          JSON.stringify([
            { id: '1', domain: 'adm.example', severity: 'suspend', reject_media: true, reject_reports: false, private_comment: 'p', public_comment: 'q', obfuscate: false, created_at: '2024-01-01T00:00:00.000Z' },
          ]),
        );
      }
      res.statusCode = 404;
      res.end('{}');
    });
    const base = { index: 0, format: 'auto' as const };
    const [pub, adm] = await loadSources(
      [
        { ...base, name: 'pub', location: { kind: 'instance', host: `127.0.0.1:${srv.port}`, admin: false, apiBase: srv.url } },
        { ...base, index: 1, name: 'adm', location: { kind: 'instance', host: `127.0.0.1:${srv.port}`, admin: true, apiBase: srv.url, token: 'tok-admin-1' } },
      ],
      settings(cache),
      deps,
    );
    expect(pub?.error).toBeUndefined();
    expect(pub?.list.blocks.map((b) => [b.domain, b.severity, b.public_comment])).toEqual([['pub.example', 'silence', 'c']]);
    expect(adm?.error).toBeUndefined();
    expect(adm?.list.blocks.map((b) => [b.domain, b.severity, b.reject_media])).toEqual([['adm.example', 'suspend', true]]);
    expect(srv.requests.find((r) => r.url === '/api/v1/instance/domain_blocks')?.headers.authorization).toBeUndefined();
  });

  it('offline: uses the cache if present, else fails, without touching the network', async () => {
    const cache = await cacheDir();
    const { srv } = await listServer(textList(3));
    await load1(urlSpec(`${srv.url}/l`), settings(cache));
    const before = srv.requests.length;
    const r = await loadSources([urlSpec(`${srv.url}/l`), urlSpec(`${srv.url}/other`, { index: 1, name: 'other' })], settings(cache, { offline: true }), deps);
    expect(srv.requests.length).toBe(before);
    expect(r.map((x) => x.status)).toEqual(['stale', 'failed']);
    expect(r[0]!.list.blocks).toHaveLength(3);
  });

  it('fetches sources concurrently, bounded by concurrency', async () => {
    const cache = await cacheDir();
    const srv = await serve((req, res) => {
      setTimeout(() => res.end(`${(req.url ?? '/x').slice(1)}.example\n`), 200);
    });
    const specs = Array.from({ length: 10 }, (_, i) => urlSpec(`${srv.url}/s${i}`, { index: i, name: `s${i}` }));
    const all = await loadSources(specs, settings(cache, { concurrency: 10 }), deps);
    expect(all.map((r) => r.status)).toEqual(Array(10).fill('fresh'));
    expect(all.map((r) => r.list.blocks[0]?.domain)).toEqual(specs.map((_, i) => `s${i}.example`));
    expect(srv.maxInFlight).toBe(10);

    const srv3 = await serve((_req, res) => {
      setTimeout(() => res.end('a.example\n'), 100);
    });
    const specs3 = Array.from({ length: 7 }, (_, i) => urlSpec(`${srv3.url}/s${i}`, { index: i, name: `s${i}` }));
    await loadSources(specs3, settings(cache, { concurrency: 3 }), deps);
    expect(srv3.maxInFlight).toBe(3);
    expect(srv3.requests).toHaveLength(7);
  });

  it('one broken source does not affect the others', async () => {
    const cache = await cacheDir();
    const { srv } = await listServer(textList(2));
    const port = await closedPort();
    const r = await loadSources(
      [urlSpec(`${srv.url}/a`), urlSpec(`http://127.0.0.1:${port}/b`, { index: 1, name: 'b' }), urlSpec('http://example.invalid/c', { index: 2, name: 'c' })],
      settings(cache),
      deps,
    );
    expect(r.map((x) => x.status)).toEqual(['fresh', 'failed', 'failed']);
    expect(r[2]!.error).toContain('only allowed for loopback');
  });
});

describe('loadSources: signed lists (verify_key)', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const rawKey = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32).toString('base64');
  const sigOf = (text: string) => sign(null, createHash('sha256').update(text.replace(/\r/g, '')).digest(), privateKey).toString('base64') + '\r\n';
  const body = JSON.stringify({ '@spec': 'https://rapidblock.org/spec/v1/', publishedAt: '2022-12-29T18:40:02Z', blocks: { 'bad.example': { isBlocked: true, reason: 'harassment' } } });

  async function signedServer(listBody: string, sig: string | undefined) {
    return serve((req, res) => {
      if (req.url === '/blocklist.json.sig') {
        if (sig === undefined) res.writeHead(404);
        return void res.end(sig ?? '');
      }
      res.end(listBody);
    });
  }
  const spec = (url: string): SourceSpec => urlSpec(`${url}/blocklist.json`, { name: 'rapidblock', format: 'rapidblock_json', verify_key: rawKey });

  it('accepts a list whose signature verifies', async () => {
    const srv = await signedServer(body, sigOf(body));
    const r = await load1(spec(srv.url), settings(await cacheDir()));
    expect(r.status).toBe('fresh');
    expect(r.list.blocks.map((b) => b.domain)).toEqual(['bad.example']);
    expect(srv.requests.map((q) => q.url)).toEqual(['/blocklist.json', '/blocklist.json.sig']);
  });

  it('rejects a tampered list, falling back to the last good copy', async () => {
    const cache = await cacheDir();
    let current = { list: body, sig: sigOf(body) as string | undefined };
    const srv = await serve((req, res) => {
      if (req.url === '/blocklist.json.sig') {
        if (current.sig === undefined) res.writeHead(404);
        return void res.end(current.sig ?? '');
      }
      res.end(current.list);
    });
    expect((await load1(spec(srv.url), settings(cache))).status).toBe('fresh');
    current = { list: body.replace('bad.example', 'evil.example'), sig: sigOf(body) };
    const tampered = await load1(spec(srv.url), settings(cache));
    expect(tampered.status).toBe('stale');
    expect(tampered.warnings[0]).toContain('signature does not verify');
    expect(tampered.list.blocks.map((b) => b.domain)).toEqual(['bad.example']);
    current = { list: body, sig: undefined };
    const missing = await load1(spec(srv.url), settings(cache));
    expect(missing.status).toBe('stale');
    expect(missing.warnings[0]).toContain('signature missing');
  });

  it('fails a tampered list with no cache', async () => {
    const srv = await signedServer(body + ' ', sigOf(body));
    const r = await load1(spec(srv.url), settings(await cacheDir()));
    expect(r.status).toBe('failed');
    expect(r.error).toContain('signature does not verify');
  });
});
