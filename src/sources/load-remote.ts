// A remote list (a URL or another instance's blocks) with its last good copy: conditional fetch,
// signature, parse and judge, the cached copy after a failure (stale), the shrink guard, and the
// new copy saved.
import type { ListFormat } from '../model.js';
import { redactUrl, type FetchLocation } from './fetch-body.js';
import { cacheAgeMs, cacheKey, formatAge, readCache, touchCache, writeCache, type CacheEntry, type CacheMeta } from './source-cache.js';
import { verifyRapidBlockSignature } from './verify-signature.js';
import { VERSION } from '../version.js';
import {
  describe,
  messageOf,
  parseAndJudge,
  result,
  shellWord,
  SourceFailure,
  uniqueDomains,
  type FetchSettings,
  type InstanceLocation,
  type LoadedSource,
  type Parsed,
  type Resolved,
  type SourceSpec,
} from './loaded-source.js';

export async function fetchOrFail(
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

export async function checkSignature(spec: SourceSpec, sigLocation: FetchLocation, body: Uint8Array | string, settings: FetchSettings, d: Resolved): Promise<void> {
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

export async function loadRemote(spec: SourceSpec, settings: FetchSettings, d: Resolved): Promise<LoadedSource> {
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
