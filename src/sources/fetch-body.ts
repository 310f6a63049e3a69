// Bytes in, text out: reads one list from a local file or over HTTP, with a size cap, a timeout
// per attempt, retries with backoff, conditional requests and manually followed redirects.
// Parsing is someone else's job (parse-list.ts); this module never interprets the body.
//
// List URLs are public; the only credential ever sent is a source's own API key (Fediseer's
// `apikey`), passed in `headers`, and those headers go to the URL's own origin only: a redirect to
// another host drops them. undici is imported lazily (design.md: a local merge should not pay for
// the HTTP client at start-up).
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { FediblockError } from '../errors.js';
import { loadUndici } from '../undici.js';
import { isLoopbackHost } from './loopback-host.js';

export type FetchLocation = { kind: 'file'; path: string } | { kind: 'url'; url: string };

export interface FetchBodyOptions {
  /** Per attempt: covers the connection, the headers and the whole body (and redirects). */
  timeoutMs: number;
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** Extra attempts after the first on network errors, timeouts and 5xx (default 2). */
  retries?: number;
  /** Sent as If-None-Match. */
  etag?: string;
  /** Sent as If-Modified-Since. */
  lastModified?: string;
  /** Backoff sleep, injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Replaces the default Accept header (FIRES answers HTML unless asked for JSON). */
  accept?: string;
  /** Extra request headers (an API key), sent to the starting URL's origin only. */
  headers?: Record<string, string>;
}

export type FetchBodyResult =
  | {
      status: 'ok';
      body: string;
      etag?: string;
      lastModified?: string;
      /** The raw bytes (signature verification needs them exactly). */
      bytes?: Uint8Array;
      /** URL the body came from after redirects (redacted: no query), for URL locations. */
      finalUrl?: string;
      /** Redirects followed. */
      redirects?: number;
      /** The Content-Type header, as sent. */
      contentType?: string;
    }
  | { status: 'not-modified' };

/** A failed fetch; `retryable` is true for network errors, timeouts and 5xx. */
export class FetchError extends FediblockError {
  readonly retryable: boolean;
  readonly httpStatus?: number;
  constructor(message: string, opts: { retryable: boolean; httpStatus?: number; cause?: unknown; hint?: string }) {
    super(message, {
      ...(opts.cause === undefined ? {} : { cause: opts.cause }),
      ...(opts.hint === undefined ? {} : { hint: opts.hint }),
    });
    this.name = 'FetchError';
    this.retryable = opts.retryable;
    if (opts.httpStatus !== undefined) this.httpStatus = opts.httpStatus;
  }
}

export const MAX_REDIRECTS = 5;
const DEFAULT_RETRIES = 2;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 10_000;
const USER_AGENT = 'fediblock (+https://github.com/fediblock/fediblock)';
const ACCEPT = 'text/csv, application/json, text/plain;q=0.9, */*;q=0.5';

/** A URL fit for messages and logs: no user info, no query (it may hold a secret), no fragment. */
export function redactUrl(url: string | URL): string {
  let u: URL;
  try {
    u = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return '<invalid URL>';
  }
  if (u.protocol === 'file:') return u.href.split(/[?#]/)[0] ?? u.href;
  return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?…' : ''}`;
}

/** `20 MB`, `512 kB`, `300 bytes`: sizes in messages. */
export function formatBytes(n: number): string {
  if (n >= 1_000_000) return `${+(n / 1_000_000).toFixed(1)} MB`;
  if (n >= 1_000) return `${+(n / 1_000).toFixed(1)} kB`;
  return `${n} bytes`;
}

const seconds = (ms: number): string => `${+(ms / 1000).toFixed(2)}s`;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with full jitter in [0.5, 1.5) of the nominal delay. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const nominal = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return Math.round(nominal * (0.5 + random()));
}

/** Whether `url` may be fetched: `https:` anywhere, `http:` only on loopback. */
function checkScheme(u: URL, what: string): void {
  if (u.protocol === 'https:') return;
  if (u.protocol === 'http:' && isLoopbackHost(u.hostname)) return;
  if (u.protocol === 'http:') {
    throw new FetchError(`${what} ${redactUrl(u)}: refused: plain http: is only allowed for loopback hosts`, {
      retryable: false,
      hint: 'Use the https: URL of the list.',
    });
  }
  throw new FetchError(`${what} ${redactUrl(u)}: refused: unsupported URL scheme ${u.protocol}`, { retryable: false });
}

export async function fetchBody(location: FetchLocation, opts: FetchBodyOptions): Promise<FetchBodyResult> {
  if (location.kind === 'file') return readLocalFile(location.path, opts.maxBytes);
  let u: URL;
  try {
    u = new URL(location.url);
  } catch {
    throw new FetchError(`invalid URL: ${redactUrl(location.url)}`, { retryable: false });
  }
  if (u.protocol === 'file:') return readLocalFile(fileURLToPath(u), opts.maxBytes);
  checkScheme(u, 'fetching');

  const retries = Math.max(0, opts.retries ?? DEFAULT_RETRIES);
  const sleep = opts.sleep ?? defaultSleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await httpAttempt(u, opts);
    } catch (err) {
      if (!(err instanceof FetchError) || !err.retryable || attempt >= retries) {
        if (err instanceof FetchError && err.retryable && attempt > 0) {
          throw new FetchError(`${err.message} (after ${attempt + 1} attempts)`, {
            retryable: true,
            cause: err,
            ...(err.httpStatus === undefined ? {} : { httpStatus: err.httpStatus }),
          });
        }
        throw err;
      }
      await sleep(backoffMs(attempt));
    }
  }
}

async function readLocalFile(path: string, maxBytes: number): Promise<FetchBodyResult> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new FetchError(`reading ${path}: not a regular file`, { retryable: false });
    if (st.size > maxBytes) {
      throw new FetchError(`reading ${path}: too large: over ${formatBytes(maxBytes)} (${formatBytes(st.size)})`, {
        retryable: false,
        hint: 'Raise [fetch] max_bytes if this list is really that big.',
      });
    }
    // Read in one go, right before the caller parses it: an asynchronous read of a large list
    // lives through other sources' parses in pieces, so its buffer outlives two collections and
    // waits for a full one (twenty 3 MB lists kept 60 MB). A local read takes milliseconds.
    const buf = readFileSync(path);
    // The file may have grown between stat and read.
    if (buf.length > maxBytes) {
      throw new FetchError(`reading ${path}: too large: over ${formatBytes(maxBytes)}`, { retryable: false });
    }
    return { status: 'ok', body: decodeUtf8(buf), bytes: buf };
  } catch (err) {
    if (err instanceof FetchError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new FetchError(`reading ${path}: ${what}`, { retryable: false, cause: err });
  }
}

/** UTF-8, invalid sequences replaced; a BOM is kept (the parser strips it). */
function decodeUtf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Drops a body we will not read; its abort error must not surface as an uncaught one. */
function discard(body: NodeJS.ReadableStream & { destroy(): void }): void {
  body.on('error', () => undefined);
  body.destroy();
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** One attempt: the whole redirect chain and the body under one timeout. */
async function httpAttempt(start: URL, opts: FetchBodyOptions): Promise<FetchBodyResult> {
  const { request } = await loadUndici();
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, opts.timeoutMs);
  let url = start;
  const timeoutError = (cause?: unknown) =>
    new FetchError(`fetching ${redactUrl(url)}: timed out after ${seconds(opts.timeoutMs)}`, {
      retryable: true,
      cause,
      hint: 'The server may be overloaded; raise [fetch] timeout if the list is large and the server slow.',
    });
  try {
    for (let redirects = 0; ; redirects++) {
      const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: opts.accept ?? ACCEPT };
      if (opts.headers && url.origin === start.origin) for (const [k, v] of Object.entries(opts.headers)) headers[k.toLowerCase()] = v;
      if (opts.etag) headers['if-none-match'] = opts.etag;
      if (opts.lastModified) headers['if-modified-since'] = opts.lastModified;
      let res: Awaited<ReturnType<typeof request>>;
      try {
        res = await request(url, { method: 'GET', headers, signal: controller.signal });
      } catch (err) {
        if (timedOut) throw timeoutError(err);
        throw new FetchError(`fetching ${redactUrl(url)}: ${networkMessage(err)}`, { retryable: true, cause: err });
      }
      const status = res.statusCode;

      if (REDIRECT_STATUSES.has(status)) {
        await res.body.dump().catch(() => undefined);
        const loc = header(res.headers, 'location');
        if (!loc) {
          throw new FetchError(`fetching ${redactUrl(url)}: HTTP ${status} redirect without a Location header`, {
            retryable: false,
            httpStatus: status,
          });
        }
        if (redirects >= MAX_REDIRECTS) {
          throw new FetchError(`fetching ${redactUrl(start)}: too many redirects (more than ${MAX_REDIRECTS})`, {
            retryable: false,
            httpStatus: status,
          });
        }
        let next: URL;
        try {
          next = new URL(loc, url);
        } catch {
          throw new FetchError(`fetching ${redactUrl(url)}: redirect to an invalid URL`, { retryable: false, httpStatus: status });
        }
        checkScheme(next, `redirect from ${redactUrl(url)} to`);
        url = next;
        continue;
      }

      if (status === 304) {
        await res.body.dump().catch(() => undefined);
        if (opts.etag || opts.lastModified) return { status: 'not-modified' };
        throw new FetchError(`fetching ${redactUrl(url)}: HTTP 304 to an unconditional request`, { retryable: false, httpStatus: 304 });
      }

      if (status < 200 || status > 299) {
        await res.body.dump().catch(() => undefined);
        throw new FetchError(`fetching ${redactUrl(url)}: HTTP ${status}`, {
          retryable: status >= 500,
          httpStatus: status,
          ...(status === 404 || status === 410 ? { hint: 'Check the source URL; the list may have moved.' } : {}),
        });
      }

      const tooLarge = () =>
        new FetchError(`fetching ${redactUrl(url)}: too large: over ${formatBytes(opts.maxBytes)}`, {
          retryable: false,
          hint: 'Raise [fetch] max_bytes if this list is really that big.',
        });
      const declared = Number(header(res.headers, 'content-length'));
      if (Number.isFinite(declared) && declared > opts.maxBytes) {
        discard(res.body);
        throw tooLarge();
      }

      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of res.body) {
          const b = chunk as Buffer;
          size += b.length;
          if (size > opts.maxBytes) {
            discard(res.body);
            throw tooLarge();
          }
          chunks.push(b);
        }
      } catch (err) {
        if (err instanceof FetchError) throw err;
        if (timedOut) throw timeoutError(err);
        throw new FetchError(`fetching ${redactUrl(url)}: body cut short: ${networkMessage(err)}`, { retryable: true, cause: err });
      }
      if (Number.isFinite(declared) && size !== declared) {
        throw new FetchError(`fetching ${redactUrl(url)}: body cut short (${size} of ${declared} bytes)`, { retryable: true });
      }
      const bytes = Buffer.concat(chunks, size);
      const etag = header(res.headers, 'etag');
      const lastModified = header(res.headers, 'last-modified');
      const contentType = header(res.headers, 'content-type');
      return {
        status: 'ok',
        body: decodeUtf8(bytes),
        bytes,
        ...(etag ? { etag } : {}),
        ...(lastModified ? { lastModified } : {}),
        finalUrl: redactUrl(url),
        redirects,
        ...(contentType ? { contentType } : {}),
      };
    }
  } finally {
    clearTimeout(timer);
  }
}

/** A short, human reason for a network failure (undici wraps the system error in `cause`). */
function networkMessage(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.cause?.code ?? e?.code;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'DNS lookup failed (temporary)',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    UND_ERR_SOCKET: 'connection closed by the server',
    UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'response shorter than its Content-Length',
    CERT_HAS_EXPIRED: 'TLS certificate has expired',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
    ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host',
  };
  if (code && known[code]) return known[code];
  const msg = e?.cause?.message ?? e?.message ?? String(err);
  return code ? `${msg} (${code})` : msg;
}
