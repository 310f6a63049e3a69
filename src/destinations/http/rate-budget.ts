// A client-side view of the server's rate-limit window, so a sync never spends the admin's reserve.
//
// Mastodon (rack-attack) sends X-RateLimit-Limit / -Remaining / -Reset on every token-authenticated
// response; windows are fixed and aligned to the Unix epoch, and Reset is the end of the current one
// (ISO 8601, 6 fractional digits, carrying the request's own sub-second fraction: windows are
// compared by whole seconds). The headers describe the throttle with the fewest remaining requests.
// We keep `remaining` as the lowest value seen for the current window and subtract the requests
// still in flight, so concurrent callers cannot overshoot: a request is only sent while
// `remaining - inFlight - 1 >= reserve`. Otherwise the caller waits for an in-flight response (which
// may bring better news) or, when nothing is in flight, until Reset plus a small margin.
//
// Until the first response arrives nothing is known, so only one request goes out (a probe). A
// server that sends no rate-limit headers at all is then not throttled by us.

export interface RateBudgetOptions {
  /** Share of the limit kept for the admin's own use (0..1). Default 0.10. */
  reserve?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Added to every wait for a window end, to absorb clock skew. Default 1000 ms. */
  marginMs?: number;
  /** Called before each wait. */
  onWait?: (info: { ms: number; reason: 'reserve' | 'rate-limited'; until: number }) => void;
}

export interface RateHeaders {
  limit?: number;
  remaining?: number;
  /** Epoch ms. */
  reset?: number;
}

type Headers = Record<string, string | string[] | undefined>;

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/**
 * Parse an ISO 8601 timestamp robustly: any number of fractional digits (JavaScript's Date only
 * guarantees three), `Z` or an offset, or a bare epoch-seconds number. Returns epoch ms or undefined.
 */
export function parseResetTime(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const fast = parseIsoUtc(raw);
  if (fast !== undefined) return fast;
  const s = raw.trim();
  if (s === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    // Epoch seconds (GoToSocial-like servers may send them); values this small are not ms.
    return n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  }
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:[.,](\d+))?\s*(Z|z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (m) {
    const [, date, time, frac, zone] = m;
    const ms = frac ? Number(`0.${frac}`) * 1000 : 0;
    let z = zone ?? 'Z';
    if (z === 'z') z = 'Z';
    if (/^[+-]\d{4}$/.test(z)) z = `${z.slice(0, 3)}:${z.slice(3)}`;
    const base = Date.parse(`${date}T${time!.length === 5 ? `${time}:00` : time}${z}`);
    return Number.isNaN(base) ? undefined : base + ms;
  }
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

const digit = (s: string, i: number): number => {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : NaN;
};
const num = (s: string, from: number, to: number): number => {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + digit(s, i);
  return n;
};

/**
 * The form Mastodon sends on every answer, `2026-11-25T08:55:00.123456Z`, read without a regex or
 * Date.parse (a sync into many instances reads thousands); undefined for anything else, which
 * parseResetTime then reads the general way.
 */
function parseIsoUtc(s: string): number | undefined {
  const n = s.length;
  if (n < 20 || s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':' || s[n - 1] !== 'Z') return undefined;
  const year = num(s, 0, 4);
  const month = num(s, 5, 7);
  const day = num(s, 8, 10);
  const hour = num(s, 11, 13);
  const minute = num(s, 14, 16);
  const second = num(s, 17, 19);
  let ms = 0;
  if (n > 20) {
    if (s[19] !== '.' || n === 21 || !Number.isFinite(num(s, 20, n - 1))) return undefined;
    ms = Number(`0.${s.slice(20, n - 1)}`) * 1000; // as the general reading computes it
  }
  if (!Number.isFinite(year + month + day + hour + minute + second + ms)) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const t = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 31 April over into May; Date.parse refuses it: leave such strings to it.
  if (new Date(t).getUTCDate() !== day) return undefined;
  return t + ms;
}

/** `Retry-After`: delay in seconds or an HTTP date. Returns epoch ms or undefined. */
export function parseRetryAfter(raw: string | undefined, now: number): number | undefined {
  if (raw === undefined) return undefined;
  const s = raw.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return now + Math.round(Number(s) * 1000);
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

const int = (raw: string | undefined): number | undefined => {
  if (raw === undefined || !/^\s*\d+\s*$/.test(raw)) return undefined;
  return Number(raw);
};

export function readRateHeaders(h: Headers): RateHeaders {
  const out: RateHeaders = {};
  const limit = int(first(h['x-ratelimit-limit']));
  const remaining = int(first(h['x-ratelimit-remaining']));
  const reset = parseResetTime(first(h['x-ratelimit-reset']));
  if (limit !== undefined) out.limit = limit;
  if (remaining !== undefined) out.remaining = remaining;
  if (reset !== undefined) out.reset = reset;
  return out;
}

export class RateBudget {
  readonly reserve: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly marginMs: number;
  private readonly onWait: RateBudgetOptions['onWait'];

  /** 'never': no response yet (probe one at a time); 'none': responses carry no headers. */
  private state: 'never' | 'none' | 'known' = 'never';
  private limit: number | undefined;
  private remaining: number | undefined;
  private resetAt: number | undefined;
  private blockedUntil = 0;
  private inFlight = 0;
  private waiters: Array<() => void> = [];
  /** Lowest remaining the server has reported, for diagnostics and tests. */
  lowestRemaining: number | undefined;

  constructor(opts: RateBudgetOptions = {}) {
    const reserve = opts.reserve ?? 0.1;
    if (!(reserve >= 0 && reserve < 1)) throw new RangeError(`reserve must be in [0, 1), got ${reserve}`);
    this.reserve = reserve;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.marginMs = opts.marginMs ?? 1000;
    this.onWait = opts.onWait;
  }

  /** The server's limit for the current window, once a response has said it (for wait announcements). */
  get knownLimit(): number | undefined {
    return this.limit;
  }

  /** Requests kept back for the admin, given the current limit. */
  reserveCount(): number {
    return this.limit === undefined ? 0 : Math.ceil(this.limit * this.reserve);
  }

  /** The local estimate of what may still be sent in this window, or undefined when unknown. */
  estimate(): number | undefined {
    return this.remaining === undefined ? undefined : this.remaining - this.inFlight;
  }

  /** Wait until one more request may be sent, then count it as in flight. Call `settle` after. */
  async acquire(): Promise<void> {
    for (;;) {
      const now = this.now();
      if (now < this.blockedUntil) {
        const ms = this.blockedUntil - now;
        this.onWait?.({ ms, reason: 'rate-limited', until: this.blockedUntil });
        await this.sleep(ms);
        continue;
      }
      this.rollWindow(now);
      if (this.state === 'none') break;
      if (this.state === 'never' || this.remaining === undefined) {
        if (this.inFlight === 0) break; // one probe at a time until something is known
        await this.nextSettle();
        continue;
      }
      if (this.remaining - this.inFlight - 1 >= this.reserveCount()) break;
      if (this.inFlight > 0) {
        await this.nextSettle();
        continue;
      }
      // Nothing in flight and the reserve reached: wait for the window to end.
      const until = (this.resetAt ?? now + 60_000) + this.marginMs;
      const ms = Math.max(1, until - now);
      this.onWait?.({ ms, reason: 'reserve', until });
      await this.sleep(ms);
      if (this.resetAt === undefined) {
        // No known window end: forget what we knew and probe.
        this.state = 'never';
        this.remaining = undefined;
      }
    }
    this.inFlight++;
  }

  /**
   * A request finished. `headers` are the response's headers, or undefined when no response came
   * back (network error, timeout): the server may still have counted it, so it is charged.
   */
  settle(headers: Headers | undefined): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (headers === undefined) {
      if (this.remaining !== undefined) this.remaining = Math.max(0, this.remaining - 1);
    } else {
      this.observe(readRateHeaders(headers));
    }
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /**
   * A 429: nothing more goes out before `until` (epoch ms; the margin is added here). Afterwards the
   * window is unknown again, so one request probes it before the others follow.
   */
  block(until: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, until + this.marginMs);
    this.state = 'never';
    this.remaining = undefined;
    this.resetAt = undefined;
  }

  private observe(raw: RateHeaders): void {
    if (raw.remaining === undefined || raw.limit === undefined) {
      if (this.state === 'never') this.state = 'none';
      return;
    }
    // Mastodon's Reset is the window's end plus the request's own sub-second fraction
    // (`now + period - now.to_i % period`): answers of one window differ by up to a second, so a
    // window is identified by its whole second. Otherwise a late answer of the same window, sent
    // in a second with a larger fraction, would look like a newer window and raise the count.
    const h = { ...raw, limit: raw.limit, remaining: raw.remaining, reset: raw.reset === undefined ? undefined : Math.floor(raw.reset / 1000) * 1000 };
    const now = this.now();
    this.lowestRemaining = this.lowestRemaining === undefined ? h.remaining : Math.min(this.lowestRemaining, h.remaining);
    if (h.reset !== undefined && h.reset + this.marginMs <= now) return; // from a window that has ended
    this.state = 'known';
    const adopt = () => {
      this.limit = h.limit;
      this.remaining = h.remaining;
      this.resetAt = h.reset;
    };
    if (this.remaining === undefined || this.resetAt === undefined || h.reset === undefined) adopt();
    else if (h.reset === this.resetAt) {
      // Same window: responses can arrive out of order, the lowest count is the latest.
      this.remaining = Math.min(this.remaining, h.remaining!);
      this.limit = h.limit;
    } else if (h.reset > this.resetAt) adopt(); // a new window, or a longer throttle now binding
    else if (h.remaining! <= this.remaining) adopt(); // a shorter throttle that is now the tighter one
  }

  /** Once the window's end (plus margin) has passed, the server's counter starts again. */
  private rollWindow(now: number): void {
    if (this.resetAt !== undefined && now >= this.resetAt + this.marginMs && this.limit !== undefined) {
      this.remaining = this.limit;
      this.resetAt = undefined;
    }
  }

  private nextSettle(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }
}
