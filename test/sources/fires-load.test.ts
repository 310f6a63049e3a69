// FIRES sources against the test double: snapshot then change feed, the cache as the last good
// copy, cursor fallbacks, labels, the shrink guard and the request budget.
import { afterEach, describe, expect, it } from 'vitest';
import { loadSources, type FetchSettings, type LoadDeps, type SourceSpec } from '../../src/sources/load-sources.js';
import { cacheKey, readCache, writeCache } from '../../src/sources/source-cache.js';
import { noSleep, settings, tempDir, useServers } from '../fetch/helpers.js';
import { startFires, type FiresDouble } from '../doubles/fires-double.js';

const { serve, cleanups } = useServers(afterEach);
const doubles: FiresDouble[] = [];
afterEach(async () => {
  await Promise.all(doubles.splice(0).map((d) => d.close()));
});
async function fires(labels = [{ id: '1', name: 'Hate speech' }, { id: '2', name: 'Spam', translated: true }]) {
  const d = await startFires({ labels });
  doubles.push(d);
  return d;
}
async function cacheDir() {
  const d = await tempDir();
  cleanups.push(d.cleanup);
  return d.path;
}
const deps: LoadDeps = { sleep: noSleep, retries: 0 };
const spec = (url: string, over: Partial<SourceSpec> = {}): SourceSpec => ({ index: 0, name: 'fires', location: { kind: 'url', url }, format: 'fires', ...over });
const load1 = async (s: SourceSpec, st: FetchSettings, d: LoadDeps = deps) => (await loadSources([s], st, d))[0]!;
const paths = (d: FiresDouble) => d.requests.map((r) => r.path.replace(d.datasetId, 'ID'));
const domains = (r: Awaited<ReturnType<typeof load1>>) => r.list.blocks.map((b) => b.domain);

function seed(d: FiresDouble, n: number, prefix = 'd') {
  for (let i = 0; i < n; i++) d.add({ type: 'Recommendation', entityKind: 'domain', entityKey: `${prefix}${i}.example`, policy: i % 3 === 0 ? 'filter' : 'drop', labels: ['1'] });
}

describe('FIRES: the first fetch', () => {
  it('discovers the snapshot from the dataset document and reads it, with labels as comments', async () => {
    const d = await fires();
    d.add({ type: 'Recommendation', entityKind: 'domain', entityKey: 'bad.example', policy: 'drop', filters: ['reject-media'], labels: ['1', '2'] });
    d.add({ type: 'Recommendation', entityKind: 'domain', entityKey: 'meh.example', policy: 'filter', labels: ['9'] });
    d.add({ type: 'Recommendation', entityKind: 'domain', entityKey: 'gone.example', policy: 'drop' });
    d.add({ type: 'Retraction', entityKind: 'domain', entityKey: 'gone.example' });
    const r = await load1(spec(d.datasetUrl), settings(await cacheDir()));
    expect(r.status).toBe('fresh');
    expect(r.list.blocks.map((b) => [b.domain, b.severity, b.reject_media, b.public_comment])).toEqual([
      ['bad.example', 'suspend', true, 'Hate speech, Spam'],
      ['meh.example', 'silence', false, '9'],
    ]);
    expect(paths(d)).toEqual(['/datasets/ID', '/datasets/ID/snapshot', '/.well-known/nodeinfo', '/nodeinfo/2.1', '/labels']);
    expect(d.requests.every((q) => q.accept === 'application/ld+json, application/json')).toBe(true);
    expect(r.list.evidence?.['bad.example']).toMatchObject({ type: 'Recommendation', policy: 'drop', labels: ['Hate speech', 'Spam'], filters: ['reject-media'] });
    expect(r.list.evidence?.['gone.example']).toMatchObject({ type: 'Retraction' });
    expect(r.details?.[0]).toMatch(/FIRES dataset "Test dataset" .*: 3 domains \(2 blocks, 1 retracted, 0 not blocks\)/);
  });

  it('reads a pre-0.7 server (snake_case fields)', async () => {
    const d = await fires();
    d.legacy = true;
    d.add({ type: 'Recommendation', entityKind: 'domain', entityKey: 'bad.example', policy: 'reject', filters: ['reject-reports'] });
    const r = await load1(spec(d.datasetUrl), settings(await cacheDir()));
    expect(r.list.blocks.map((b) => [b.domain, b.severity, b.reject_reports])).toEqual([['bad.example', 'suspend', true]]);
  });

  it('fails with a clear message when the server answers HTML, never as an empty list', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!DOCTYPE html><html><body>FIRES</body></html>');
    });
    const r = await load1(spec(`${srv.url}/datasets/x`), settings(await cacheDir()));
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/dataset .*: the server answered with an HTML page, not FIRES JSON .*check that url is a FIRES dataset URL/);
  });

  it('(the double) answers HTML to a request without the JSON Accept header, as the server does', async () => {
    const d = await fires();
    const res = await fetch(d.datasetUrl, { headers: { accept: 'text/html,*/*' } });
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toMatch(/^<!DOCTYPE html>/);
  });

  it('rejects an unreadable snapshot item, naming the source and the item', async () => {
    const srv = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const base = `http://127.0.0.1:${srv.port}/datasets/x`;
      if (req.url === '/datasets/x') return void res.end(JSON.stringify({ type: 'Dataset', id: base, endpoints: { snapshot: `${base}/snapshot`, changes: `${base}/changes` } }));
      if (req.url === '/datasets/x/snapshot') {
        return void res.end(
          JSON.stringify({
            type: 'Collection',
            orderedItems: [
              { id: `${base}/changes/0197b000-0000-7000-8000-000000000002`, type: 'Recommendation', entityKind: 'domain', entityKey: 'a.example', recommendedPolicy: 'drop' },
              { id: `${base}/changes/0197b000-0000-7000-8000-000000000003`, type: 'Recommendation', entityKind: 'domain', entityKey: 'b.example', recommendedPolicy: 'drop' },
              { type: 'Recommendation', entityKind: 'domain', entityKey: 'c.example' },
            ],
          }),
        );
      }
      res.end('{"items": []}');
    });
    const r = await load1(spec(`${srv.url}/datasets/x`), settings(await cacheDir()));
    expect(r.status).toBe('fresh');
    expect(domains(r)).toEqual(['a.example', 'b.example']);
    expect(r.rejects).toEqual([{ source: 'fires', line: 0, at: 'snapshot item 3', reason: 'unreadable change: no id' }]);
  });

  it('says which datasets there are when url is the datasets collection', async () => {
    const d = await fires();
    seed(d, 1);
    const r = await load1(spec(`${d.url}/datasets`), settings(await cacheDir()));
    expect(r.status).toBe('failed');
    expect(r.error).toContain(`is a Collection, not a FIRES Dataset; set url to one of its datasets: ${d.datasetUrl} ("Test dataset")`);
  });

  it('reads a 10,000-entry dataset with the snapshot alone, then one page per 100 later changes', async () => {
    const d = await fires();
    seed(d, 10_000);
    const cache = await cacheDir();
    const first = await load1(spec(d.datasetUrl), settings(cache, { maxBytes: 50_000_000 }));
    expect(first.status).toBe('fresh');
    expect(first.list.blocks).toHaveLength(10_000);
    expect(paths(d).filter((p) => p.includes('/changes'))).toEqual([]);
    expect(d.requests).toHaveLength(5); // dataset, snapshot, nodeinfo ×2, labels
    d.requests.length = 0;
    seed(d, 250, 'later');
    const second = await load1(spec(d.datasetUrl), settings(cache, { maxBytes: 50_000_000 }));
    expect(second.status).toBe('fresh');
    expect(second.list.blocks).toHaveLength(10_250);
    // 3 pages of changes (100, 100, 50), the empty page that ends the feed, and the labels.
    expect(paths(d).filter((p) => p.includes('/changes'))).toHaveLength(4);
    expect(d.requests).toHaveLength(5);
  }, 60_000);
});

describe('FIRES: later fetches read the change feed', () => {
  it('pages from the last item\'s own id (never the next link, which skips a record), folding retractions', async () => {
    const d = await fires();
    seed(d, 20);
    const cache = await cacheDir();
    await load1(spec(d.datasetUrl), settings(cache));
    d.requests.length = 0;
    const later = [];
    for (let i = 0; i < 230; i++) later.push(d.add({ type: 'Recommendation', entityKind: 'domain', entityKey: `n${i}.example`, policy: 'drop' }));
    for (let i = 0; i < 5; i++) d.add({ type: 'Retraction', entityKind: 'domain', entityKey: `d${i}.example` });
    const r = await load1(spec(d.datasetUrl), settings(cache));
    expect(r.status).toBe('fresh');
    expect(r.list.blocks).toHaveLength(20 + 230 - 5);
    expect(domains(r)).not.toContain('d0.example');
    // The record at each page edge (the 101st) is there: following `next` would have skipped it.
    expect(domains(r)).toContain(later[100]!.entityKey);
    expect(domains(r)).toContain(later[200]!.entityKey);
    const sinces = paths(d).filter((p) => p.includes('/changes')).map((p) => new URL(p, d.url).searchParams.get('since'));
    expect(sinces).toEqual([sinces[0], later[99]!.uuid, later[199]!.uuid, d.changes.at(-1)!.uuid]);
    expect(paths(d).filter((p) => !p.includes('/changes'))).toEqual(['/labels']);
    expect(r.details?.join('\n')).toMatch(/read 4 pages of changes \(235 changes\)/);
  });

  it('serves the last good copy when the change feed fails (stale), and catches up next run', async () => {
    const d = await fires();
    seed(d, 10);
    const cache = await cacheDir();
    await load1(spec(d.datasetUrl), settings(cache));
    d.add({ type: 'Retraction', entityKind: 'domain', entityKey: 'd1.example' });
    d.changesStatus = 503;
    const r = await load1(spec(d.datasetUrl), settings(cache));
    expect(r.status).toBe('stale');
    expect(r.list.blocks).toHaveLength(10);
    expect(r.warnings.join('\n')).toMatch(/HTTP 503.*using the cached copy .*stale/);
    delete d.changesStatus;
    const after = await load1(spec(d.datasetUrl), settings(cache));
    expect(after.status).toBe('fresh');
    expect(domains(after)).not.toContain('d1.example');
  });

  it('keeps the pages read when a later page fails (429), and reads the rest next run', async () => {
    const d = await fires();
    seed(d, 10);
    const cache = await cacheDir();
    await load1(spec(d.datasetUrl), settings(cache));
    seed(d, 250, 'x');
    d.changesStatus = 429;
    d.failChangesAt = 3;
    const r = await load1(spec(d.datasetUrl), settings(cache));
    expect(r.status).toBe('stale');
    expect(r.list.blocks).toHaveLength(210);
    expect(r.warnings.join('\n')).toMatch(/HTTP 429.*the changes read so far are kept/);
    delete d.changesStatus;
    d.requests.length = 0;
    const next = await load1(spec(d.datasetUrl), settings(cache));
    expect(next.status).toBe('fresh');
    expect(next.list.blocks).toHaveLength(260);
    expect(new URL(d.requests.find((q) => q.path.includes('/changes'))!.path, d.url).searchParams.get('since')).toBe(d.changes[209]!.uuid);
  });

  it('falls back to a fresh snapshot, with a notice, when the server refuses the cursor (400)', async () => {
    const d = await fires();
    seed(d, 10);
    const cache = await cacheDir();
    await load1(spec(d.datasetUrl), settings(cache));
    d.add({ type: 'Retraction', entityKind: 'domain', entityKey: 'd2.example' });
    d.changesStatus = 400;
    d.requests.length = 0;
    const r = await load1(spec(d.datasetUrl), settings(cache));
    expect(r.status).toBe('fresh');
    expect(domains(r)).not.toContain('d2.example');
    expect(r.notices.map((n) => n.message).join('\n')).toMatch(/the server refused the saved cursor .* \(HTTP 400\); read a fresh snapshot instead/);
    expect(paths(d)).toEqual(['/datasets/ID/changes?since=' + d.changes[9]!.uuid, '/datasets/ID', '/datasets/ID/snapshot', '/labels']);
  });

  it('trips the shrink guard when the feed retracts a large share at once', async () => {
    const d = await fires();
    seed(d, 20);
    const cache = await cacheDir();
    await load1(spec(d.datasetUrl), settings(cache));
    for (let i = 0; i < 10; i++) d.add({ type: 'Retraction', entityKind: 'domain', entityKey: `d${i}.example` });
    const r = await load1(spec(d.datasetUrl), settings(cache));
    expect(r.status).toBe('shrunk');
    expect(r.list.blocks).toHaveLength(20);
    expect(r.warnings.join('\n')).toMatch(/shrank from 20 to 10 domains \(−50%\).*--accept-shrink fires/);
    const accepted = await load1(spec(d.datasetUrl), settings(cache, { acceptShrink: new Set(['fires']) }));
    expect(accepted.status).toBe('fresh');
    expect(accepted.list.blocks).toHaveLength(10);
  });

  it('serves the cache offline, and fails without one', async () => {
    const d = await fires();
    seed(d, 3);
    const cache = await cacheDir();
    await load1(spec(d.datasetUrl), settings(cache));
    d.requests.length = 0;
    const r = await load1(spec(d.datasetUrl), settings(cache, { offline: true }));
    expect(r.status).toBe('stale');
    expect(r.list.blocks).toHaveLength(3);
    expect(d.requests).toEqual([]);
    expect((await load1(spec(d.datasetUrl), settings(await cacheDir(), { offline: true }))).status).toBe('failed');
  });

  it('reads the labels once per run for two datasets on one server', async () => {
    const d = await fires();
    seed(d, 3);
    const cache = await cacheDir();
    await loadSources([spec(d.datasetUrl), spec(d.datasetUrl, { index: 1, name: 'again' })], settings(cache), deps);
    expect(paths(d).filter((p) => p === '/labels')).toHaveLength(1);
  });

  it('falls back to a snapshot when the server answers 400 to a cursor that is not a UUIDv7', async () => {
    const d = await fires();
    seed(d, 4);
    const cache = await cacheDir();
    await load1(spec(d.datasetUrl), settings(cache));
    // A cursor the server does not take (a UUID of another version), as a corrupted or foreign cache would hold.
    const key = cacheKey(`url:${d.datasetUrl}`, 'fires');
    const c = (await readCache(cache, key))!;
    const state = JSON.parse(c.body) as { cursor: string };
    state.cursor = '0197b000-0000-4000-8000-000000000000';
    await writeCache(cache, key, JSON.stringify(state), { url: c.meta.url, fetchedAt: c.meta.fetchedAt, domainCount: c.meta.domainCount });
    d.add({ type: 'Retraction', entityKind: 'domain', entityKey: 'd0.example' });
    d.requests.length = 0;
    const r = await load1(spec(d.datasetUrl), settings(cache));
    expect(r.status).toBe('fresh');
    expect(domains(r)).toEqual(['d1.example', 'd2.example', 'd3.example']);
    expect(r.notices.map((n) => n.message).join('\n')).toMatch(/refused the saved cursor 0197b000-0000-4000-8000-000000000000 \(HTTP 400\); read a fresh snapshot instead/);
    expect(paths(d).slice(0, 3)).toEqual(['/datasets/ID/changes?since=0197b000-0000-4000-8000-000000000000', '/datasets/ID', '/datasets/ID/snapshot']);
  });

  it('finds the labels at /labels when the server has no nodeinfo, and keeps earlier names when they cannot be read', async () => {
    const d = await fires([{ id: '1', name: 'Hate speech' }]);
    d.add({ type: 'Recommendation', entityKind: 'domain', entityKey: 'bad.example', policy: 'drop', labels: ['1'] });
    // A proxy in front of the double without nodeinfo, whose labels can be switched off.
    const state = { labelsDown: false };
    const proxy = await serve(async (req, res) => {
      if ((req.url ?? '').includes('nodeinfo') || (state.labelsDown && req.url === '/labels')) {
        res.writeHead(404);
        return void res.end();
      }
      const up = await fetch(`${d.url}${req.url}`, { headers: { accept: req.headers.accept ?? '' } });
      res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? '' });
      res.end((await up.text()).replaceAll(d.url, `http://127.0.0.1:${proxy.port}`));
    });
    const url = `${proxy.url}/datasets/${d.datasetId}`;
    const cache = await cacheDir();
    const first = await load1(spec(url), settings(cache));
    expect(first.list.blocks[0]!.public_comment).toBe('Hate speech');
    expect(proxy.requests.map((q) => q.url)).toContain('/labels');
    state.labelsDown = true;
    d.add({ type: 'Recommendation', entityKind: 'domain', entityKey: 'worse.example', policy: 'drop', labels: ['1'] });
    const second = await load1(spec(url), settings(cache));
    expect(second.status).toBe('fresh');
    expect(second.list.blocks.map((b) => [b.domain, b.public_comment])).toEqual([
      ['bad.example', 'Hate speech'],
      ['worse.example', 'Hate speech'],
    ]);
    expect(second.notices.map((n) => n.message).join('\n')).toMatch(/labels could not be read \(labels: fetching .*HTTP 404\); using the names from earlier runs/);
  });
});
