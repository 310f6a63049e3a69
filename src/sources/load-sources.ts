// Every configured source, fetched (concurrently, bounded), parsed and judged: fresh, stale (served
// from the last good copy after a failure), shrunk (served from the last good copy because the new
// one lost too many domains) or failed (no usable copy). Anything but fresh holds deletions
// (decisions.md "Sync behaviour"). One bad source never throws; the caller decides what a failed
// source means for the run.
//
// Local files are the admin's own: they are read every time and never cached, so they are either
// fresh or failed (no stale copy, no shrink guard).
import { fileURLToPath } from 'node:url';
import type { ListFormat, Notice, OptionalField, ParseResult, Reject, Severity, SourceList, SourceStatus } from '../model.js';
import { FediblockError } from '../errors.js';
import { fetchBody as defaultFetchBody, redactUrl, type FetchBodyOptions, type FetchLocation } from './fetch-body.js';
import { cacheAgeMs, cacheKey, formatAge, readCache, touchCache, writeCache, type CacheEntry, type CacheMeta, type WriteFileAtomic } from './source-cache.js';
import { verifyRapidBlockSignature } from './verify-signature.js';
import { VERSION } from '../version.js';
import { loadFires } from './fires/load-fires.js';
import type { LabelSet } from './fires/fires-client.js';

export type InstanceLocation = { kind: 'instance'; host: string; admin: boolean; apiBase: string; token?: string };

export interface SourceSpec {
  index: number;
  name: string;
  location: FetchLocation | InstanceLocation;
  /** `fires`: a FIRES dataset, read through its protocol (fires/load-fires.ts), not as one list. */
  format: ListFormat | 'auto' | 'fires';
  /** What entries without a severity of their own mean (plain lists, Fediseer); default suspend. */
  severity?: Severity;
  /** Fediseer's API key, sent in the `apikey` header (never logged). */
  apiKey?: string;
  max_severity?: Severity;
  import_fields?: OptionalField[];
  /** Base64 raw Ed25519 key: the list must come with a valid RapidBlock `<url>.sig`. */
  verify_key?: string;
  /** Allowlists are fetched and guarded like sources, but keep canary rows. */
  role?: 'source' | 'allowlist';
}

export interface FetchSettings {
  cacheDir: string;
  timeoutMs: number;
  maxBytes: number;
  maxStaleMs: number;
  /** Share of domains a source may lose against its last good copy (0.25 = 25%). */
  shrinkGuard: number;
  /** Share of rejected rows above which a source counts as failed. */
  rejectRatio: number;
  concurrency: number;
  /** Source names whose shrink is accepted as the new last good copy (--accept-shrink). */
  acceptShrink: Set<string>;
  /** Never touch the network: remote sources come from the cache (stale) or fail. */
  offline?: boolean;
}

export interface LoadedSource {
  list: SourceList;
  status: SourceStatus;
  origin: 'network' | 'not-modified' | 'cache' | 'file';
  /** Of the copy used; for a failed source, of the failed attempt (diagnostics). */
  rejects: Reject[];
  notices: Notice[];
  rows: number;
  warnings: string[];
  /** Set when status is `failed`: why, in a sentence. */
  error?: string;
  /** What a service source read and holds (FIRES), for `check`. */
  details?: string[];
  /** When the copy used was fetched (ISO). */
  fetchedAt?: string;
}

export type ParseListFn = (text: string, format: ListFormat | 'auto', source: string, opts?: { keepCanaries?: boolean; severity?: Severity }) => ParseResult & { format: ListFormat };

export interface LoadDeps {
  parseList?: ParseListFn;
  fetchBody?: typeof defaultFetchBody;
  /** Returns the instance's blocks as JSON-able data (the API's array). */
  fetchInstance?: (spec: SourceSpec & { location: InstanceLocation }, opts: { timeoutMs: number }) => Promise<unknown>;
  writeFileAtomic?: WriteFileAtomic;
  now?: () => number;
  /** Retries per fetch (fetchBody's default when unset). */
  retries?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Called as each source is done (in completion order), e.g. to merge it and drop its rows early. */
  onLoaded?: (source: LoadedSource, position: number) => void;
}

interface Resolved {
  parseList: ParseListFn;
  fetchBody: typeof defaultFetchBody;
  fetchInstance: NonNullable<LoadDeps['fetchInstance']>;
  writeFileAtomic: WriteFileAtomic | undefined;
  now: () => number;
  fetchOpts: Pick<FetchBodyOptions, 'retries' | 'sleep'>;
  /** FIRES labels read this run, by server: each server's labels are read once per run. */
  firesLabels: Map<string, Promise<LabelSet>>;
}

type Parsed = ParseResult & { format: ListFormat };

/** A judged failure of one attempt (network, HTTP, parse, content); `parsed` when it parsed. */
class SourceFailure extends Error {
  constructor(
    message: string,
    readonly parsed?: Parsed,
  ) {
    super(message);
  }
}

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

const uniqueDomains = (p: ParseResult): number => new Set(p.blocks.map((b) => b.domain)).size;
const pct = (x: number): string => `${Math.round(x * 100)}%`;
const shellWord = (s: string): string => (/^[\w.@:/+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Parses and judges a body; throws SourceFailure with the reason when it is not a usable list. */
function parseAndJudge(text: string, format: ListFormat | 'auto', spec: SourceSpec, settings: FetchSettings, d: Resolved): Parsed {
  let parsed: Parsed;
  try {
    parsed = d.parseList(text, format, spec.name, { keepCanaries: spec.role === 'allowlist', ...(spec.severity === undefined ? {} : { severity: spec.severity }) });
  } catch (err) {
    if (err instanceof FediblockError) {
      const prefix = `${spec.name}: `;
      throw new SourceFailure(err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message);
    }
    throw new SourceFailure(`could not be parsed (internal error: ${messageOf(err)})`);
  }
  const rejected = parsed.rejects.length;
  if (parsed.rows > 0 && rejected / parsed.rows > settings.rejectRatio) {
    throw new SourceFailure(
      `${rejected} of ${parsed.rows} rows rejected (${pct(rejected / parsed.rows)}), more than reject_ratio ${settings.rejectRatio}`,
      parsed,
    );
  }
  if (parsed.blocks.length === 0) {
    const blank = text.replace(/^\uFEFF/, '').trim() === '';
    throw new SourceFailure(blank ? 'empty body: no list' : `no usable blocks (${parsed.rows} rows, ${rejected} rejected)`, parsed);
  }
  return parsed;
}

function describe(spec: SourceSpec): string {
  const l = spec.location;
  if (l.kind === 'file') return l.path;
  if (l.kind === 'url') return redactUrl(l.url);
  return `${l.admin ? 'admin' : 'public'} domain blocks of ${l.host}`;
}

function result(
  spec: SourceSpec,
  status: SourceStatus,
  origin: LoadedSource['origin'],
  parsed: ParseResult | undefined,
  extra: { warnings?: string[]; error?: string; fetchedAt?: string } = {},
): LoadedSource {
  const list: SourceList = {
    index: spec.index,
    name: spec.name,
    blocks: status === 'failed' || !parsed ? [] : parsed.blocks,
    status,
    ...(spec.max_severity === undefined ? {} : { max_severity: spec.max_severity }),
    ...(spec.import_fields === undefined ? {} : { import_fields: spec.import_fields }),
  };
  return {
    list,
    status,
    origin,
    rejects: parsed?.rejects ?? [],
    notices: parsed?.notices ?? [],
    rows: parsed?.rows ?? 0,
    warnings: extra.warnings ?? [],
    ...(extra.error === undefined ? {} : { error: extra.error }),
    ...(extra.fetchedAt === undefined ? {} : { fetchedAt: extra.fetchedAt }),
  };
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
    const got = await fetchOrFail(location, settings, d);
    if (got.status !== 'ok') throw new SourceFailure('unexpected not-modified for a local file');
    if (spec.verify_key !== undefined) await checkSignature(spec, { kind: 'file', path: `${location.path}.sig` }, got.bytes ?? got.body, settings, d);
    if (spec.format === 'fires') throw new SourceFailure('a FIRES dataset is read from its server: give its https URL');
    const parsed = parseAndJudge(got.body, spec.format, spec, settings, d);
    return result(spec, 'fresh', 'file', parsed, { fetchedAt });
  } catch (err) {
    if (!(err instanceof SourceFailure)) throw err;
    return result(spec, 'failed', 'file', err.parsed, { error: `${spec.name} (${describe(spec)}): ${err.message}` });
  }
}

async function fetchOrFail(
  location: FetchLocation,
  settings: FetchSettings,
  d: Resolved,
  validators: { etag?: string; lastModified?: string } = {},
  spec?: SourceSpec,
) {
  // Fediseer asks clients to name themselves (name:version:contact) in Client-Agent.
  const headers =
    spec?.format === 'fediseer'
      ? { headers: { 'client-agent': `fediblock:${VERSION}:https://github.com/fediblock/fediblock`, ...(spec.apiKey === undefined ? {} : { apikey: spec.apiKey }) } }
      : {};
  try {
    return await d.fetchBody(location, {
      timeoutMs: settings.timeoutMs,
      maxBytes: settings.maxBytes,
      ...d.fetchOpts,
      ...validators,
      ...headers,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const status = (err as { httpStatus?: number }).httpStatus;
    if (spec?.format === 'fediseer' && (status === 403 || status === 401)) {
      throw new SourceFailure(`${message}: Fediseer refuses this list${spec.apiKey === undefined ? ' without an API key (set token_env or token_file)' : ' with the API key given'}`);
    }
    if (status === 429) throw new SourceFailure(`${message}: rate limited by the server; try again later`);
    throw new SourceFailure(message);
  }
}

async function checkSignature(spec: SourceSpec, sigLocation: FetchLocation, body: Uint8Array | string, settings: FetchSettings, d: Resolved): Promise<void> {
  let sig;
  try {
    sig = await d.fetchBody(sigLocation, { timeoutMs: settings.timeoutMs, maxBytes: 4096, ...d.fetchOpts });
  } catch (err) {
    throw new SourceFailure(`signature missing or unreadable (verify_key is set): ${messageOf(err)}`);
  }
  if (sig.status !== 'ok') throw new SourceFailure('signature missing (verify_key is set)');
  let ok: boolean;
  try {
    ok = verifyRapidBlockSignature(body, sig.body, spec.verify_key ?? '');
  } catch (err) {
    throw new SourceFailure(messageOf(err));
  }
  if (!ok) throw new SourceFailure('signature does not verify with verify_key: the list may have been tampered with');
}

function signatureLocation(url: string): FetchLocation {
  const u = new URL(url);
  u.pathname += '.sig';
  return { kind: 'url', url: u.href };
}

/** Cache identity and the URL recorded in its meta. */
function remoteIdentity(spec: SourceSpec): { id: string; url: string } {
  const l = spec.location;
  if (l.kind === 'url') return { id: `url:${l.url}`, url: redactUrl(l.url) };
  if (l.kind === 'instance') {
    const path = l.admin ? '/api/v1/admin/domain_blocks' : '/api/v1/instance/domain_blocks';
    return { id: `instance:${l.apiBase}:${l.admin ? 'admin' : 'public'}`, url: redactUrl(l.apiBase.replace(/\/+$/, '') + path) };
  }
  throw new TypeError('remoteIdentity: not a remote source');
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

async function loadRemote(spec: SourceSpec, settings: FetchSettings, d: Resolved): Promise<LoadedSource> {
  if (spec.format === 'fires') throw new TypeError('loadRemote: a FIRES source');
  const format: ListFormat | 'auto' = spec.location.kind === 'instance' ? 'mastodon_api' : spec.format;
  const ident = remoteIdentity(spec);
  const key = cacheKey(ident.id, spec.format);
  const cache = await readCache(settings.cacheDir, key);
  const now = d.now();
  const label = `${spec.name} (${describe(spec)})`;

  /** The last good copy after a failure: stale when young enough, else failed. */
  const fallback = (reason: string, failedParse?: Parsed, ignoreAge = false): LoadedSource => {
    const origin = 'network';
    if (!cache) return result(spec, 'failed', origin, failedParse, { error: `${label}: ${reason}; no cached copy to fall back on` });
    const age = cacheAgeMs(cache.meta, now);
    if (!ignoreAge && age > settings.maxStaleMs) {
      return result(spec, 'failed', origin, failedParse, {
        error: `${label}: ${reason}; the cached copy is ${formatAge(age)} old, older than max_stale (${formatAge(settings.maxStaleMs)})`,
      });
    }
    let parsed: Parsed;
    try {
      parsed = parseAndJudge(cache.body, format, spec, settings, d);
    } catch (err) {
      return result(spec, 'failed', origin, failedParse, { error: `${label}: ${reason}; the cached copy is unusable too: ${messageOf(err)}` });
    }
    return result(spec, 'stale', 'cache', parsed, {
      fetchedAt: cache.meta.fetchedAt,
      warnings: [`${label}: ${reason}; using the cached copy from ${formatAge(age)} ago (stale); deletions are held this run`],
    });
  };

  if (settings.offline) return fallback('offline: not fetched', undefined, true);

  // Fetch.
  let text: string;
  let validators: { etag?: string; lastModified?: string } = {};
  try {
    if (spec.location.kind === 'instance') {
      let data: unknown;
      try {
        data = await d.fetchInstance(spec as SourceSpec & { location: InstanceLocation }, { timeoutMs: settings.timeoutMs });
      } catch (err) {
        throw new SourceFailure(messageOf(err));
      }
      text = JSON.stringify(data ?? null);
    } else {
      const loc = spec.location;
      if (loc.kind !== 'url') throw new TypeError('loadRemote: a file source');
      const conditional = cache ? { ...(cache.meta.etag ? { etag: cache.meta.etag } : {}), ...(cache.meta.lastModified ? { lastModified: cache.meta.lastModified } : {}) } : {};
      const got = await fetchOrFail(loc, settings, d, conditional, spec);
      if (got.status === 'not-modified') {
        if (!cache) throw new SourceFailure('server answered 304 Not Modified but there is no cached copy');
        return await notModified(spec, settings, d, cache, key, format, label);
      }
      text = got.body;
      validators = { ...(got.etag ? { etag: got.etag } : {}), ...(got.lastModified ? { lastModified: got.lastModified } : {}) };
      if (spec.verify_key !== undefined) await checkSignature(spec, signatureLocation(loc.url), got.bytes ?? got.body, settings, d);
    }
  } catch (err) {
    if (!(err instanceof SourceFailure)) throw err;
    return fallback(err.message);
  }

  // Parse and judge.
  let parsed: Parsed;
  try {
    parsed = parseAndJudge(text, format, spec, settings, d);
  } catch (err) {
    if (!(err instanceof SourceFailure)) throw err;
    return fallback(err.message, err.parsed);
  }

  const fetchedAt = new Date(now).toISOString();
  const count = uniqueDomains(parsed);
  const warnings: string[] = [];

  // Shrink guard.
  if (cache && cache.meta.domainCount > 0 && count < (1 - settings.shrinkGuard) * cache.meta.domainCount) {
    const before = cache.meta.domainCount;
    const drop = `−${Math.round(((before - count) / before) * 100)}%`;
    if (settings.acceptShrink.has(spec.name)) {
      warnings.push(`${label} shrank from ${before} to ${count} domains (${drop}); accepted as the new last good copy (--accept-shrink)`);
    } else {
      let previous: Parsed | undefined;
      try {
        previous = parseAndJudge(cache.body, format, spec, settings, d);
      } catch (err) {
        warnings.push(`${label} shrank from ${before} to ${count} domains (${drop}), but the previous copy is unusable (${messageOf(err)}); using the new one`);
      }
      if (previous) {
        return result(spec, 'shrunk', 'cache', previous, {
          fetchedAt: cache.meta.fetchedAt,
          warnings: [
            `${spec.name} shrank from ${before} to ${count} domains (${drop}); using the previous copy and holding deletions; ` +
              `if this is deliberate run with --accept-shrink ${shellWord(spec.name)}`,
          ],
        });
      }
    }
  }

  // Fresh: save as the last good copy.
  try {
    await writeCache(
      settings.cacheDir,
      key,
      text,
      { url: ident.url, ...validators, fetchedAt, domainCount: count },
      d.writeFileAtomic ? { writeFileAtomic: d.writeFileAtomic } : {},
    );
  } catch (err) {
    warnings.push(`${label}: could not save the cached copy in ${settings.cacheDir}: ${messageOf(err)}`);
  }
  return result(spec, 'fresh', 'network', parsed, { fetchedAt, warnings });
}

async function notModified(
  spec: SourceSpec,
  settings: FetchSettings,
  d: Resolved,
  cache: CacheEntry,
  key: string,
  format: ListFormat | 'auto',
  label: string,
): Promise<LoadedSource> {
  let parsed: Parsed;
  try {
    parsed = parseAndJudge(cache.body, format, spec, settings, d);
  } catch (err) {
    return result(spec, 'failed', 'not-modified', undefined, {
      error: `${label}: not modified since the cached copy, but that copy is unusable: ${messageOf(err)}`,
    });
  }
  const fetchedAt = new Date(d.now()).toISOString();
  const warnings: string[] = [];
  const meta: CacheMeta = { ...cache.meta, fetchedAt };
  try {
    await touchCache(settings.cacheDir, key, meta, d.writeFileAtomic ? { writeFileAtomic: d.writeFileAtomic } : {});
  } catch (err) {
    warnings.push(`${label}: could not update the cached copy's time in ${settings.cacheDir}: ${messageOf(err)}`);
  }
  return result(spec, 'fresh', 'not-modified', parsed, { fetchedAt, warnings });
}
