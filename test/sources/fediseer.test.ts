import { afterEach, describe, expect, it } from 'vitest';
import { parseList } from '../../src/sources/parse-list.js';
import { loadSources, type FetchSettings, type LoadDeps, type SourceSpec } from '../../src/sources/load-sources.js';
import { noSleep, settings, tempDir } from '../fetch/helpers.js';
import { startFediseer, type FediseerDouble, type FediseerInstance } from '../doubles/fediseer-double.js';

const doubles: FediseerDouble[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(doubles.splice(0).map((d) => d.close()));
  await Promise.all(cleanups.splice(0).map((c) => c()));
});
async function fediseer(instances: FediseerInstance[]) {
  const d = await startFediseer(instances);
  doubles.push(d);
  return d;
}
async function cacheDir() {
  const d = await tempDir();
  cleanups.push(d.cleanup);
  return d.path;
}
const deps: LoadDeps = { sleep: noSleep, retries: 0 };
const spec = (url: string, over: Partial<SourceSpec> = {}): SourceSpec => ({ index: 0, name: 'seer', location: { kind: 'url', url }, format: 'fediseer', ...over });
const load1 = async (s: SourceSpec, st: FetchSettings, d: LoadDeps = deps) => (await loadSources([s], st, d))[0]!;

const INSTANCES: FediseerInstance[] = [
  {
    domain: 'a.example',
    censures: [
      { target: 'bad.example', reason: 'spam, harassment', evidence: 'https://a.example/ev/1' },
      { target: 'worse.example', reason: 'CSAM' },
      { target: 'meh.example' },
    ],
    hesitations: [{ target: 'iffy.example', reason: 'slow moderation' }],
  },
  {
    domain: 'b.example',
    censures: [
      { target: 'bad.example', reason: 'Spam, fraud' },
      { target: 'worse.example', reason: 'csam' },
    ],
  },
  { domain: 'private.example', apiKey: 'sekrit-key-123', visibility: 'private', censures: [{ target: 'hidden.example', reason: 'trolls' }] },
];

describe('the Fediseer adapter', () => {
  it('reads instances with reasons as the public comment, split, de-duplicated and joined with ", "', () => {
    const text = JSON.stringify(
      {
        instances: [
          { id: 1, domain: 'Bad.Example', censure_reasons: ['spam, harassment', 'Spam', 'fraud'], censure_count: 3 },
          { id: 2, domain: 'quiet.example', censure_reasons: null },
        ],
        total: 4,
      },
      null,
      2,
    );
    const r = parseList(text, 'fediseer', 'seer');
    expect(r.blocks.map((b) => [b.domain, b.severity, b.public_comment])).toEqual([
      ['bad.example', 'suspend', 'spam, harassment, fraud'],
      ['quiet.example', 'suspend', ''],
    ]);
    expect(r.rows).toBe(2);
  });

  it('gives every entry the source severity (hesitations arrive as silence)', () => {
    const text = JSON.stringify({ instances: [{ domain: 'iffy.example', hesitation_reasons: ['slow moderation'] }], total: 1 });
    const r = parseList(text, 'fediseer', 'seer', { severity: 'silence' });
    expect(r.blocks[0]).toMatchObject({ domain: 'iffy.example', severity: 'silence', public_comment: 'slow moderation' });
  });

  it('reads the domains=true and csv=true answers', () => {
    expect(parseList('{"domains": ["a.example", "b.example"], "total": 5}', 'fediseer', 's').blocks.map((b) => b.domain)).toEqual(['a.example', 'b.example']);
    expect(parseList('{"csv": "a.example,b.example", "total": 5}', 'fediseer', 's').blocks.map((b) => b.domain)).toEqual(['a.example', 'b.example']);
    expect(parseList('{"csv": "", "total": 0}', 'fediseer', 's').blocks).toEqual([]);
  });

  it('rejects entries that are not instances, naming the line', () => {
    const text = '{\n  "instances": [\n    {"domain": "ok.example"},\n    {"id": 7},\n    "x",\n    {"domain": "not a domain"}\n  ],\n  "total": 4\n}';
    const r = parseList(text, 'fediseer', 'seer');
    expect(r.blocks.map((b) => b.domain)).toEqual(['ok.example']);
    expect(r.rejects.map((x) => [x.source, x.line])).toEqual([
      ['seer', 4],
      ['seer', 5],
      ['seer', 6],
    ]);
    expect(r.rejects[0]!.reason).toMatch(/domain: missing/);
  });

  it('refuses an answer of another shape with a clear message', () => {
    expect(() => parseList('{"message": "oops"}', 'fediseer', 'seer')).toThrow(/seer: expected a Fediseer answer .*"message"/);
    expect(() => parseList('[]', 'fediseer', 'seer')).toThrow(/expected a Fediseer answer/);
  });
});

describe('Fediseer sources against the test double', () => {
  it('reads censures with the query options passed through as written', async () => {
    const d = await fediseer(INSTANCES);
    const url = `${d.url}/api/v1/censures_given/a.example,b.example?min_censures=2&reasons_csv=spam,csam`;
    const r = await load1(spec(url), settings(await cacheDir()));
    expect(r.status).toBe('fresh');
    expect(r.list.blocks.map((b) => [b.domain, b.severity, b.public_comment])).toEqual([
      ['bad.example', 'suspend', 'spam, harassment, fraud'],
      ['worse.example', 'suspend', 'CSAM'],
    ]);
    expect(d.requests.map((q) => q.url)).toEqual(['/api/v1/censures_given/a.example,b.example?min_censures=2&reasons_csv=spam,csam']);
    expect(d.requests[0]!.headers['client-agent']).toMatch(/^fediblock:/);
  });

  it('maps censures to the source severity and hesitations to silence', async () => {
    const d = await fediseer(INSTANCES);
    const [cens, hes] = await loadSources(
      [
        spec(`${d.url}/api/v1/censures_given/a.example`, { severity: 'silence' }),
        spec(`${d.url}/api/v1/hesitations_given/a.example`, { index: 1, name: 'hes', severity: 'silence' }),
      ],
      settings(await cacheDir()),
      deps,
    );
    expect(cens!.list.blocks.map((b) => b.severity)).toEqual(['silence', 'silence', 'silence']);
    expect(hes!.list.blocks.map((b) => [b.domain, b.severity, b.public_comment])).toEqual([['iffy.example', 'silence', 'slow moderation']]);
  });

  it('reads the domains=true and csv=true variants from the service', async () => {
    const d = await fediseer(INSTANCES);
    const cache = await cacheDir();
    const a = await load1(spec(`${d.url}/api/v1/censures_given/a.example?domains=true`), settings(cache));
    const b = await load1(spec(`${d.url}/api/v1/censures_given/a.example?csv=true`, { name: 'csv' }), settings(cache));
    expect(a.list.blocks.map((x) => x.domain)).toEqual(['bad.example', 'worse.example', 'meh.example']);
    expect(b.list.blocks.map((x) => x.domain)).toEqual(['bad.example', 'worse.example', 'meh.example']);
  });

  it('sends the API key in the apikey header, for a private list', async () => {
    const d = await fediseer(INSTANCES);
    const r = await load1(spec(`${d.url}/api/v1/censures_given/private.example`, { apiKey: 'sekrit-key-123' }), settings(await cacheDir()));
    expect(r.status).toBe('fresh');
    expect(r.list.blocks.map((b) => b.domain)).toEqual(['hidden.example']);
    expect(d.requests[0]!.apikey).toBe('sekrit-key-123');
    expect(JSON.stringify(r)).not.toContain('sekrit-key-123');
  });

  it('fails on 403 (a private list without a key), never reading it as an empty list', async () => {
    const d = await fediseer(INSTANCES);
    const r = await load1(spec(`${d.url}/api/v1/censures_given/private.example`), settings(await cacheDir()));
    expect(r.status).toBe('failed');
    expect(r.list.blocks).toEqual([]);
    expect(r.error).toMatch(/HTTP 403: Fediseer refuses this list without an API key \(set token_env or token_file\); no cached copy/);
  });

  it('fails on 401 with a wrong key, without showing the key', async () => {
    const d = await fediseer(INSTANCES);
    const r = await load1(spec(`${d.url}/api/v1/censures_given/private.example`, { apiKey: 'wrong-key-999' }), settings(await cacheDir()));
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/HTTP 401: Fediseer refuses this list with the API key given/);
    expect(r.error).not.toContain('wrong-key-999');
  });

  it('serves the last good copy on 429, as stale; fails without one', async () => {
    const d = await fediseer(INSTANCES);
    const cache = await cacheDir();
    const url = `${d.url}/api/v1/censures_given/a.example`;
    expect((await load1(spec(url), settings(cache))).status).toBe('fresh');
    d.rateLimited = true;
    const r = await load1(spec(url), settings(cache));
    expect(r.status).toBe('stale');
    expect(r.list.blocks.map((b) => b.domain)).toEqual(['bad.example', 'worse.example', 'meh.example']);
    expect(r.warnings.join('\n')).toMatch(/HTTP 429: rate limited by the server.*stale/);
    const fresh = await load1(spec(url), settings(await cacheDir()));
    expect(fresh.status).toBe('failed');
    expect(fresh.error).toMatch(/HTTP 429/);
  });

  it('guards against a list that suddenly shrinks, like any source', async () => {
    const d = await fediseer(INSTANCES);
    const cache = await cacheDir();
    const url = `${d.url}/api/v1/censures_given/a.example`;
    await load1(spec(url), settings(cache));
    d.instances.get('a.example')!.censures = [{ target: 'bad.example' }];
    const r = await load1(spec(url), settings(cache));
    expect(r.status).toBe('shrunk');
    expect(r.list.blocks).toHaveLength(3);
  });
});
