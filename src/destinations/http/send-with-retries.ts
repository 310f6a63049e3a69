// The attempt loop every request to a destination runs through, for the Mastodon admin client and
// for the transport GoToSocial and Akkoma share. Network errors and timeouts are retried with
// exponential backoff and jitter up to `maxRetries`, and so are the 5xx statuses the caller allows
// (Mastodon: every 5xx; GoToSocial answers 500 for an invalid domain, so its writes do not retry
// 500). A 429 waits (Retry-After, else X-RateLimit-Reset, else backoff) without using up a retry and
// blocks the rate budget until then, so the other requests in flight wait too; the waits per call
// are capped, and so is the length of one. What the clients word their own way (events, errors)
// comes through the policy. A programming error (TypeError and kin) is never retried: backoff would
// only hide it.
import { parseResetTime, parseRetryAfter, type RateBudget } from './rate-budget.js';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** 429 waits allowed per call before giving up. */
export const MAX_RATE_LIMIT_WAITS = 8;
/** Longest single 429 wait accepted (Mastodon's paging throttle's window is 15 minutes). */
export const MAX_RATE_LIMIT_WAIT_MS = 20 * 60_000;

/** One per client, made once: the loop runs for every request, so it allocates nothing per call. */
export interface RetryPolicy {
  readonly maxRetries: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  readonly budget: RateBudget;
  /** Why an attempt got no answer, for the retry event and the final error. */
  describeFailure(e: unknown): string;
  /** Every answer, 429s and retried 5xx included. */
  onAnswer?(method: string, path: string, status: number, attempt: number): void;
  onRetry(method: string, path: string, attempt: number, delayMs: number, reason: string): void;
  onRateLimited(method: string, path: string, waitMs: number): void;
  /** The error once the retries are used up without an answer (see unreachableMessage). */
  unreachable(method: string, path: string, reason: string, attempts: number, cause: unknown): Error;
  /** The error for a 429 asking for a wait past the cap, or one wait too many (`tooMany`). */
  rateLimited(method: string, path: string, until: number, tooMany: boolean): Error;
}

/**
 * Sends until there is an answer to return: never a 429, and a 5xx only when `retryStatuses` (default
 * every 5xx) leaves it out or the retries are used up. `send` is one attempt.
 */
export async function sendWithRetries(policy: RetryPolicy, method: string, path: string, send: () => Promise<Answer>, retryStatuses?: readonly number[]): Promise<Answer> {
  let attempt = 0;
  let waits429 = 0;
  for (;;) {
    attempt++;
    let res: Answer;
    try {
      res = await send();
    } catch (e) {
      if (e instanceof TypeError || e instanceof ReferenceError || e instanceof SyntaxError) throw e;
      const reason = policy.describeFailure(e);
      if (attempt <= policy.maxRetries) {
        const delayMs = backoffDelay(attempt);
        policy.onRetry(method, path, attempt, delayMs, reason);
        await policy.sleep(delayMs);
        continue;
      }
      throw policy.unreachable(method, path, reason, attempt, e);
    }
    policy.onAnswer?.(method, path, res.status, attempt);
    const s = res.status;
    if (s === 429) {
      waits429++;
      attempt--; // a 429 does not use up the retries
      const now = policy.now();
      let until = parseRetryAfter(first(res.headers['retry-after']), now) ?? parseResetTime(first(res.headers['x-ratelimit-reset'])) ?? now + backoffDelay(waits429);
      if (until < now) until = now;
      if (waits429 > MAX_RATE_LIMIT_WAITS || until - now > MAX_RATE_LIMIT_WAIT_MS) throw policy.rateLimited(method, path, until, waits429 > MAX_RATE_LIMIT_WAITS);
      policy.onRateLimited(method, path, until - now);
      policy.budget.block(until);
      continue;
    }
    if (s >= 500 && (retryStatuses === undefined || retryStatuses.includes(s)) && attempt <= policy.maxRetries) {
      const delayMs = backoffDelay(attempt);
      policy.onRetry(method, path, attempt, delayMs, `HTTP ${s}`);
      await policy.sleep(delayMs);
      continue;
    }
    return res;
  }
}

/** The wording both clients give a request that never got an answer (scrub it of the token). */
export function unreachableMessage(host: string, method: string, path: string, reason: string, attempts: number): string {
  return `could not reach ${host} for ${method} ${path}: ${reason} (after ${attempts} attempts)`;
}

/** Exponential from 0.5 s, capped at 30 s, with jitter over its upper half. */
function backoffDelay(attempt: number): number {
  const base = Math.min(30_000, 500 * 2 ** (attempt - 1));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
