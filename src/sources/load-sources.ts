// Every configured source, fetched (concurrently, bounded), parsed and judged: fresh, stale (served
// from the last good copy after a failure), shrunk (served from the last good copy because the new
// one lost too many domains) or failed (no usable copy). Anything but fresh holds deletions
// (decisions.md "Sync behaviour"). One bad source never throws; the caller decides what a failed
// source means for the run.
//
// Local files are the admin's own: they are read every time and never cached, so they are either
// fresh or failed (no stale copy, no shrink guard).
import { fileURLToPath } from 'node:url';
import type { ParseResult } from '../model.js';
import { fetchBody as defaultFetchBody } from './fetch-body.js';
import { loadFires } from './fires/load-fires.js';
import { checkSignature, fetchOrFail, loadRemote } from './load-remote.js';
import {
  describe,
  messageOf,
  parseAndJudge,
  result,
  SourceFailure,
  type FetchSettings,
  type InstanceLocation,
  type LoadDeps,
  type LoadedSource,
  type ParseListFn,
  type Resolved,
  type SourceSpec,
} from './loaded-source.js';

export type { FetchSettings, InstanceLocation, LoadDeps, LoadedSource, ParseListFn, SourceSpec } from './loaded-source.js';

export async function loadSources(specs: SourceSpec[], settings: FetchSettings, deps: LoadDeps = {}): Promise<LoadedSource[]> {
  checkSettings(settings);
  const { default: pLimit } = await import('p-limit');
  // `concurrency` bounds the fetches, not the parsing: a source holding a slot while it is parsed
  // (synchronous, on this thread) kept the next fetches from even starting, so 10 sources at 50 ms
  // took rounds of fetch-then-parse instead of one round trip (issue 5, fetch case).
  const limit = pLimit(Math.max(1, Math.floor(settings.concurrency)));
  const fetchBody = deps.fetchBody ?? defaultFetchBody;
  const fetchInstance = deps.fetchInstance ?? defaultFetchInstance;
  const d: Resolved = {
    parseList: deps.parseList ?? (await defaultParseList()),
    fetchBody: (location, opts) => limit(() => fetchBody(location, opts)),
    fetchInstance: (spec, opts) => limit(() => fetchInstance(spec, opts)),
    writeFileAtomic: deps.writeFileAtomic,
    now: deps.now ?? Date.now,
    fetchOpts: {
      ...(deps.retries === undefined ? {} : { retries: deps.retries }),
      ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
    },
    firesLabels: new Map(),
  };
  const onLoaded = deps.onLoaded;
  return Promise.all(
    specs.map(async (spec, position) => {
      const loaded = await loadOne(spec, settings, d);
      onLoaded?.(loaded, position);
      return loaded;
    }),
  );
}

function checkSettings(s: FetchSettings): void {
  const bad = (k: string) => {
    throw new TypeError(`loadSources: invalid FetchSettings.${k}`);
  };
  if (!(s.timeoutMs > 0)) bad('timeoutMs');
  if (!(s.maxBytes > 0)) bad('maxBytes');
  if (!(s.maxStaleMs >= 0)) bad('maxStaleMs');
  if (!(s.shrinkGuard >= 0 && s.shrinkGuard <= 1)) bad('shrinkGuard');
  if (!(s.rejectRatio >= 0 && s.rejectRatio <= 1)) bad('rejectRatio');
  if (!(s.concurrency >= 1)) bad('concurrency');
  if (typeof s.cacheDir !== 'string' || s.cacheDir === '') bad('cacheDir');
}

async function defaultParseList(): Promise<ParseListFn> {
  const mod = await import('./parse-list.js');
  return mod.parseList as ParseListFn;
}

async function defaultFetchInstance(spec: SourceSpec & { location: InstanceLocation }, opts: { timeoutMs: number }): Promise<unknown> {
  const { MastodonClient } = await import('../destinations/mastodon/client.js');
  const { apiBase, token, admin } = spec.location;
  const client = new MastodonClient({ baseUrl: apiBase, ...(token === undefined ? {} : { token }), timeoutMs: opts.timeoutMs });
  try {
    return admin ? await client.listDomainBlocks() : await client.publicDomainBlocks();
  } finally {
    await client.close().catch(() => undefined);
  }
}

async function loadOne(spec: SourceSpec, settings: FetchSettings, d: Resolved): Promise<LoadedSource> {
  try {
    const l = spec.location;
    if (l.kind === 'file') return await loadFile(spec, l, settings, d);
    // A file: URL is a local file like a plain path (not cached).
    if (l.kind === 'url' && /^file:/i.test(l.url)) return await loadFile(spec, { kind: 'file', path: fileURLToPath(l.url) }, settings, d);
    if (spec.format === 'fires') return await loadFiresSource(spec, settings, d);
    return await loadRemote(spec, settings, d);
  } catch (err) {
    // Only reached by bugs below; a source still must not take the others down.
    return result(spec, 'failed', spec.location.kind === 'file' ? 'file' : 'network', undefined, {
      error: `${spec.name}: internal error while loading ${describe(spec)}: ${messageOf(err)}`,
    });
  }
}

async function loadFile(spec: SourceSpec, location: { kind: 'file'; path: string }, settings: FetchSettings, d: Resolved): Promise<LoadedSource> {
  const fetchedAt = new Date(d.now()).toISOString();
  try {
    const body = await readVerified(spec, location, settings, d);
    if (spec.format === 'fires') throw new SourceFailure('a FIRES dataset is read from its server: give its https URL');
    const parsed = parseAndJudge(body, spec.format, spec, settings, d);
    return result(spec, 'fresh', 'file', parsed, { fetchedAt });
  } catch (err) {
    if (!(err instanceof SourceFailure)) throw err;
    return result(spec, 'failed', 'file', err.parsed, { error: `${spec.name} (${describe(spec)}): ${err.message}` });
  }
}

/**
 * The file's text, its signature checked when asked. Only the text leaves: the bytes it was
 * decoded from must die young, not live through the parse (an awaiting function keeps its
 * locals, and the fetch queue its answer) and wait for a full collection — at twenty large lists
 * that was 50 MB.
 */
async function readVerified(spec: SourceSpec, location: { kind: 'file'; path: string }, settings: FetchSettings, d: Resolved): Promise<string> {
  const got = await fetchOrFail(location, settings, d);
  if (got.status !== 'ok') throw new SourceFailure('unexpected not-modified for a local file');
  if (spec.verify_key !== undefined) await checkSignature(spec, { kind: 'file', path: `${location.path}.sig` }, got.bytes ?? got.body, settings, d);
  // The same answer object may still be held by the fetch queue while the text is parsed.
  delete got.bytes;
  return got.body;
}

async function loadFiresSource(spec: SourceSpec, settings: FetchSettings, d: Resolved): Promise<LoadedSource> {
  if (spec.location.kind !== 'url') throw new TypeError('a FIRES source needs a url');
  const o = await loadFires({
    name: spec.name,
    url: spec.location.url,
    settings,
    http: { fetchBody: d.fetchBody, timeoutMs: settings.timeoutMs, maxBytes: settings.maxBytes, fetchOpts: d.fetchOpts },
    now: d.now,
    ...(d.writeFileAtomic ? { writeFileAtomic: d.writeFileAtomic } : {}),
    labels: d.firesLabels,
  });
  const derived = o.derived;
  const parsed: ParseResult = {
    blocks: derived?.blocks ?? [],
    rejects: [...o.rejects, ...(derived?.rejects ?? [])],
    notices: [...o.notices, ...(derived?.notices ?? [])],
    rows: (derived?.rows ?? 0) + o.rejects.length,
  };
  const loaded = result(spec, o.status, o.origin, parsed, {
    warnings: o.warnings,
    ...(o.error === undefined ? {} : { error: o.error }),
    ...(o.fetchedAt === undefined ? {} : { fetchedAt: o.fetchedAt }),
  });
  if (derived && o.status !== 'failed') loaded.list.evidence = derived.evidence;
  loaded.details = o.details;
  return loaded;
}
