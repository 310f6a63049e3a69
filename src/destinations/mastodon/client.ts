// An HTTP client for Mastodon's admin domain-block API (mastodon-api.md), built for a sync tool:
// rate-limit aware (keeps a reserve for the admin), bounded concurrency, retries with backoff, and
// errors an admin can act on. The token is only ever sent to the configured host: redirects are
// refused, pagination links must stay on the same origin, and no message carries the token.
//
// Retries (the attempt loop in ../http/send-with-retries.ts). Network errors, timeouts and every
// 5xx are retried with exponential backoff and jitter, for every method. A POST whose first attempt
// reached the server but whose answer was lost comes back as a 422 with `existing_domain_block` on
// the retry; that surfaces as ExistingBlockConflict, which callers already handle (the block exists,
// which is what they wanted). A DELETE retried the same way gets a 404, which counts as already
// gone. A 429 waits (Retry-After, else X-RateLimit-Reset) and retries without using up
// `maxRetries`; the number of 429 waits per call is capped separately.
// zod/mini (see config/schema.ts); a namespace import lets esbuild drop the parts never used.
import * as z from 'zod/mini';
import '../../zod-messages.js';
import { FediblockError } from '../../errors.js';
import { blockFields, isSeverity, type BlockFields, type DomainBlock, type StoredBlock } from '../../model.js';
import { ExistingBlockConflict } from '../../sync/store.js';
import { MastodonHttpError, MeasuresError, authMessage, scrubToken, serverMessage, type CallNeeds } from './errors.js';
import { RateBudget } from '../http/rate-budget.js';
import { parseDomainBlock, readDomainBlock, readDomainBlocks, type ParseError } from './read-domain-block.js';
import { checkBaseUrl, checkToken } from '../http/check-destination.js';
import { BudgetedConnection } from '../http/budgeted-connection.js';
import type { HttpOptions } from '../http/http-options.js';
import { RequestGate } from '../http/request-gate.js';
import { MAX_RATE_LIMIT_WAITS, sendWithRetries, unreachableMessage, type Answer, type RetryPolicy } from '../http/send-with-retries.js';

export type ClientEvent =
  | { type: 'response'; method: string; path: string; status: number; attempt: number }
  | { type: 'retry'; method: string; path: string; attempt: number; delayMs: number; reason: string }
  | { type: 'rate-limited'; method: string; path: string; waitMs: number }
  | { type: 'rate-wait'; reason: 'reserve' | 'rate-limited'; waitMs: number; until: string; limit?: number; kept?: number }
  | { type: 'already-gone'; id: string; path: string };

/** Mastodon retries every 5xx (maxRetries times). */
export interface MastodonClientOptions extends HttpOptions {
  userAgent?: string;
  onEvent?: (e: ClientEvent) => void;
}

export interface InstanceInfo {
  software: 'mastodon' | 'other';
  version: string;
  apiVersion?: number;
  domain?: string;
  /** configuration.statuses.max_characters, when the server says. */
  maxCharacters?: number;
}

export type StatusVisibility = 'public' | 'unlisted' | 'private' | 'direct';

const NEEDS_POST: CallNeeds = { scope: 'write:statuses (or write)', permission: 'none' };

/** Mastodon's maximum page size since 4.3.0 (older servers cap at 200 and we follow their links). */
const PAGE_LIMIT = 500;

const UPDATABLE = ['severity', 'reject_media', 'reject_reports', 'obfuscate', 'public_comment', 'private_comment'] as const;
const BOOLEAN_FIELDS = ['reject_media', 'reject_reports', 'obfuscate'] as const;

const NEEDS_READ: CallNeeds = { scope: 'admin:read:domain_blocks (or admin:read)', permission: 'Manage Federation, needed for domain blocks' };
const NEEDS_WRITE: CallNeeds = { scope: 'admin:write:domain_blocks (or admin:write)', permission: 'Manage Federation, needed for domain blocks' };
const NEEDS_MEASURES: CallNeeds = { scope: 'admin:read (the only scope measures accept)', permission: 'View Dashboard, needed for follower checks' };

const optText = z.nullish(z.string());

const Measure = z.object({ key: z.string(), total: z.nullish(z.union([z.string(), z.number()])) });

const InstanceV2 = z.object({
  version: z.string(),
  domain: optText,
  api_versions: z.nullish(z.record(z.string(), z.unknown())),
  configuration: z.nullish(z.partial(z.object({ statuses: z.nullish(z.partial(z.object({ max_characters: z.unknown() }))) }))),
});

const PostedStatus = z.object({ id: z.pipe(z.union([z.string().check(z.minLength(1)), z.number()]), z.transform(String)), url: optText });

/** Targets of `Link` header entries by rel. */
export function parseLinkHeader(raw: string | string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const s = Array.isArray(raw) ? raw.join(', ') : raw;
  if (!s) return out;
  const re = /<([^>]*)>\s*((?:;\s*[^;,]+)*)/g;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const rel = /;\s*rel\s*=\s*"?([^";,]+)"?/i.exec(m[2] ?? '');
    if (rel) for (const r of rel[1]!.trim().split(/\s+/)) if (!out.has(r.toLowerCase())) out.set(r.toLowerCase(), m[1]!);
  }
  return out;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

type Raw = Answer;

interface CallOpts {
  body?: unknown;
  /** Extra request headers (e.g. Idempotency-Key). */
  headers?: Record<string, string>;
  needs?: CallNeeds;
  write?: boolean;
  /** Send the token (default true when one is set). */
  auth?: boolean;
}

export class MastodonClient {
  readonly host: string;
  readonly concurrency: number;
  private readonly base: URL;
  private readonly prefix: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;
  private readonly userAgent: string;
  private readonly now: () => number;
  private readonly onEvent: (e: ClientEvent) => void;
  private readonly gate: RequestGate;
  readonly budget: RateBudget;
  private readonly retry: RetryPolicy;
  private readonly link: BudgetedConnection;
  private plainHeaders: Record<string, string> | undefined;
  /** POST's URL, made once (never changed: URLs here are only read). */
  private blocksUrl: URL | undefined;
  private jsonHeaders: Record<string, string> | undefined;
  /** Settles once the first measures call has its answer (see followCounts). */
  private measuresGate: Promise<void> | undefined;
  private measuresRefused: MeasuresError | undefined;

  constructor(opts: MastodonClientOptions) {
    this.base = checkBaseUrl(opts.baseUrl);
    this.host = this.base.host;
    this.prefix = this.base.pathname.replace(/\/+$/, '');
    checkToken(opts.token, this.host);
    this.token = opts.token;
    this.concurrency = opts.concurrency ?? 4;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new FediblockError(`concurrency must be a positive integer, got ${opts.concurrency}`);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.userAgent = opts.userAgent ?? 'fediblock/0.1 (+https://github.com/fediblock/fediblock)';
    const sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = opts.now ?? Date.now;
    const onEvent = (this.onEvent = opts.onEvent ?? (() => {}));
    this.gate = new RequestGate(this.concurrency);
    this.budget = new RateBudget({
      reserve: opts.reserve ?? 0.1,
      now: this.now,
      sleep,
      onWait: (w) => {
        const limit = this.budget.knownLimit;
        onEvent({ type: 'rate-wait', reason: w.reason, waitMs: w.ms, until: new Date(w.until).toISOString(), ...(limit === undefined ? {} : { limit, kept: this.budget.reserveCount() }) });
      },
    });
    this.link = new BudgetedConnection(this.base, this.concurrency, this.budget, this.timeoutMs);
    const host = this.host;
    this.retry = {
      maxRetries: opts.maxRetries ?? 4,
      sleep,
      now: this.now,
      budget: this.budget,
      describeFailure: (e) => describeNetworkError(e, this.timeoutMs),
      onAnswer: (method, path, status, attempt) => onEvent({ type: 'response', method, path, status, attempt }),
      onRetry: (method, path, attempt, delayMs, reason) => onEvent({ type: 'retry', method, path, attempt, delayMs, reason }),
      onRateLimited: (method, path, waitMs) => onEvent({ type: 'rate-limited', method, path, waitMs }),
      unreachable: (method, path, reason, attempts, e) =>
        new MastodonHttpError(this.scrub(unreachableMessage(host, method, path, reason, attempts)), {
          unreachable: true,
          host,
          method,
          path,
          cause: e instanceof Error ? new Error(this.scrub(e.message)) : undefined,
        }),
      rateLimited: (method, path, until, tooMany) =>
        new MastodonHttpError(
          tooMany ? `${host} kept rate-limiting ${method} ${path} (${MAX_RATE_LIMIT_WAITS} waits); try again later` : `${host} rate-limited ${method} ${path} until ${new Date(until).toISOString()}; try again then`,
          { status: 429, host, method, path },
        ),
    };
  }

  /** HTTP requests actually sent, retries included. */
  get requestCount(): number {
    return this.link.requestCount;
  }

  /** Domain-block writes (POST/PUT/DELETE) actually sent, retries included. */
  get writeCount(): number {
    return this.link.writeCount;
  }

  /** Close kept-alive connections. */
  async close(): Promise<void> {
    this.link.close();
  }

  // ---- API calls --------------------------------------------------------------------------

  async listDomainBlocks(): Promise<StoredBlock[]> {
    const out: StoredBlock[] = [];
    const seenIds = new Set<string>();
    const seenUrls = new Set<string>();
    let url = this.url(`/api/v1/admin/domain_blocks?limit=${PAGE_LIMIT}`);
    // Servers before 4.3 cap pages at 200 and still link a next page; a page shorter than what the
    // server has shown it serves (and shorter than we asked for) is the last one.
    let pageSize = PAGE_LIMIT;
    for (let page = 0; ; page++) {
      seenUrls.add(url.href);
      const res = await this.call('GET', url, { needs: NEEDS_READ });
      const where = this.where('GET', url);
      if (res.status !== 200) throw this.unexpected(res, 'GET', url);
      const body = this.json(res, where);
      const read = readDomainBlocks(body);
      if ('error' in read) throw this.invalid(where, read.error);
      const blocks = read.blocks;
      for (const b of blocks) {
        if (seenIds.has(b.id)) continue;
        seenIds.add(b.id);
        out.push(b);
      }
      const next = parseLinkHeader(res.headers['link']).get('next');
      if (next === undefined || blocks.length === 0) break;
      if (page === 0 && blocks.length < PAGE_LIMIT) pageSize = blocks.length;
      else if (blocks.length < pageSize) break;
      const nextUrl = this.sameOrigin(next, where);
      if (seenUrls.has(nextUrl.href)) throw new MastodonHttpError(`${this.host}: pagination of ${where} loops back to a page already read`, { host: this.host, method: 'GET', path: url.pathname });
      url = nextUrl;
    }
    return out;
  }

  async createDomainBlock(b: DomainBlock): Promise<StoredBlock> {
    checkDomain(b.domain);
    if (!isSeverity(b.severity)) throw new FediblockError(`${b.domain}: invalid severity "${String(b.severity)}" (expected noop, silence or suspend)`);
    for (const f of BOOLEAN_FIELDS) if (typeof b[f] !== 'boolean') throw new FediblockError(`${b.domain}: ${f} must be true or false`);
    const body = { domain: b.domain, ...blockFields(b) };
    const url = (this.blocksUrl ??= this.url('/api/v1/admin/domain_blocks'));
    const res = await this.call('POST', url, { body, needs: NEEDS_WRITE, write: true });
    const where = this.where('POST', url);
    if (res.status === 200 || res.status === 201) return this.entity(res, where);
    if (res.status === 422) {
      const parsedBody = this.tryJson(res);
      if (parsedBody && typeof parsedBody === 'object' && 'existing_domain_block' in parsedBody) {
        const ex = this.block((parsedBody as { existing_domain_block: unknown }).existing_domain_block, where);
        throw new ExistingBlockConflict(b.domain, ex);
      }
      // 422 without existing_domain_block: a validation failure, or the uniqueness race (§1.1
      // "Duplicate record", or "Domain has already been taken"), which a retried POST loses to
      // its own first attempt. The messages are localised, so look instead: re-read the blocks.
      // A failed re-read leaves the 422 as the error to report.
      const found = await this.findBlock(b.domain).catch(() => undefined);
      if (found) {
        const sent = blockFields(b);
        const f = blockFields(found);
        if ((Object.keys(sent) as Array<keyof BlockFields>).every((k) => sent[k] === f[k])) return found; // ours: created
        throw new ExistingBlockConflict(b.domain, found);
      }
      throw new MastodonHttpError(this.scrub(`${this.host} refused to block ${b.domain}: ${serverMessage(parsedBody) ?? 'HTTP 422'}`), {
        status: 422,
        host: this.host,
        method: 'POST',
        path: url.pathname,
      });
    }
    throw this.unexpected(res, 'POST', url, b.domain);
  }

  /** The block of exactly `domain`, by listing (the API has no lookup by domain, §1.3). */
  private async findBlock(domain: string): Promise<StoredBlock | undefined> {
    return (await this.listDomainBlocks()).find((x) => x.domain === domain);
  }

  async updateDomainBlock(id: string, fields: Partial<BlockFields>): Promise<StoredBlock> {
    checkId(id);
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      if (!(UPDATABLE as readonly string[]).includes(k)) throw new FediblockError(`cannot update field "${k}" of domain block ${id}${k === 'domain' ? ' (Mastodon cannot rename a block: delete and create instead)' : ''}`);
      if (k === 'severity' && !isSeverity(String(v))) throw new FediblockError(`domain block ${id}: invalid severity "${String(v)}"`);
      if ((BOOLEAN_FIELDS as readonly string[]).includes(k) && typeof v !== 'boolean') throw new FediblockError(`domain block ${id}: ${k} must be true or false`);
      if ((k === 'public_comment' || k === 'private_comment') && typeof v !== 'string') throw new FediblockError(`domain block ${id}: ${k} must be a string`);
      body[k] = v;
    }
    if (Object.keys(body).length === 0) {
      throw new FediblockError(`refusing an empty update of domain block ${id}: Mastodon reprocesses every PUT, so no-op updates must not be sent`);
    }
    const url = this.url(`/api/v1/admin/domain_blocks/${encodeURIComponent(id)}`);
    const res = await this.call('PUT', url, { body, needs: NEEDS_WRITE, write: true });
    const where = this.where('PUT', url);
    if (res.status === 200) return this.entity(res, where);
    if (res.status === 404) {
      throw new MastodonHttpError(`${this.host} has no domain block ${id} any more (${where}); it was probably removed by hand: run again to re-plan`, {
        status: 404,
        host: this.host,
        method: 'PUT',
        path: url.pathname,
      });
    }
    if (res.status === 422) {
      throw new MastodonHttpError(this.scrub(`${this.host} refused to update domain block ${id}: ${serverMessage(this.tryJson(res)) ?? 'HTTP 422'}`), {
        status: 422,
        host: this.host,
        method: 'PUT',
        path: url.pathname,
      });
    }
    throw this.unexpected(res, 'PUT', url);
  }

  async deleteDomainBlock(id: string): Promise<void> {
    checkId(id);
    const url = this.url(`/api/v1/admin/domain_blocks/${encodeURIComponent(id)}`);
    const res = await this.call('DELETE', url, { needs: NEEDS_WRITE, write: true });
    if (res.status === 200 || res.status === 204) return;
    if (res.status === 404) {
      this.onEvent({ type: 'already-gone', id, path: url.pathname });
      return;
    }
    throw this.unexpected(res, 'DELETE', url);
  }

  /**
   * Follow edges between local accounts and `domain` (subdomains included), from the admin
   * measures. Every failure is a MeasuresError, so callers can cap the severity and warn.
   */
  async followCounts(domain: string): Promise<{ follows: number; followers: number }> {
    // The first check goes out alone: a token that may not read measures (403, or 401) is refused
    // once, and every later check fails with the same answer without spending a request.
    if (this.measuresGate === undefined) {
      let open!: () => void;
      this.measuresGate = new Promise<void>((r) => (open = r));
      try {
        return await this.countFollows(domain);
      } catch (e) {
        if (e instanceof MeasuresError && (e.status === 401 || e.status === 403)) this.measuresRefused = e;
        throw e;
      } finally {
        open();
      }
    }
    await this.measuresGate;
    const refused = this.measuresRefused;
    if (refused) {
      throw new MeasuresError(domain, `follower check for ${domain} not made: ${refused.message.replace(/^follower check for \S+ failed: /, '')}`, {
        status: refused.status!,
        refusedEarlier: true,
      });
    }
    return this.countFollows(domain);
  }

  private async countFollows(domain: string): Promise<{ follows: number; followers: number }> {
    const url = this.url('/api/v1/admin/measures');
    const now = this.now();
    const body = {
      keys: ['instance_follows', 'instance_followers'],
      // Required since 4.4.21/4.5.14/4.6.4; these totals ignore the range, so any valid one works.
      start_at: day(now - 86_400_000),
      end_at: day(now),
      instance_follows: { domain, include_subdomains: true },
      instance_followers: { domain, include_subdomains: true },
    };
    const where = this.where('POST', url);
    let res: Raw;
    try {
      checkDomain(domain);
      res = await this.call('POST', url, { body, needs: NEEDS_MEASURES });
    } catch (e) {
      if (e instanceof MeasuresError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      throw new MeasuresError(domain, this.scrub(`follower check for ${domain} failed: ${msg}`), {
        cause: e,
        ...(e instanceof MastodonHttpError && e.status !== undefined ? { status: e.status } : {}),
      });
    }
    if (res.status !== 200) {
      const m = serverMessage(this.tryJson(res));
      const why = res.status === 400 ? ' (Mastodon before 4.4 may not support these measures)' : '';
      throw new MeasuresError(domain, this.scrub(`follower check for ${domain} failed: ${this.host} answered ${where} with HTTP ${res.status}${m ? `: ${m}` : ''}${why}`), {
        status: res.status,
      });
    }
    let parsed: z.infer<typeof Measure>[];
    try {
      const r = z.array(Measure).safeParse(JSON.parse(res.text));
      if (!r.success) throw new Error(r.error.issues[0]?.message ?? 'unexpected shape');
      parsed = r.data;
    } catch (e) {
      throw new MeasuresError(domain, `follower check for ${domain} failed: ${this.host} returned an unexpected answer to ${where}: ${(e as Error).message}`, { status: res.status });
    }
    const total = (key: string): number => {
      const m = parsed.find((x) => x.key === key);
      const n = m?.total === undefined || m.total === null ? NaN : Number(m.total);
      if (!Number.isFinite(n) || n < 0) throw new MeasuresError(domain, `follower check for ${domain} failed: ${this.host} gave no usable ${key} total`, { status: res.status });
      return n;
    };
    return { follows: total('instance_follows'), followers: total('instance_followers') };
  }

  /**
   * Which software the destination runs. Rule: a version string marked "compatible" (Pleroma,
   * Akkoma, Misskey forks) or naming GoToSocial is not Mastodon; otherwise `api_versions.mastodon`
   * (4.3+) means Mastodon; failing that, a version starting with a major of 4 or more (4.0–4.2,
   * forks such as glitch-soc or Hometown that add a `+suffix`) is Mastodon. Anything else is
   * "other" — including GoToSocial's `0.x.y git-…`, which has no api_versions.mastodon, and Mastodon
   * 3.x, which lacks the admin domain-block API.
   */
  async instanceInfo(): Promise<InstanceInfo> {
    const url = this.url('/api/v2/instance');
    const res = await this.call('GET', url, {});
    const where = this.where('GET', url);
    if (res.status === 404) {
      throw new MastodonHttpError(`${this.host} has no ${where}: it is not Mastodon 4.0 or later`, { status: 404, host: this.host, method: 'GET', path: url.pathname });
    }
    if (res.status !== 200) throw this.unexpected(res, 'GET', url);
    const body = this.json(res, where);
    const r = InstanceV2.safeParse(body);
    if (!r.success) throw this.invalid(where, r.error);
    const { version, domain } = r.data;
    const apiRaw = r.data.api_versions?.['mastodon'];
    const apiVersion = typeof apiRaw === 'number' && Number.isInteger(apiRaw) && apiRaw >= 0 ? apiRaw : undefined;
    const info: InstanceInfo = { software: classifySoftware(version, apiVersion), version };
    if (apiVersion !== undefined) info.apiVersion = apiVersion;
    if (domain) info.domain = domain;
    const max = r.data.configuration?.statuses?.max_characters;
    if (typeof max === 'number' && Number.isInteger(max) && max > 0) info.maxCharacters = max;
    return info;
  }

  /**
   * Posts a status (`announce --post`). The idempotency key makes a retry — ours after a lost
   * answer, or a re-run within the hour Mastodon keeps keys — return the first status instead of
   * posting it twice.
   */
  async postStatus(p: { status: string; visibility: StatusVisibility; in_reply_to_id?: string }, idempotencyKey: string): Promise<{ id: string; url: string | null }> {
    const url = this.url('/api/v1/statuses');
    const body = { status: p.status, visibility: p.visibility, ...(p.in_reply_to_id ? { in_reply_to_id: p.in_reply_to_id } : {}) };
    const res = await this.call('POST', url, { body, needs: NEEDS_POST, headers: { 'idempotency-key': idempotencyKey } });
    const where = this.where('POST', url);
    if (res.status !== 200) throw this.unexpected(res, 'POST', url);
    const r = PostedStatus.safeParse(this.json(res, where));
    if (!r.success) throw this.invalid(where, r.error);
    return { id: r.data.id, url: r.data.url ?? null };
  }

  /** The instance's public block list (token optional; sent when set, for `show_domain_blocks = users`). */
  async publicDomainBlocks(): Promise<unknown[]> {
    const url = this.url('/api/v1/instance/domain_blocks');
    const res = await this.call('GET', url, {});
    const where = this.where('GET', url);
    if (res.status === 404) {
      throw new MastodonHttpError(`${this.host}: the instance does not publish its block list (show_domain_blocks is disabled)`, {
        status: 404,
        host: this.host,
        method: 'GET',
        path: url.pathname,
      });
    }
    if (res.status !== 200) throw this.unexpected(res, 'GET', url);
    const body = this.json(res, where);
    if (!Array.isArray(body)) throw new MastodonHttpError(`${this.host} returned something other than a list from ${where}`, { host: this.host, method: 'GET', path: url.pathname });
    return body;
  }

  // ---- transport --------------------------------------------------------------------------

  private url(pathAndQuery: string): URL {
    return new URL(`${this.prefix}${pathAndQuery}`, this.base.origin);
  }

  private where(method: string, url: URL): string {
    return `${method} ${url.pathname}`;
  }

  private scrub(s: string): string {
    return scrubToken(s, this.token);
  }

  private sameOrigin(next: string, where: string): URL {
    let u: URL;
    try {
      u = new URL(next, this.base);
    } catch {
      throw new MastodonHttpError(`${this.host} sent an invalid pagination link on ${where}`, { host: this.host, method: 'GET', path: this.base.pathname });
    }
    if (u.origin !== this.base.origin) {
      throw new MastodonHttpError(`${this.host} sent a pagination link to ${u.host} on ${where}; not followed (the token is only sent to ${this.host})`, {
        host: this.host,
        method: 'GET',
        path: u.pathname,
      });
    }
    return u;
  }

  /**
   * One logical request: retries network errors, timeouts and 5xx; waits out 429s; turns 3xx,
   * 401 and 403 into errors. Other statuses are returned for the caller to interpret.
   */
  private async call(method: string, url: URL, opts: CallOpts): Promise<Raw> {
    const where = this.where(method, url);
    const res = await sendWithRetries(this.retry, method, url.pathname, () => this.gate.run(() => this.send(method, url, opts)));
    const s = res.status;
    if (s >= 500) throw this.unexpected(res, method, url);
    if (s >= 300 && s < 400) {
      const loc = first(res.headers['location']);
      let to = 'an unknown location';
      if (loc) {
        try {
          to = new URL(loc, url).host;
        } catch {
          to = 'an invalid location';
        }
      }
      throw new MastodonHttpError(`${this.host} redirected ${where} to ${to} (HTTP ${s}); not followed, so the token is not sent elsewhere`, {
        status: s,
        host: this.host,
        method,
        path: url.pathname,
        hint: `Set the destination's api_base to the address the instance really serves its API on${to !== this.host && !to.includes(' ') ? ` (perhaps https://${to})` : ''}.`,
      });
    }
    if (s === 401 || s === 403) {
      const needs = opts.needs ?? { scope: 'a valid token', permission: 'none' };
      if (!opts.needs) {
        const m = serverMessage(this.tryJson(res));
        throw new MastodonHttpError(this.scrub(`${this.host} refused ${where} (HTTP ${s}${m ? `: ${m}` : ''})`), { status: s, host: this.host, method, path: url.pathname });
      }
      // Mastodon answers an unknown token with the same 403 as a role without the permission
      // (mastodon-api.md §1.1); Doorkeeper's own check tells them apart with a 401.
      const status = s === 403 && (await this.tokenRejected()) ? 401 : s;
      const { message, hint } = authMessage(status, where, this.host, needs, this.tryJson(res));
      throw new MastodonHttpError(this.scrub(message), { status: s, host: this.host, method, path: url.pathname, hint });
    }
    return res;
  }

  /**
   * True when the server says the token itself is invalid (unknown, revoked or expired):
   * `GET /api/v1/apps/verify_credentials` needs no scope and answers 401 to any invalid token.
   * Anything else (an error, another status) is "not known to be rejected".
   */
  private async tokenRejected(): Promise<boolean> {
    if (this.token === undefined) return false;
    try {
      const res = await this.gate.run(() => this.send('GET', this.url('/api/v1/apps/verify_credentials'), {}));
      return res.status === 401;
    } catch {
      return false;
    }
  }

  /** Send one attempt (the caller runs it inside the concurrency limit). */
  private async send(method: string, url: URL, opts: CallOpts): Promise<Raw> {
    // Every URL is on the base's origin (pagination links are checked): one pool for this host.
    // (href is stored; origin and pathname are computed on every read.)
    const href = url.href;
    const origin = this.base.origin;
    if (!href.startsWith(origin) || href.charCodeAt(origin.length) !== 0x2f /* / */) throw new TypeError(`${href} is not on ${origin}`);
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers = this.headersFor(opts, payload !== undefined);
    return this.link.send(method, href.slice(origin.length, href.includes('#') ? href.indexOf('#') : href.length), headers, payload, opts.write);
  }

  /** The request headers; the usual two sets are built once per client (Node's http client only reads them). */
  private headersFor(opts: CallOpts, json: boolean): Record<string, string> {
    const auth = this.token !== undefined && opts.auth !== false;
    if (opts.headers === undefined && auth) return json ? (this.jsonHeaders ??= this.buildHeaders(undefined, true, true)) : (this.plainHeaders ??= this.buildHeaders(undefined, true, false));
    return this.buildHeaders(opts.headers, auth, json);
  }

  private buildHeaders(extra: Record<string, string> | undefined, auth: boolean, json: boolean): Record<string, string> {
    const headers: Record<string, string> = { ...extra, accept: 'application/json', 'user-agent': this.userAgent };
    if (auth) headers['authorization'] = `Bearer ${this.token}`;
    if (json) headers['content-type'] = 'application/json';
    return headers;
  }

  private tryJson(res: Raw): unknown {
    try {
      return JSON.parse(res.text) as unknown;
    } catch {
      return undefined;
    }
  }

  private json(res: Raw, where: string): unknown {
    try {
      return JSON.parse(res.text) as unknown;
    } catch {
      throw new MastodonHttpError(`${this.host} returned something other than JSON for ${where} (HTTP ${res.status})`, {
        status: res.status,
        host: this.host,
        method: where.split(' ')[0]!,
        path: where.split(' ')[1]!,
      });
    }
  }

  private entity(res: Raw, where: string): StoredBlock {
    return this.block(this.json(res, where), where);
  }

  private block(v: unknown, where: string): StoredBlock {
    const fast = readDomainBlock(v);
    if (fast) return fast;
    const r = parseDomainBlock(v);
    if ('error' in r) throw this.invalid(where, r.error);
    return r.block;
  }

  private invalid(where: string, err: ParseError): MastodonHttpError {
    const i = err.issues[0];
    const at = i && i.path.length ? ` at ${i.path.join('.')}` : '';
    return new MastodonHttpError(this.scrub(`${this.host} returned an unexpected domain block from ${where}${at}: ${i?.message ?? 'invalid'}`), {
      host: this.host,
      method: where.split(' ')[0]!,
      path: where.split(' ')[1]!,
    });
  }

  private unexpected(res: Raw, method: string, url: URL, domain?: string): MastodonHttpError {
    const m = serverMessage(this.tryJson(res));
    return new MastodonHttpError(
      this.scrub(`${this.host} answered ${method} ${url.pathname}${domain ? ` for ${domain}` : ''} with HTTP ${res.status}${m ? `: ${m}` : ''}`),
      { status: res.status, host: this.host, method, path: url.pathname },
    );
  }
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The rule instanceInfo() applies; see its comment. */
export function classifySoftware(version: string, apiVersion: number | undefined): 'mastodon' | 'other' {
  if (/compatible|gotosocial|pleroma|akkoma|misskey|sharkey|firefish|iceshrimp|pixelfed|friendica/i.test(version)) return 'other';
  if (apiVersion !== undefined) return 'mastodon';
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  if (m && Number(m[1]) >= 4 && !/\sgit-/.test(version)) return 'mastodon';
  return 'other';
}

function checkDomain(domain: string): void {
  if (typeof domain !== 'string' || domain === '' || domain.length > 255 || /[\s/*?#@:\\]/.test(domain)) {
    throw new FediblockError(`refusing to send an invalid domain "${String(domain).slice(0, 80)}"`);
  }
}

function checkId(id: string): void {
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new FediblockError(`invalid domain block id "${String(id).slice(0, 40)}"`);
}

function describeNetworkError(e: unknown, timeoutMs: number): string {
  if (e instanceof Error) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || /timeout/i.test(e.name) || /timeout/i.test((e as { code?: string }).code ?? '')) {
      return `no answer within ${timeoutMs} ms`;
    }
    const code = (e as { code?: string }).code;
    const causeCode = (e.cause as { code?: string } | undefined)?.code;
    return [code ?? causeCode, e.message].filter(Boolean).join(': ');
  }
  return String(e);
}
