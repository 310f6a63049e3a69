// One HTTP transport for the destinations that are not Mastodon (GoToSocial, Akkoma): bearer token
// sent to the configured origin only (no redirects followed), bounded concurrency, the shared rate
// budget (X-RateLimit-* headers, Reset as an ISO time), 429 waits, and retries of network errors and
// of the 5xx statuses a caller allows (GoToSocial answers 500 for an invalid domain, so writes do
// not retry 500). Statuses are returned for the caller to interpret; messages never hold the token.
import { FediblockError } from '../../errors.js';
import { registerSecret } from '../../log.js';
import { checkBaseUrl } from '../mastodon/client.js';
import { scrubToken } from '../mastodon/errors.js';
import { RateBudget, parseResetTime, parseRetryAfter } from '../mastodon/rate-budget.js';
import { DestinationHttpError } from './errors.js';
import { RequestGate } from './request-gate.js';
import { Connection } from './send-request.js';
import { networkForbidden } from '../../undici.js';

export interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface TransportOptions {
  baseUrl: string;
  token?: string;
  reserve?: number;
  concurrency?: number;
  timeoutMs?: number;
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  onEvent?: (e: { type: 'retry' | 'rate-limited'; path: string; waitMs: number; reason?: string }) => void;
}

export interface RequestOptions {
  body?: unknown;
  /** Send the token (default: when one is set). */
  auth?: boolean;
  /** A write to the destination (counted in writeCount). */
  write?: boolean;
  /** 5xx statuses worth retrying (default 500, 502, 503, 504). */
  retryStatuses?: readonly number[];
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;
const MAX_429_WAITS = 8;
const MAX_429_WAIT_MS = 20 * 60_000;

export class HttpTransport {
  readonly host: string;
  readonly origin: string;
  private readonly prefix: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly onEvent: NonNullable<TransportOptions['onEvent']>;
  private readonly gate: RequestGate;
  private readonly budget: RateBudget;
  private readonly concurrency: number;
  private connection: Connection | undefined;
  requestCount = 0;
  writeCount = 0;

  constructor(opts: TransportOptions) {
    const base = checkBaseUrl(opts.baseUrl);
    this.host = base.host;
    this.origin = base.origin;
    this.prefix = base.pathname.replace(/\/+$/, '');
    if (opts.token !== undefined) {
      if (opts.token === '' || /[\r\n\0\s]/.test(opts.token)) throw new FediblockError(`the token for ${this.host} is empty or contains whitespace`);
      registerSecret(opts.token);
    }
    this.token = opts.token;
    this.concurrency = opts.concurrency ?? 4;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxRetries = opts.maxRetries ?? 4;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = opts.now ?? Date.now;
    this.onEvent = opts.onEvent ?? (() => {});
    this.gate = new RequestGate(this.concurrency);
    this.budget = new RateBudget({ reserve: opts.reserve ?? 0.1, now: this.now, sleep: this.sleep });
  }

  scrub(s: string): string {
    return scrubToken(s, this.token);
  }

  async close(): Promise<void> {
    const c = this.connection;
    this.connection = undefined;
    c?.close();
  }

  /** `path` is relative to the API base (leading slash); the answer is never a redirect or a 429. */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Raw> {
    const url = new URL(`${this.prefix}${path}`, this.origin);
    const where = `${method} ${url.pathname}`;
    const retryable = opts.retryStatuses ?? [500, 502, 503, 504];
    let attempt = 0;
    let waits = 0;
    for (;;) {
      attempt++;
      let res: Raw;
      try {
        res = await this.gate.run(() => this.send(method, url, opts));
      } catch (e) {
        if (e instanceof TypeError || e instanceof ReferenceError || e instanceof SyntaxError) throw e;
        const reason = e instanceof Error ? (e.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : e.message) : String(e);
        if (attempt <= this.maxRetries) {
          const waitMs = this.backoff(attempt);
          this.onEvent({ type: 'retry', path: url.pathname, waitMs, reason });
          await this.sleep(waitMs);
          continue;
        }
        throw new DestinationHttpError(this.scrub(`could not reach ${this.host} for ${where}: ${reason} (after ${attempt} attempts)`), {
          unreachable: true,
          host: this.host,
          method,
          path: url.pathname,
        });
      }
      if (res.status === 429) {
        waits++;
        attempt--;
        const now = this.now();
        const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
        let until = parseRetryAfter(first(res.headers['retry-after']), now) ?? parseResetTime(first(res.headers['x-ratelimit-reset'])) ?? now + this.backoff(waits);
        if (until < now) until = now;
        if (waits > MAX_429_WAITS || until - now > MAX_429_WAIT_MS) {
          throw new DestinationHttpError(`${this.host} rate-limited ${where} until ${new Date(until).toISOString()}; try again then`, { status: 429, host: this.host, method, path: url.pathname });
        }
        this.onEvent({ type: 'rate-limited', path: url.pathname, waitMs: until - now });
        this.budget.block(until);
        continue;
      }
      if (res.status >= 500 && retryable.includes(res.status) && attempt <= this.maxRetries) {
        const waitMs = this.backoff(attempt);
        this.onEvent({ type: 'retry', path: url.pathname, waitMs, reason: `HTTP ${res.status}` });
        await this.sleep(waitMs);
        continue;
      }
      if (res.status >= 300 && res.status < 400) {
        throw new DestinationHttpError(`${this.host} redirected ${where} (HTTP ${res.status}); not followed, so the token is not sent elsewhere`, {
          status: res.status,
          host: this.host,
          method,
          path: url.pathname,
          hint: "Set the destination's api_base to the address the instance really serves its API on.",
        });
      }
      return res;
    }
  }

  private async send(method: string, url: URL, opts: RequestOptions): Promise<Raw> {
    // Every URL is built on the configured origin: one pool for this host.
    if (url.origin !== this.origin) throw new TypeError(`${url.origin} is not ${this.origin}`);
    if (networkForbidden()) throw new Error('--offline: this would need the network, and --offline forbids it');
    const connection = (this.connection ??= new Connection(url, this.concurrency));
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'fediblock/0.1 (+https://github.com/fediblock/fediblock)' };
    if (this.token !== undefined && opts.auth !== false) headers['authorization'] = `Bearer ${this.token}`;
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    await this.budget.acquire();
    this.requestCount++;
    if (opts.write) this.writeCount++;
    let resHeaders: Raw['headers'] | undefined;
    try {
      const res = await connection.request({
        method,
        path: `${url.pathname}${url.search}`,
        headers,
        body: payload,
        timeoutMs: this.timeoutMs,
        maxBodyBytes: MAX_BODY_BYTES,
      });
      resHeaders = res.headers;
      return res;
    } finally {
      this.budget.settle(resHeaders);
    }
  }

  private backoff(attempt: number): number {
    const base = Math.min(30_000, 500 * 2 ** (attempt - 1));
    return Math.round(base / 2 + Math.random() * (base / 2));
  }
}

export function parseJson(res: Raw): unknown {
  try {
    return JSON.parse(res.text) as unknown;
  } catch {
    return undefined;
  }
}
