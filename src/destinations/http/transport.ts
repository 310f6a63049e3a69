// One HTTP transport for the destinations that are not Mastodon (GoToSocial, Akkoma): bearer token
// sent to the configured origin only (no redirects followed), bounded concurrency, the shared rate
// budget (X-RateLimit-* headers, Reset as an ISO time), 429 waits, and retries of network errors and
// of the 5xx statuses a caller allows (GoToSocial answers 500 for an invalid domain, so writes do
// not retry 500). Statuses are returned for the caller to interpret; messages never hold the token.
import { checkBaseUrl, checkToken } from './check-destination.js';
import { scrubToken } from '../mastodon/errors.js';
import { RateBudget } from './rate-budget.js';
import { DestinationHttpError } from './errors.js';
import { BudgetedConnection } from './budgeted-connection.js';
import type { HttpOptions } from './http-options.js';
import { RequestGate } from './request-gate.js';
import { sendWithRetries, unreachableMessage, type Answer, type RetryPolicy } from './send-with-retries.js';

export type Raw = Answer;

export interface TransportOptions extends HttpOptions {
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

const RETRY_STATUSES: readonly number[] = [500, 502, 503, 504];

export class HttpTransport {
  readonly host: string;
  readonly origin: string;
  private readonly prefix: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;
  private readonly gate: RequestGate;
  private readonly retry: RetryPolicy;
  private readonly link: BudgetedConnection;

  constructor(opts: TransportOptions) {
    const base = checkBaseUrl(opts.baseUrl);
    this.host = base.host;
    this.origin = base.origin;
    this.prefix = base.pathname.replace(/\/+$/, '');
    checkToken(opts.token, this.host);
    this.token = opts.token;
    const concurrency = opts.concurrency ?? 4;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    const sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    const now = opts.now ?? Date.now;
    const onEvent = opts.onEvent ?? (() => {});
    this.gate = new RequestGate(concurrency);
    const budget = new RateBudget({ reserve: opts.reserve ?? 0.1, now, sleep });
    this.link = new BudgetedConnection(base, concurrency, budget, this.timeoutMs);
    const host = this.host;
    this.retry = {
      maxRetries: opts.maxRetries ?? 4,
      sleep,
      now,
      budget,
      describeFailure: (e) => (e instanceof Error ? (e.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : e.message) : String(e)),
      onRetry: (_method, path, _attempt, waitMs, reason) => onEvent({ type: 'retry', path, waitMs, reason }),
      onRateLimited: (_method, path, waitMs) => onEvent({ type: 'rate-limited', path, waitMs }),
      unreachable: (method, path, reason, attempts) =>
        new DestinationHttpError(this.scrub(unreachableMessage(host, method, path, reason, attempts)), { unreachable: true, host, method, path }),
      // One wording for both limits (unlike the Mastodon client, which says when it is the count).
      rateLimited: (method, path, until) =>
        new DestinationHttpError(`${host} rate-limited ${method} ${path} until ${new Date(until).toISOString()}; try again then`, { status: 429, host, method, path }),
    };
  }

  /** HTTP requests actually sent, retries included. */
  get requestCount(): number {
    return this.link.requestCount;
  }

  /** Writes actually sent, retries included. */
  get writeCount(): number {
    return this.link.writeCount;
  }

  scrub(s: string): string {
    return scrubToken(s, this.token);
  }

  async close(): Promise<void> {
    this.link.close();
  }

  /** `path` is relative to the API base (leading slash); the answer is never a redirect or a 429. */
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Raw> {
    const url = new URL(`${this.prefix}${path}`, this.origin);
    const res = await sendWithRetries(this.retry, method, url.pathname, () => this.gate.run(() => this.send(method, url, opts)), opts.retryStatuses ?? RETRY_STATUSES);
    if (res.status >= 300 && res.status < 400) {
      throw new DestinationHttpError(`${this.host} redirected ${method} ${url.pathname} (HTTP ${res.status}); not followed, so the token is not sent elsewhere`, {
        status: res.status,
        host: this.host,
        method,
        path: url.pathname,
        hint: "Set the destination's api_base to the address the instance really serves its API on.",
      });
    }
    return res;
  }

  private async send(method: string, url: URL, opts: RequestOptions): Promise<Raw> {
    // Every URL is built on the configured origin: one pool for this host.
    if (url.origin !== this.origin) throw new TypeError(`${url.origin} is not ${this.origin}`);
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'fediblock/0.1 (+https://github.com/fediblock/fediblock)' };
    if (this.token !== undefined && opts.auth !== false) headers['authorization'] = `Bearer ${this.token}`;
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    return this.link.send(method, `${url.pathname}${url.search}`, headers, payload, opts.write);
  }

}

export function parseJson(res: Raw): unknown {
  try {
    return JSON.parse(res.text) as unknown;
  } catch {
    return undefined;
  }
}
