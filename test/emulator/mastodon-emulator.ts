// TEST DOUBLE — not Mastodon, and not shipped. A loopback HTTP server that behaves like a
// Mastodon instance's admin domain-block API, for the end-to-end sync tests (the CLI is spawned
// against it) and the benchmark.
//
// Every behaviour here comes from /work/shared/docs/mastodon-api.md (cited as §N). Nothing was
// taken from the fediblock client. That way a client bug cannot be hidden by an emulator that
// expects the same wrong thing. Where the doc is silent, the choice is marked "emulator choice".
//
// Domains are normalised by plain rules only (§1.8: strip, one trailing '/', downcase, percent-
// decode, one trailing '.'), never with the client's code or its IDNA library: a non-ASCII name is
// looked up in a table of Mastodon's real outputs (IDN_FIXTURES) and refused as "not a valid domain
// name" when absent (emulator choice: Mastodon would convert it; a test needing another IDN adds
// its pair, taken from Mastodon, to the table).
//
// Not modelled (see the final report): Rack::Attack's localhost safelist (the double behaves as if
// the client were remote), IP blocklists, locales (messages are always English), multipart bodies,
// the `access_token` query parameter, Sidekiq side effects, GoToSocial's admin API (only its
// /api/v2/instance shape is emulated).

import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { StoredBlock } from '../../src/model.js';
import { createStatusesApi, type EmulatorStatus } from './statuses.js';

export interface EmulatorTokenSpec {
  scopes: string[];
  role?: 'admin' | 'moderator' | 'user';
  revoked?: boolean;
  /** The token's resource owner, for the per-user throttles (§4). Default: the token itself (each token its own user). */
  user?: string;
}

export interface FollowCounts {
  follows: number;
  followers: number;
  /** For `instance_accounts` (§3); 0 when absent. */
  accounts?: number;
}

export interface FaultRequest {
  method: string;
  path: string;
  query: string;
  /** Index of this attempt among POST/PUT/PATCH/DELETE on /api/v1/admin/domain_blocks; -1 for other requests. */
  writeIndex: number;
  /** Parsed params of the body (JSON or form), when there is one. */
  body?: unknown;
}

/**
 * - `{status, body}`: answer with that instead (no state change, no rate-limit count: a proxy error).
 *   A string body is sent as is (e.g. an HTML 502 page); anything else as JSON; undefined = empty.
 * - `{delayMs}`: a slow request. It is counted and checked on arrival, and its effect (a create's
 *   insert, an update, a delete) happens `delayMs` later, whether or not the client is still
 *   waiting (Puma finishes a request whose client gave up): a client timeout shorter than the
 *   delay sees no answer while the write still lands, and a second POST of the same domain in
 *   that window loses the uniqueness race (§1.1: 422 "Duplicate record").
 * - `'kill'`: the server crashes before handling: every socket is destroyed, listening stops.
 * - `'kill-after'`: the request is handled (state changes) and then the server crashes before answering.
 * - `'reset'`: only this connection is destroyed, without an answer; the server keeps running.
 * - `'reset-after'`: the request is handled (state changes), then only its connection is destroyed.
 */
export type FaultResult =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | { delayMs: number }
  | 'kill'
  | 'kill-after'
  | 'reset'
  | 'reset-after'
  | undefined;

export interface EmulatorOptions {
  /** LOCAL_DOMAIN; default 'admin.example'. */
  domain?: string;
  /** Mastodon version string; default '4.5.14'. Gates version-dependent behaviour (§7 version notes). */
  version?: string;
  /** Shape of /api/v2/instance; default 'mastodon'. The admin API stays Mastodon's either way. */
  software?: 'mastodon' | 'gotosocial';
  /** Default: {'test-token': {scopes: ['admin:read', 'admin:write'], role: 'admin'}}. */
  tokens?: Record<string, EmulatorTokenSpec>;
  /** Per token (and per IP without a known token); default 300 per 300_000 ms, epoch-aligned (§4). */
  rateLimit?: { limit: number; windowMs: number };
  /**
   * Mastodon's `throttle_authenticated_api`, per user (§4: 1,500 / 5 min), evaluated before the
   * per-token one. Default: 1,500 per 300_000 ms, or five times `rateLimit` over its window when
   * that is given (Mastodon's ratio), so that a raised token limit is not silently capped.
   */
  userRateLimit?: { limit: number; windowMs: number };
  /**
   * Mastodon's `throttle_authenticated_paging` (300 / 15 min for requests carrying page/min_id/
   * max_id/since_id, §4). Off unless given, so that benchmarks with a raised `rateLimit` are not
   * bound by it. Each token counts as its own user.
   */
  pagingRateLimit?: { limit: number; windowMs: number };
  /** Added to every response. */
  latencyMs?: number;
  /** Seed state; ids ascend in array order unless given. Empty comments ('') are stored as null. */
  blocks?: Array<Partial<StoredBlock> & { domain: string }>;
  /** Follow counts for measures (§3), by exact domain. */
  follows?: Record<string, FollowCounts>;
  /** §2 settings; both default to 'disabled' like Mastodon. */
  showDomainBlocks?: 'disabled' | 'users' | 'all';
  showRationale?: 'disabled' | 'users' | 'all';
  /** Measures need keys/start_at/end_at (§3). Default: true from 4.4.21, 4.5.14, 4.6.4 on. */
  measuresRequireDates?: boolean;
  /** Runs before normal handling of every request. */
  fault?: (req: FaultRequest) => FaultResult;
  /**
   * Clock in ms since the epoch (rate-limit windows and Reset fractions, created_at, the measures
   * cache); may be fractional (sub-ms). Default: wall time with microseconds.
   */
  now?: () => number;
  /** `configuration.statuses.max_characters` and the limit POST /api/v1/statuses enforces (statuses.ts); default 500. */
  maxCharacters?: number;
  /** §1.1: how a lost uniqueness race is answered: the unique index (default) or the validator. */
  uniquenessRace?: 'duplicate' | 'taken';
}

export interface EmulatorRequest {
  method: string;
  path: string;
  query: string;
  /** 0 when no response was sent (killed or reset). */
  status: number;
  token?: string;
  /** Parsed body params. */
  body?: unknown;
  /** Clock time (opts.now) when the request arrived. */
  at: number;
  /** Set when the request was handled but its response was never sent ('kill-after', 'reset-after', a client gone). */
  dropped?: boolean;
  /** The state change this request made, if any; `seq` orders every change the emulator applied. */
  effect?: EmulatorEffect;
}

/** One change of the stored blocks, as it happened. */
export interface EmulatorEffect {
  seq: number;
  /** Clock time of the change. */
  at: number;
  domain: string;
  before: StoredBlock | null;
  after: StoredBlock | null;
}

export interface Emulator {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Current state, newest first like the API. Null comments appear as ''. */
  blocks(): StoredBlock[];
  /** Every request, in arrival order. */
  requests: EmulatorRequest[];
  /** POST/PUT/PATCH/DELETE on domain_blocks that succeeded (2xx), including 'kill-after' ones. */
  writes(): EmulatorRequest[];
  /** Every change of the stored blocks in the order applied (requests and `admin` edits alike). */
  effects(): EmulatorEffect[];
  /** Slow requests still running (see FaultResult `delayMs`); resolves when none is left. */
  settled(): Promise<void>;
  /**
   * The admin's own edits, as through the web UI: no token, no rate limit, no request logged, but
   * recorded in effects(). `create` bypasses the API's parent check like the UI's upgrade path does
   * not: callers only create what the API would accept (emulator choice for test set-up).
   */
  admin: {
    create(b: Partial<StoredBlock> & { domain: string }): StoredBlock;
    update(domain: string, fields: Partial<StoredBlock>): StoredBlock;
    remove(domain: string): void;
  };
  setFollows(domain: string, c: FollowCounts): void;
  /** Statuses posted through POST /api/v1/statuses (statuses.ts), oldest first. */
  statuses(): EmulatorStatus[];
  revoke(token: string): void;
  /** Simulate a crash: destroy open sockets and stop listening; state is kept. */
  kill(): Promise<void>;
  /** Listen again on the same port with the same state (no-op if listening). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Pure helpers (exported for the emulator's own tests)

type Severity = 'silence' | 'suspend' | 'noop';
const SEVERITIES: readonly string[] = ['silence', 'suspend', 'noop'];

interface Row {
  id: bigint;
  domain: string;
  severity: Severity;
  reject_media: boolean;
  reject_reports: boolean;
  obfuscate: boolean;
  private_comment: string | null;
  public_comment: string | null;
  created_at: string;
}

export const sha256hex = (s: string): string => createHash('sha256').update(s).digest('hex');

/** A domain's digest, computed once (every entity and effect carries it; the bench makes 10,000). */
const digests = new Map<string, string>();
const digestOf = (domain: string): string => {
  let d = digests.get(domain);
  if (d === undefined) {
    if (digests.size >= 100_000) digests.clear();
    d = sha256hex(domain);
    digests.set(domain, d);
  }
  return d;
};

/** §2 `DomainBlock#public_domain`: the doc's `pub()`. */
export function publicDomain(d: string): string {
  const chars = [...d];
  const n = chars.length;
  const v = Math.floor(n / 4);
  return chars.map((c, i) => (i > v && i < n - v && c !== '.' ? '*' : c)).join('');
}

/** ISO 8601 in UTC with 6 fractional digits (Ruby's `iso8601(6)`), from epoch ms (may be fractional). */
export function resetStamp(ms: number): string {
  const whole = Math.floor(ms / 1000);
  const micros = Math.min(999_999, Math.floor((ms - whole * 1000) * 1000 + 1e-6));
  if (whole !== stampSecond) {
    stampSecond = whole;
    stampPrefix = new Date(whole * 1000).toISOString().slice(0, 19);
  }
  return `${stampPrefix}.${String(micros).padStart(6, '0')}Z`;
}
/** The last whole second formatted (every answer of a window shares it). */
let stampSecond = NaN;
let stampPrefix = '';

/**
 * §4 `rate_limit_reset` / `throttled_responder`: `now + (period - now.to_i % period)`. `now.to_i`
 * drops the fraction, so the stamp is the end of the epoch-aligned window *plus the request's own
 * sub-second fraction*: two answers of one window differ by up to a second. Epoch ms.
 */
export function mastodonReset(nowMs: number, periodMs: number): number {
  const periodS = periodMs / 1000;
  const sec = Math.floor(nowMs / 1000);
  return nowMs + (periodS - (sec % periodS)) * 1000;
}

/**
 * Mastodon's real outputs for non-ASCII names (libidn IDNA2003), keyed by the name after the plain
 * rules (lowercase, no trailing dot). From mastodon-api.md §1.8, and RFC 3492's `bücher` example.
 */
export const IDN_FIXTURES: Readonly<Record<string, string>> = {
  'münchen.de': 'xn--mnchen-3ya.de',
  'faß.de': 'fass.de', // IDNA2003 maps ß to ss; UTS46 non-transitional would give xn--fa-hia.de
  'bücher.example': 'xn--bcher-kva.example',
};

function parseVersion(v: string): [number, number, number] {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [4, 5, 14];
}
function atLeast(v: [number, number, number], w: [number, number, number]): boolean {
  for (let i = 0; i < 3; i++) if (v[i] !== w[i]) return v[i]! > w[i]!;
  return true;
}

/**
 * §1.8 normalisation then DomainValidator. Returns the canonical domain, or an error message tail.
 * Plain rules only; non-ASCII names come from IDN_FIXTURES (see the header comment).
 */
export function normalizeDomain(raw: string, stripWhitespace = true): { domain: string } | { error: string } {
  let d = raw;
  // Ruby's String#strip since 4.6.0; earlier versions reject the whitespace (validator below).
  if (stripWhitespace) d = d.replace(/^[\s\0]+|[\s\0]+$/g, '');
  if (d.endsWith('/')) d = d.slice(0, -1); // delete_suffix('/'): one only
  d = d.toLowerCase();
  try {
    d = decodeURIComponent(d); // Addressable percent-unencodes the host
  } catch {
    return { error: 'Domain is not a valid domain name' };
  }
  if (d.endsWith('.')) d = d.slice(0, -1); // normalized_host drops one trailing dot
  if (/[^\x00-\x7f]/.test(d)) {
    const known = IDN_FIXTURES[d];
    if (known === undefined) return { error: 'Domain is not a valid domain name' };
    d = known;
  }
  if (d === '') return { error: "Domain can't be blank" };
  // DomainValidator: < 256 chars, every label 1–63 chars of [a-z0-9-].
  const ok = d.length < 256 && d.split('.').every((l) => l.length >= 1 && l.length <= 63 && /^[a-z0-9-]+$/i.test(l));
  return ok ? { domain: d } : { error: 'Domain is not a valid domain name' };
}

/** ActiveModel boolean cast (§1.5). `null` for ''/null (which would hit NOT NULL), undefined for non-scalars. */
export function castBoolean(v: unknown): boolean | null | undefined {
  if (v === null || v === '') return null;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return !['0', 'f', 'false', 'off'].includes(v.toLowerCase());
  return undefined; // arrays/objects are not permitted scalars: strong params drop them
}

/** §1.5 `stricter_than?`. */
function stricterThan(n: { severity: string; reject_media: boolean; reject_reports: boolean }, o: Row): boolean {
  if (n.severity === 'suspend') return true;
  if (o.severity === 'suspend' && (n.severity === 'silence' || n.severity === 'noop')) return false;
  if (o.severity === 'silence' && n.severity === 'noop') return false;
  return (n.reject_media || !o.reject_media) && (n.reject_reports || !o.reject_reports);
}

/** Ruby's String#to_i, which Rails applies to ids, cursors and `limit`. */
function toI(v: unknown): bigint {
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.trunc(v));
  const m = typeof v === 'string' ? /^\s*([+-]?\d+)/.exec(v) : null;
  return m ? BigInt(m[1]!) : 0n;
}
const present = (v: unknown): boolean => v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '');

/** Rails-style form decoding: `a=1`, `a[]=1&a[]=2`, `a[b]=1`. */
export function parseForm(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const m = /^([^[\]]+)((?:\[[^\]]*\])*)$/.exec(key);
    if (!m) {
      out[key] = value;
      continue;
    }
    const path = [m[1]!, ...[...m[2]!.matchAll(/\[([^\]]*)\]/g)].map((x) => x[1]!)];
    let cur: Record<string, unknown> | unknown[] = out;
    for (let i = 0; i < path.length; i++) {
      const k = path[i]!;
      const last = i === path.length - 1;
      const nextIsArray = !last && path[i + 1] === '';
      if (Array.isArray(cur)) {
        if (last) cur.push(value);
        else {
          const o = {};
          cur.push(o);
          cur = o;
        }
        continue;
      }
      if (last) cur[k] = value;
      else {
        const existing = cur[k];
        const fresh = nextIsArray ? (Array.isArray(existing) ? existing : []) : existing && typeof existing === 'object' && !Array.isArray(existing) ? existing : {};
        cur[k] = fresh;
        cur = fresh as Record<string, unknown> | unknown[];
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

interface Reply {
  status: number;
  body?: unknown; // undefined = empty body
  headers?: Record<string, string>;
}

const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({ status, body, ...(headers ? { headers } : {}) });
const err = (status: number, message: string): Reply => json(status, { error: message });

const BLOCKS_PATH = '/api/v1/admin/domain_blocks';
/** §3 `CACHE_TTL` of Admin::Metrics::Measure::BaseMeasure. */
export const MEASURES_CACHE_TTL_MS = 5 * 60_000;
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const now = opts.now ?? (() => performance.timeOrigin + performance.now());
  const localDomain = opts.domain ?? 'admin.example';
  const statusesApi = createStatusesApi({ maxCharacters: opts.maxCharacters ?? 500, host: localDomain, now });
  const versionString = opts.version ?? '4.5.14';
  const version = parseVersion(versionString);
  const tokens = new Map<string, EmulatorTokenSpec>(
    Object.entries(opts.tokens ?? { 'test-token': { scopes: ['admin:read', 'admin:write'], role: 'admin' } }).map(([k, v]) => [k, { ...v }]),
  );
  const rate = opts.rateLimit ?? { limit: 300, windowMs: 300_000 };
  const userRate = opts.userRateLimit ?? (opts.rateLimit ? { limit: opts.rateLimit.limit * 5, windowMs: opts.rateLimit.windowMs } : { limit: 1_500, windowMs: 300_000 });
  const raceMessage = opts.uniquenessRace === 'taken' ? 'Validation failed: Domain has already been taken' : 'Duplicate record';
  const pagingRate = opts.pagingRateLimit;
  const latency = opts.latencyMs ?? 0;
  const showBlocks = opts.showDomainBlocks ?? 'disabled';
  const showRationale = opts.showRationale ?? 'disabled';
  // §3: the 2026-07-27 security release made keys/start_at/end_at required.
  const measuresRequireDates =
    opts.measuresRequireDates ??
    (version[0] > 4 ||
      (version[0] === 4 &&
        ((version[1] === 4 && version[2] >= 21) || (version[1] === 5 && version[2] >= 14) || (version[1] === 6 && version[2] >= 4) || version[1] >= 7)));
  // §7 version notes.
  const maxLimit = atLeast(version, [4, 3, 0]) ? 500 : 200;
  const invalidSeverityIs422 = atLeast(version, [4, 4, 0]);
  const stripsWhitespace = atLeast(version, [4, 6, 0]);
  const stricterChildAllowed = atLeast(version, [4, 2, 9]);
  const hasDigest = atLeast(version, [4, 2, 9]);

  const follows = new Map<string, FollowCounts>(Object.entries(opts.follows ?? {}));

  // State: rows ascending by id (the API pages by id), plus a domain index for rule_for.
  const asc: Row[] = [];
  const byDomain = new Map<string, Row>();
  let nextId = 1n;
  const seeded: Row[] = [];
  for (const s of opts.blocks ?? []) {
    const n = normalizeDomain(s.domain, true);
    if ('error' in n) throw new Error(`emulator seed ${JSON.stringify(s.domain)}: ${n.error}`);
    if (byDomain.has(n.domain)) throw new Error(`emulator seed: duplicate domain ${n.domain}`);
    const id = s.id !== undefined ? BigInt(s.id) : nextId;
    if (id >= nextId) nextId = id + 1n;
    const row: Row = {
      id,
      domain: n.domain,
      severity: s.severity ?? 'silence',
      reject_media: s.reject_media ?? false,
      reject_reports: s.reject_reports ?? false,
      obfuscate: s.obfuscate ?? false,
      private_comment: s.private_comment ? s.private_comment : null,
      public_comment: s.public_comment ? s.public_comment : null,
      created_at: s.created_at ?? new Date(now()).toISOString(),
    };
    byDomain.set(row.domain, row);
    seeded.push(row);
  }
  seeded.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  asc.push(...seeded);

  /** First index whose id is > x (or >= x when inclusive). */
  const bound = (x: bigint, inclusive: boolean): number => {
    let lo = 0;
    let hi = asc.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const id = asc[mid]!.id;
      if (inclusive ? id < x : id <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const findRow = (idParam: string): Row | undefined => {
    const id = toI(idParam);
    const i = bound(id, true);
    return asc[i]?.id === id ? asc[i] : undefined;
  };

  const toStored = (r: Row): StoredBlock => ({
    id: r.id.toString(),
    domain: r.domain,
    severity: r.severity,
    reject_media: r.reject_media,
    reject_reports: r.reject_reports,
    obfuscate: r.obfuscate,
    public_comment: r.public_comment ?? '',
    private_comment: r.private_comment ?? '',
    digest: digestOf(r.domain),
    created_at: r.created_at,
  });

  // §1.2 entity, keys in the serializer's order.
  const entity = (r: Row): Record<string, unknown> => ({
    id: r.id.toString(),
    domain: r.domain,
    ...(hasDigest ? { digest: digestOf(r.domain) } : {}),
    created_at: r.created_at,
    severity: r.severity,
    reject_media: r.reject_media,
    reject_reports: r.reject_reports,
    private_comment: r.private_comment,
    public_comment: r.public_comment,
    obfuscate: r.obfuscate,
  });

  /** §1.8 `rule_for`: the domain or any parent suffix, the longest (most specific) first. */
  const ruleFor = (domain: string): Row | undefined => {
    for (let at = 0; at !== -1; ) {
      const r = byDomain.get(at === 0 ? domain : domain.slice(at));
      if (r) return r;
      const dot = domain.indexOf('.', at);
      at = dot === -1 ? -1 : dot + 1;
    }
    return undefined;
  };

  // ---- rate limiting (§4) -------------------------------------------------------------------
  const counters = new Map<string, { window: number; count: number }>();
  type Throttle = { limit: number; count: number; periodMs: number };
  const hit = (key: string, lim: { limit: number; windowMs: number }, t: number): Throttle => {
    const window = Math.floor(t / lim.windowMs); // fixed windows aligned to the Unix epoch
    let c = counters.get(key);
    if (!c || c.window !== window) {
      c = { window, count: 0 };
      counters.set(key, c);
    }
    c.count++; // throttled requests still count
    return { limit: lim.limit, count: c.count, periodMs: lim.windowMs };
  };
  /**
   * Rack::Attack evaluates the throttles in the order rack_attack.rb declares them and stops at the
   * first one over its limit (`throttles.any?`), so later counters are not charged for that request:
   * per user (1,500), per token (300), per IP when no token is known, then paging per user.
   */
  const throttle = (who: Who, ip: string, paging: boolean, t: number): { seen: Throttle[]; tripped?: Throttle } => {
    const steps: Array<[string, { limit: number; windowMs: number }]> = [];
    if (who.spec) {
      const user = who.spec.user ?? who.token!;
      steps.push([`user:${user}`, userRate], [`token:${who.token}`, rate]);
      if (paging && pagingRate) steps.push([`paging:${user}`, pagingRate]);
    } else {
      steps.push([`ip:${ip}`, rate]);
    }
    const seen: Throttle[] = [];
    for (const [key, lim] of steps) {
      const h = hit(key, lim, t);
      seen.push(h);
      if (h.count > h.limit) return { seen, tripped: h };
    }
    return { seen };
  };

  // ---- handlers ---------------------------------------------------------------------------
  type Who = { token?: string; spec?: EmulatorTokenSpec; valid: boolean };

  /** §1.1: scopes first (Doorkeeper), then the role (Pundit). `null` = allowed. */
  const checkScopes = (who: Who, scopes: string[]): Reply | null => {
    if (!who.spec) return null; // no or unknown token: authorize_if_got_token! lets it through…
    if (who.spec.revoked) {
      // Doorkeeper's invalid_token. Its exact description varies by reason; the doc's example is used.
      return {
        status: 401,
        body: { error: 'The access token is invalid' },
        headers: { 'WWW-Authenticate': 'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid"' },
      };
    }
    if (!scopes.some((s) => who.spec!.scopes.includes(s))) return err(403, 'This action is outside the authorized scopes');
    return null;
  };
  /** …and the policy refuses a missing user: 403 "not allowed" for no/unknown token or a weak role. */
  const checkRole = (who: Who, permission: 'manage_federation' | 'view_dashboard'): Reply | null => {
    const role = who.valid ? (who.spec!.role ?? 'admin') : undefined;
    const ok = role === 'admin' || (permission === 'view_dashboard' && role === 'moderator');
    return ok ? null : err(403, 'This action is not allowed');
  };

  const READ = ['admin:read', 'admin:read:domain_blocks'];
  const WRITE = ['admin:write', 'admin:write:domain_blocks'];

  const notFound = (): Reply => err(404, 'Record not found');

  /** Validation shared by create and update; returns Rails full messages. */
  const applyFields = (target: Partial<Row>, params: Record<string, unknown>, errors: string[], sevErrors: string[]) => {
    if ('severity' in params) {
      const s = params.severity;
      if (typeof s === 'string' && SEVERITIES.includes(s)) target.severity = s as Severity;
      else if (s === null || typeof s === 'string' || typeof s === 'number' || typeof s === 'boolean') sevErrors.push('Severity is not included in the list');
    }
    for (const f of ['reject_media', 'reject_reports', 'obfuscate'] as const) {
      if (!(f in params)) continue;
      const b = castBoolean(params[f]);
      if (b === undefined) continue;
      // Emulator choice (lead's decision): ''/null would violate NOT NULL in the database, which
      // real Mastodon does not rescue (likely a 500); answered here as a validation failure.
      if (b === null) errors.push(`${f === 'reject_media' ? 'Reject media' : f === 'reject_reports' ? 'Reject reports' : 'Obfuscate'} is not included in the list`);
      else target[f] = b;
    }
    for (const f of ['private_comment', 'public_comment'] as const) {
      if (!(f in params)) continue;
      const v = params[f];
      if (v === null) target[f] = null;
      else if (typeof v === 'string') target[f] = v;
      else if (typeof v === 'number' || typeof v === 'boolean') target[f] = String(v); // text column cast
    }
  };

  // ---- effects: every change of the stored blocks, in order (I5 replays them) ----------------
  const effects: EmulatorEffect[] = [];
  let seq = 0;
  const record = (domain: string, before: StoredBlock | null, after: StoredBlock | null): EmulatorEffect => {
    const e: EmulatorEffect = { seq: ++seq, at: now(), domain, before, after };
    effects.push(e);
    return e;
  };
  /** Domains whose create has been checked but not yet inserted (a slow request, FaultResult `delayMs`). */
  const inFlightCreates = new Map<string, Array<Promise<void>>>();
  const insert = (row: Row) => {
    asc.push(row); // the new id is the largest, so `asc` stays sorted
    byDomain.set(row.domain, row);
  };

  /**
   * §1.5 create, split where a slow request spreads it over time: the checks (rule_for, validation)
   * run on arrival, the insert at `commit`. A second create of the same domain whose checks passed
   * while the first was uncommitted hits the unique index at its own insert (§1.1 "Duplicate record").
   */
  const create = (params: Record<string, unknown>): Reply | { commit: () => Reply; domain: string } => {
    const rawDomain = params.domain;
    const fields: Partial<Row> = {};
    const errors: string[] = [];
    const sevErrors: string[] = [];
    applyFields(fields, params, errors, sevErrors);
    if (sevErrors.length && !invalidSeverityIs422) return err(500, 'Internal Server Error'); // ≤ 4.3: ArgumentError
    let domain: string | undefined;
    let domainError: string | undefined;
    if (typeof rawDomain !== 'string' || !present(rawDomain)) domainError = "Domain can't be blank";
    else {
      const n = normalizeDomain(rawDomain, stripsWhitespace);
      if ('error' in n) domainError = n.error;
      else domain = n.domain;
    }
    const candidate = {
      severity: fields.severity ?? 'silence',
      reject_media: fields.reject_media ?? false,
      reject_reports: fields.reject_reports ?? false,
    };
    // §1.5: the existing-rule check runs before validation.
    if (domain !== undefined) {
      const existing = ruleFor(domain);
      if (existing && (existing.domain === domain || !stricterChildAllowed || !stricterThan(candidate, existing))) {
        return json(422, { error: `You have already imposed stricter limits on ${existing.domain}.`, existing_domain_block: entity(existing) });
      }
    }
    const messages = [...(domainError ? [domainError] : []), ...errors, ...sevErrors];
    if (messages.length) return err(422, `Validation failed: ${messages.join(', ')}`);
    const d = domain!;
    return {
      domain: d,
      commit: (): Reply => {
        // The row of a create still in flight already holds the unique index (inserted, not committed).
        if (byDomain.has(d) || inFlightCreates.has(d)) return err(422, raceMessage);
        const row: Row = {
          id: nextId++,
          domain: d,
          severity: candidate.severity,
          reject_media: candidate.reject_media,
          reject_reports: candidate.reject_reports,
          obfuscate: fields.obfuscate ?? false,
          private_comment: fields.private_comment ?? null,
          public_comment: fields.public_comment ?? null,
          created_at: new Date(now()).toISOString(),
        };
        insert(row);
        lastEffect = record(d, null, toStored(row));
        return json(200, entity(row));
      },
    };
  };

  const update = (row: Row, params: Record<string, unknown>): Reply | { commit: () => Reply; domain: string } => {
    // §1.6: `domain` is not permitted, so it is silently ignored; no stricter check.
    const fields: Partial<Row> = {};
    const errors: string[] = [];
    const sevErrors: string[] = [];
    applyFields(fields, params, errors, sevErrors);
    if (sevErrors.length && !invalidSeverityIs422) return err(500, 'Internal Server Error');
    const messages = [...errors, ...sevErrors];
    if (messages.length) return err(422, `Validation failed: ${messages.join(', ')}`);
    return {
      domain: row.domain,
      commit: (): Reply => {
        if (findRow(row.id.toString()) !== row) return notFound(); // deleted meanwhile
        const before = toStored(row);
        Object.assign(row, fields);
        lastEffect = record(row.domain, before, toStored(row));
        return json(200, entity(row));
      },
    };
  };

  const destroy = (row: Row): Reply | { commit: () => Reply; domain: string } => ({
    domain: row.domain,
    commit: (): Reply => {
      if (findRow(row.id.toString()) !== row) return notFound(); // deleted meanwhile
      asc.splice(bound(row.id, true), 1);
      byDomain.delete(row.domain);
      lastEffect = record(row.domain, toStored(row), null);
      return json(200, {}); // §1.7: `{}` since 4.0
    },
  });

  const index = (params: Record<string, unknown>, host: string): Reply => {
    // §1.3 limit_param: default 100, else min(|to_i|, MAX_LIMIT).
    const sentLimit = params.limit !== undefined && params.limit !== null;
    let limit = 100;
    if (sentLimit) {
      const l = toI(params.limit);
      const abs = l < 0n ? -l : l;
      limit = abs < BigInt(maxLimit) ? Number(abs) : maxLimit;
    }
    // §1.3 limit=0: an empty page, then `.last.id` on it while building `next`: a 500.
    if (limit === 0) return err(500, 'Internal Server Error');
    let page: Row[];
    const hasMax = present(params.max_id);
    if (present(params.min_id)) {
      // Ids just above min_id, fetched ascending then reversed; since_id is ignored here.
      const lo = bound(toI(params.min_id), false);
      const hi = hasMax ? bound(toI(params.max_id), true) : asc.length;
      page = asc.slice(lo, Math.max(lo, Math.min(hi, lo + limit))).reverse();
    } else {
      const hi = hasMax ? bound(toI(params.max_id), true) : asc.length;
      const lo = present(params.since_id) ? bound(toI(params.since_id), false) : 0;
      page = asc.slice(Math.max(lo, hi - limit), Math.max(lo, hi)).reverse();
    }
    // Link header: absolute, from the request host (http: this double has no TLS); `limit` only
    // when sent, echoed as sent; next only on a full page, prev on any non-empty page.
    const base = `http://${host}${BLOCKS_PATH}?${sentLimit ? `limit=${encodeURIComponent(String(params.limit))}&` : ''}`;
    const links: string[] = [];
    if (page.length === limit) links.push(`<${base}max_id=${page[page.length - 1]!.id}>; rel="next"`);
    if (page.length > 0) links.push(`<${base}min_id=${page[0]!.id}>; rel="prev"`);
    return json(200, page.map(entity), links.length ? { Link: links.join(', ') } : undefined);
  };

  const measureCache = new Map<string, { total: number; expires: number }>();
  const measures = (who: Who, params: Record<string, unknown>): Reply => {
    const denied = checkScopes(who, ['admin:read']); // §3: only the broad scope
    if (denied) return denied;
    // Params are read in a before_action, so 400/422 come before the role check.
    const missing = (k: string) => err(400, `param is missing or the value is empty: ${k}`);
    const keysParam = params.keys;
    const emptyish = (v: unknown) => !present(v) || (Array.isArray(v) && v.length === 0);
    if (measuresRequireDates) {
      for (const k of ['keys', 'start_at', 'end_at']) if (emptyish(params[k])) return missing(k);
    }
    const keys = Array.isArray(keysParam) ? keysParam.map(String) : present(keysParam) ? [String(keysParam)] : [];
    const parse = (v: unknown): number | null | 'bad' => {
      if (!present(v)) return null;
      if (typeof v !== 'string') return 'bad';
      const t = Date.parse(v);
      return Number.isNaN(t) ? 'bad' : t;
    };
    const start = parse(params.start_at);
    const end = parse(params.end_at);
    if (start === 'bad' || end === 'bad') return err(422, 'Invalid date supplied');
    const KNOWN = ['instance_accounts', 'instance_follows', 'instance_followers'];
    for (const k of keys) {
      if (!KNOWN.includes(k)) continue;
      const sub = params[k];
      if (!sub || typeof sub !== 'object' || Array.isArray(sub) || Object.keys(sub).length === 0) return missing(k);
    }
    const denied2 = checkRole(who, 'view_dashboard');
    if (denied2) return denied2;

    const day = 86_400_000;
    const days: string[] = [];
    if (start !== null && end !== null) {
      // start_at is clamped to two years before end_at; data has one point per day.
      const from = Math.max(Math.floor(start / day), Math.floor(end / day) - 730);
      for (let d = from; d <= Math.floor(end / day); d++) days.push(new Date(d * day).toISOString().replace('.000Z', 'Z'));
    }
    const out: unknown[] = [];
    for (const k of keys) {
      if (!KNOWN.includes(k)) continue; // unknown keys are dropped
      const sub = params[k] as Record<string, unknown>;
      const domain = typeof sub.domain === 'string' ? sub.domain : undefined;
      const inc = sub.include_subdomains;
      const includeSub = inc !== undefined && inc !== null && inc !== false; // Ruby truthiness: "false" is true
      // §3: each measure is cached in Rails.cache for 5 minutes under its key, dates and permitted
      // params, so counts lag changes (setFollows) by up to CACHE_TTL.
      const permitted = Object.entries({ domain: sub.domain, include_subdomains: inc })
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([kk, v]) => `${kk}=${v === null ? '' : String(v)}`)
        .join(';');
      const cacheKey = [`metrics/measure/${k}`, start ?? '', end ?? '', permitted].join(';');
      const t = now();
      const cached = measureCache.get(cacheKey);
      let total = 0;
      if (cached && cached.expires > t) total = cached.total;
      else {
        if (domain !== undefined) {
          for (const [d, c] of follows) {
            if (d !== domain && !(includeSub && d.endsWith(`.${domain}`))) continue;
            total += k === 'instance_follows' ? c.follows : k === 'instance_followers' ? c.followers : (c.accounts ?? 0);
          }
        }
        measureCache.set(cacheKey, { total, expires: t + MEASURES_CACHE_TTL_MS });
      }
      // total is a STRING; the emulator keeps no per-day history, so each day's value is "0".
      out.push({ key: k, unit: null, total: String(total), data: days.map((date) => ({ date, value: '0' })) });
    }
    return json(200, out);
  };

  const publicList = (who: Who): Reply => {
    // §2: visibility settings; a hidden list is a 404 with an empty body.
    const visible = (setting: string) => setting === 'all' || (setting === 'users' && who.valid);
    if (!visible(showBlocks)) return { status: 404 };
    const withComment = visible(showRationale);
    const rank = (s: Severity) => (s === 'silence' ? 0 : 1);
    const rows = asc
      .filter((r) => r.severity === 'silence' || r.severity === 'suspend')
      .sort((a, b) => rank(a.severity) - rank(b.severity) || (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
    const body = rows.map((r) => ({
      domain: r.obfuscate ? publicDomain(r.domain) : r.domain,
      digest: digestOf(r.domain),
      severity: r.severity,
      comment: withComment ? r.public_comment : null,
    }));
    return json(200, body, showBlocks === 'all' ? { 'Cache-Control': 'max-age=300, public' } : undefined);
  };

  const instanceV2 = (): Reply => {
    if (opts.software === 'gotosocial') {
      // Recognisably GoToSocial: version "X.Y.Z git-<hash>", `account_domain`, a Codeberg
      // source_url, no `api_versions`, and a configuration without Mastodon's `vapid`/`translation`.
      return json(200, {
        domain: localDomain,
        account_domain: localDomain,
        title: 'GoToSocial test double',
        version: '0.20.0 git-57cb4fe',
        source_url: 'https://codeberg.org/superseriousbusiness/gotosocial',
        description: '',
        usage: { users: { active_month: 1 } },
        languages: [],
        configuration: {
          urls: { streaming: `wss://${localDomain}` },
          accounts: { allow_custom_css: false, max_featured_tags: 10, max_profile_fields: 6 },
          statuses: { max_characters: 5000, max_media_attachments: 6, characters_reserved_per_url: 25 },
          media_attachments: { supported_mime_types: ['image/png'] },
          polls: { max_options: 6 },
          emojis: { emoji_size_limit: 51200 },
          oidc_enabled: false,
        },
        registrations: { enabled: false, approval_required: true, message: null },
        contact: { email: '', account: null },
        rules: [],
      });
    }
    const [maj, min] = version;
    // §7: api_versions.mastodon since 4.3 (2 in 4.3, 6 in 4.4, 7 in 4.5, 10 in 4.6, 11 on main).
    const api = maj === 4 && min < 3 ? undefined : maj === 4 && min === 3 ? 2 : maj === 4 && min === 4 ? 6 : maj === 4 && min === 5 ? 7 : maj === 4 && min === 6 ? 10 : 11;
    return json(200, {
      domain: localDomain,
      title: 'Mastodon test double',
      version: versionString,
      source_url: 'https://github.com/mastodon/mastodon',
      description: '',
      usage: { users: { active_month: 1 } },
      thumbnail: { url: `https://${localDomain}/packs/media/images/preview.png` },
      languages: ['en'],
      configuration: {
        urls: { streaming: `wss://${localDomain}`, status: null },
        vapid: { public_key: '' },
        accounts: { max_featured_tags: 10, max_pinned_statuses: 5 },
        statuses: { max_characters: opts.maxCharacters ?? 500, max_media_attachments: 4, characters_reserved_per_url: 23 },
        media_attachments: { supported_mime_types: ['image/png'] },
        polls: { max_options: 4 },
        translation: { enabled: false },
      },
      registrations: { enabled: false, approval_required: false, message: null },
      ...(api !== undefined ? { api_versions: { mastodon: api } } : {}),
      contact: { email: '', account: null },
      rules: [],
    });
  };

  type Pending = { commit: () => Reply; domain: string };
  const route = (method: string, path: string, params: Record<string, unknown>, who: Who, host: string): Reply | Pending => {
    const p = path.replace(/\.json$/, '').replace(/\/+$/, '');
    if (p === BLOCKS_PATH) {
      if (method === 'GET') {
        return checkScopes(who, READ) ?? checkRole(who, 'manage_federation') ?? index(params, host);
      }
      if (method === 'POST') return checkScopes(who, WRITE) ?? checkRole(who, 'manage_federation') ?? create(params);
      return notFound();
    }
    if (p.startsWith(`${BLOCKS_PATH}/`) && !p.slice(BLOCKS_PATH.length + 1).includes('/')) {
      const id = decodeURIComponent(p.slice(BLOCKS_PATH.length + 1));
      const write = method === 'PUT' || method === 'PATCH' || method === 'DELETE';
      if (method !== 'GET' && !write) return notFound();
      // Order of the before_actions: scope check, then the record lookup (404), then the policy.
      const denied = checkScopes(who, write ? WRITE : READ);
      if (denied) return denied;
      const row = findRow(id);
      if (!row) return notFound();
      const denied2 = checkRole(who, 'manage_federation');
      if (denied2) return denied2;
      if (method === 'GET') return json(200, entity(row));
      if (method === 'DELETE') return destroy(row);
      return update(row, params);
    }
    if (p === '/api/v1/admin/measures' && method === 'POST') return measures(who, params);
    if (p === '/api/v1/instance/domain_blocks' && method === 'GET') return publicList(who);
    if (p === '/api/v2/instance' && method === 'GET') return instanceV2();
    // app/controllers/api/v1/apps/credentials_controller.rb: `doorkeeper_render_error unless
    // valid_doorkeeper_token?` — any valid token (no scope needed) gets its app; none, an unknown
    // or a revoked one gets Doorkeeper's 401.
    if (p === '/api/v1/apps/verify_credentials' && method === 'GET') {
      if (!who.valid) {
        return {
          status: 401,
          body: { error: 'The access token is invalid' },
          headers: { 'WWW-Authenticate': 'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid"' },
        };
      }
      return json(200, { name: 'fediblock', website: null, scopes: who.spec!.scopes });
    }
    return notFound();
  };

  // ---- HTTP plumbing ----------------------------------------------------------------------
  const requests: EmulatorRequest[] = [];
  let writeCount = 0;
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const readBody = (req: IncomingMessage): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });

  const send = (res: ServerResponse, reply: Reply, extra: Record<string, string>) => {
    if (res.destroyed || res.socket?.destroyed) return;
    const headers: Record<string, string> = { ...extra, ...(reply.headers ?? {}) };
    let payload = '';
    if (reply.body !== undefined) {
      if (typeof reply.body === 'string') payload = reply.body;
      else {
        payload = JSON.stringify(reply.body);
        headers['Content-Type'] = 'application/json; charset=utf-8';
      }
    }
    headers['Content-Length'] = String(Buffer.byteLength(payload));
    res.writeHead(reply.status, headers);
    res.end(payload);
  };

  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

  /** Slow requests still running (FaultResult `delayMs`). */
  const running = new Set<Promise<void>>();
  let lastEffect: EmulatorEffect | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const at = now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const path = url.pathname;
    const query = url.search.replace(/^\?/, '');
    const auth = req.headers.authorization;
    const bearer = auth && /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
    const token = bearer || undefined;
    const spec = token !== undefined ? tokens.get(token) : undefined;
    const who: Who = { valid: !!spec && !spec.revoked };
    if (token !== undefined) who.token = token;
    if (spec) who.spec = spec;
    const entry: EmulatorRequest = { method, path, query, status: 0, at };
    if (token !== undefined) entry.token = token;
    requests.push(entry);

    // Params: query string merged with a JSON or form body, as Rails does.
    const raw = await readBody(req);
    let bodyParams: Record<string, unknown> | undefined;
    let parseError = false;
    if (raw.length > 0) {
      const ctype = String(req.headers['content-type'] ?? '').toLowerCase();
      const text = raw.toString('utf8');
      if (ctype.includes('json')) {
        try {
          const v: unknown = JSON.parse(text);
          bodyParams = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { _json: v };
        } catch {
          parseError = true;
        }
      } else if (ctype.includes('application/x-www-form-urlencoded') || ctype === '') {
        bodyParams = parseForm(text);
      }
    }
    if (bodyParams !== undefined) entry.body = bodyParams;
    const params: Record<string, unknown> = { ...parseForm(query), ...(bodyParams ?? {}) };

    const isBlockWrite = WRITE_METHODS.has(method) && (path === BLOCKS_PATH || path.startsWith(`${BLOCKS_PATH}/`));
    const writeIndex = isBlockWrite ? writeCount++ : -1;

    const fault = opts.fault?.({ method, path, query, writeIndex, ...(bodyParams !== undefined ? { body: bodyParams } : {}) });
    if (fault === 'kill') {
      await crash();
      return;
    }
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault && typeof fault === 'object' && 'status' in fault) {
      if (latency) await sleep(latency);
      entry.status = fault.status;
      send(res, { status: fault.status, body: fault.body }, fault.headers ?? {});
      return;
    }
    const delayMs = fault && typeof fault === 'object' ? fault.delayMs : 0;

    let reply: Reply;
    const extra: Record<string, string> = {};
    if (path === '/api' || path.startsWith('/api/')) {
      // §4: every /api request is counted, and the headers describe the throttle with the fewest
      // remaining requests (the first of equals, in evaluation order). Reset is this request's
      // time pushed to its window's end, keeping its sub-second fraction.
      const t = now();
      const paging = ['page', 'min_id', 'max_id', 'since_id'].some((k) => present(params[k]));
      const { seen, tripped } = throttle(who, req.socket.remoteAddress ?? '?', paging, t);
      const shown = tripped ?? seen.reduce((a, b) => (b.limit - b.count < a.limit - a.count ? b : a));
      extra['X-RateLimit-Limit'] = String(shown.limit);
      extra['X-RateLimit-Remaining'] = tripped ? '0' : String(shown.limit - shown.count);
      extra['X-RateLimit-Reset'] = resetStamp(mastodonReset(t, shown.periodMs));
      let routed: Reply | Pending;
      // 429: JSON error, Remaining 0, and deliberately no Retry-After.
      if (tripped) routed = err(429, 'Too many requests');
      else if (parseError) routed = err(400, 'Error occurred while parsing request parameters');
      else {
        try {
          const key = req.headers['idempotency-key'];
          routed =
            (path === '/api/v1/statuses'
              ? statusesApi.route(method, path, params, { ...(token !== undefined ? { token } : {}), valid: who.valid, scopes: who.spec?.scopes ?? [] }, Array.isArray(key) ? key[0] : key)
              : undefined) ?? route(method, path, params, who, req.headers.host ?? `127.0.0.1:${port}`);
        } catch (e) {
          routed = err(500, `Internal Server Error: ${(e as Error).message}`);
        }
      }
      if ('commit' in routed) {
        const pending = routed;
        const isCreate = method === 'POST';
        let finish: (() => void) | undefined;
        let done: Promise<void> | undefined;
        if (delayMs > 0) {
          // Checked now, written later: the request runs on even if its client gives up. A create's
          // row holds the unique index meanwhile (inserted, not committed).
          const d = new Promise<void>((r) => (finish = r));
          done = d;
          running.add(d);
          if (isCreate) inFlightCreates.set(pending.domain, [...(inFlightCreates.get(pending.domain) ?? []), d]);
          await sleep(delayMs);
          if (isCreate) {
            const left = (inFlightCreates.get(pending.domain) ?? []).filter((x) => x !== d);
            if (left.length) inFlightCreates.set(pending.domain, left);
            else inFlightCreates.delete(pending.domain);
          }
        } else if (isCreate) {
          // A create whose insert meets an uncommitted row of the same domain waits for that
          // transaction on the unique index, then fails (§1.1 "Duplicate record").
          while (inFlightCreates.has(pending.domain)) await Promise.all(inFlightCreates.get(pending.domain)!);
        }
        lastEffect = undefined;
        reply = pending.commit();
        if (lastEffect) entry.effect = lastEffect;
        if (done) running.delete(done);
        finish?.();
      } else {
        reply = routed;
        if (delayMs > 0) await sleep(delayMs);
      }
    } else {
      reply = { status: 404, body: '' };
    }

    entry.status = reply.status;
    if (fault === 'kill-after') {
      entry.dropped = true;
      await crash();
      return;
    }
    if (fault === 'reset-after') {
      entry.dropped = true;
      req.socket.destroy();
      return;
    }
    if (latency) await sleep(latency);
    if (res.destroyed || res.socket?.destroyed || req.socket.destroyed) entry.dropped = true;
    send(res, reply, extra);
  };

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const s = createServer((req, res) => {
        handle(req, res).catch((e: unknown) => {
          if (!res.headersSent && !res.destroyed) send(res, err(500, String(e)), {});
        });
      });
      s.keepAliveTimeout = 5_000;
      s.on('connection', (sock) => {
        sockets.add(sock);
        sock.on('close', () => sockets.delete(sock));
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        s.off('error', reject);
        const addr = s.address();
        if (addr && typeof addr === 'object') port = addr.port;
        server = s;
        resolve();
      });
    });

  async function crash(): Promise<void> {
    const s = server;
    if (!s) return;
    server = undefined;
    for (const sock of sockets) sock.destroy();
    sockets.clear();
    await new Promise<void>((r) => s.close(() => r()));
  }

  await listen();


  return {
    url: `http://127.0.0.1:${port}`,
    blocks: () => [...asc].reverse().map(toStored),
    requests,
    writes: () =>
      requests.filter(
        (r) => WRITE_METHODS.has(r.method) && (r.path === BLOCKS_PATH || r.path.startsWith(`${BLOCKS_PATH}/`)) && r.status >= 200 && r.status < 300,
      ),
    statuses: statusesApi.statuses,
    setFollows: (domain, c) => {
      follows.set(domain, { ...c });
    },
    revoke: (token) => {
      const t = tokens.get(token);
      if (t) t.revoked = true;
    },
    effects: () => [...effects],
    settled: async () => {
      while (running.size) await Promise.all([...running]);
    },
    admin: {
      create: (b) => {
        const n = normalizeDomain(b.domain, true);
        if ('error' in n) throw new Error(`admin.create ${JSON.stringify(b.domain)}: ${n.error}`);
        if (byDomain.has(n.domain)) throw new Error(`admin.create: ${n.domain} is already blocked`);
        const row: Row = {
          id: nextId++,
          domain: n.domain,
          severity: b.severity ?? 'silence',
          reject_media: b.reject_media ?? false,
          reject_reports: b.reject_reports ?? false,
          obfuscate: b.obfuscate ?? false,
          private_comment: b.private_comment ? b.private_comment : null,
          public_comment: b.public_comment ? b.public_comment : null,
          created_at: new Date(now()).toISOString(),
        };
        insert(row);
        record(row.domain, null, toStored(row));
        return toStored(row);
      },
      update: (domain, f) => {
        const row = byDomain.get(domain);
        if (!row) throw new Error(`admin.update: ${domain} is not blocked`);
        const before = toStored(row);
        if (f.severity !== undefined) row.severity = f.severity;
        for (const k of ['reject_media', 'reject_reports', 'obfuscate'] as const) if (f[k] !== undefined) row[k] = f[k];
        for (const k of ['private_comment', 'public_comment'] as const) if (f[k] !== undefined) row[k] = f[k] ? f[k] : null;
        record(domain, before, toStored(row));
        return toStored(row);
      },
      remove: (domain) => {
        const row = byDomain.get(domain);
        if (!row) throw new Error(`admin.remove: ${domain} is not blocked`);
        asc.splice(bound(row.id, true), 1);
        byDomain.delete(domain);
        record(domain, toStored(row), null);
      },
    },
    kill: crash,
    restart: async () => {
      if (!server) await listen();
    },
    stop: crash,
  };
}
