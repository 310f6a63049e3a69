// The last good copy of each remote source, so that a source that is down, broken or suspiciously
// short can be served from its previous body (design.md "Fetching", issue 4 "Source cache").
//
// Per source, two files in the cache directory, named by a key (SHA-256 of location + format):
//   <key>.body  the body exactly as fetched (UTF-8 text)
//   <key>.json  { url, etag, lastModified, fetchedAt, domainCount, bodySha256 }
// Both are written atomically; the meta carries the body's hash, so a crash between the two writes
// (or any other mismatch) reads as "no cache" rather than pairing a body with another's ETag.
// Local files are the admin's own and are never cached.
import { sha256Hex } from '../node-crypto.js';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface CacheMeta {
  /** Where the body came from, redacted (no query string, never a token). */
  url: string;
  etag?: string;
  lastModified?: string;
  /** ISO time of the last successful fetch or revalidation (304). */
  fetchedAt: string;
  /** Domains the body parsed to when it was saved: the shrink guard's baseline. */
  domainCount: number;
  /** SHA-256 hex of the body file's bytes. */
  bodySha256: string;
}

export interface CacheEntry {
  meta: CacheMeta;
  body: string;
}

export type WriteFileAtomic = (path: string, data: string | Uint8Array, opts?: { mode?: number }) => Promise<void>;


/** Cache key of a source: SHA-256 hex of its location and format. */
export function cacheKey(location: string, format: string): string {
  return sha256Hex(`${location}\n${format}`);
}

export function cachePaths(cacheDir: string, key: string): { body: string; meta: string } {
  return { body: join(cacheDir, `${key}.body`), meta: join(cacheDir, `${key}.json`) };
}

function isMeta(v: unknown): v is CacheMeta {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  return (
    typeof m.url === 'string' &&
    typeof m.fetchedAt === 'string' &&
    !Number.isNaN(Date.parse(m.fetchedAt)) &&
    typeof m.domainCount === 'number' &&
    Number.isFinite(m.domainCount) &&
    typeof m.bodySha256 === 'string' &&
    (m.etag === undefined || typeof m.etag === 'string') &&
    (m.lastModified === undefined || typeof m.lastModified === 'string')
  );
}

/** The cached copy, or undefined when there is none or it is unreadable/inconsistent. */
export async function readCache(cacheDir: string, key: string): Promise<CacheEntry | undefined> {
  const p = cachePaths(cacheDir, key);
  let meta: unknown;
  let bodyBytes: Buffer;
  try {
    meta = JSON.parse(await readFile(p.meta, 'utf8'));
    bodyBytes = await readFile(p.body);
  } catch {
    return undefined;
  }
  if (!isMeta(meta)) return undefined;
  if (sha256Hex(bodyBytes) !== meta.bodySha256) return undefined;
  return { meta, body: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bodyBytes) };
}

async function defaultWriteFileAtomic(): Promise<WriteFileAtomic> {
  const mod = await import('../output/atomic-write.js');
  return mod.writeFileAtomic as WriteFileAtomic;
}

/** Saves `body` as the last good copy; `meta.bodySha256` is computed here. */
export async function writeCache(
  cacheDir: string,
  key: string,
  body: string,
  meta: Omit<CacheMeta, 'bodySha256'>,
  deps: { writeFileAtomic?: WriteFileAtomic } = {},
): Promise<CacheMeta> {
  const write = deps.writeFileAtomic ?? (await defaultWriteFileAtomic());
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  const p = cachePaths(cacheDir, key);
  const bytes = Buffer.from(body, 'utf8');
  const full: CacheMeta = { ...meta, bodySha256: sha256Hex(bytes) };
  // Body first: until the meta is replaced, the old meta's hash no longer matches and the entry
  // reads as absent, never as a new body paired with the old ETag.
  await write(p.body, bytes, { mode: 0o600 });
  await write(p.meta, JSON.stringify(full, null, 2) + '\n', { mode: 0o600 });
  return full;
}

/** Replaces only the meta (after a 304: new fetchedAt, maybe new validators). */
export async function touchCache(
  cacheDir: string,
  key: string,
  meta: CacheMeta,
  deps: { writeFileAtomic?: WriteFileAtomic } = {},
): Promise<void> {
  const write = deps.writeFileAtomic ?? (await defaultWriteFileAtomic());
  await write(cachePaths(cacheDir, key).meta, JSON.stringify(meta, null, 2) + '\n', { mode: 0o600 });
}

/** Age of a cached copy in milliseconds (never negative). */
export function cacheAgeMs(meta: Pick<CacheMeta, 'fetchedAt'>, now: number = Date.now()): number {
  const t = Date.parse(meta.fetchedAt);
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : Math.max(0, now - t);
}

/** `45 s`, `12 min`, `5 h`, `3 d`: ages in warnings. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms)) return 'unknown age';
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h`;
  return `${+(h / 24).toFixed(1)} d`;
}
