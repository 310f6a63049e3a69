// TEST DOUBLE — not GoToSocial, and not shipped. A loopback server that behaves like a
// GoToSocial 0.19.x instance's admin domain-block API, built from the facts in issue 12 and
// /work/shared/docs/mastodon-api.md §8 (read from GoToSocial's source), never from what
// fediblock's client sends. It imports nothing from src/ and shares no library with the client
// (node:http only). Where the facts are silent, the choice is marked "double choice".
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveDouble } from './serve-double.js';
import { domainToASCII, domainToUnicode } from 'node:url';

export interface GtsToken {
  scopes: string[];
  admin?: boolean;
}

export interface GtsBlock {
  id: string;
  /** Stored as punycode. */
  domain: string;
  obfuscate: boolean;
  public_comment: string;
  private_comment: string;
  created_at: string;
}

export interface GtsDoubleOptions {
  /** GoToSocial's version; default '0.19.2+git-90851fc'. Before 0.19: no PUT (405), no scope checks. */
  version?: string;
  /** What /api/v1 and /api/v2/instance claim as version (an instance may inject a Mastodon-like one). */
  instanceVersion?: string;
  tokens?: Record<string, GtsToken>;
  /** Requests per window per IP (default 300; 0 disables the limit). */
  rateLimit?: number;
  windowMs?: number;
  blocks?: Array<Partial<GtsBlock> & { domain: string }>;
}

export interface GtsRequest {
  method: string;
  path: string;
  status: number;
  body?: Record<string, unknown>;
}

export interface GtsDouble {
  url: string;
  requests: GtsRequest[];
  /** Current blocks, domains as GoToSocial stores them (punycode). */
  blocks(): GtsBlock[];
  /** The next write touching this domain answers 409; with `applied`, the write still happens first. */
  busyOnce(domain: string, applied?: boolean): void;
  /** Add a block as an admin would in the settings panel. */
  addByHand(b: Partial<GtsBlock> & { domain: string }): GtsBlock;
  writes(): GtsRequest[];
  stop(): Promise<void>;
}

const BLOCKS = '/api/v1/admin/domain_blocks';
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Scope hierarchy: admin ⊃ admin:read ⊃ admin:read:domain_blocks (likewise write). */
export function scopeGrants(held: string[], needed: string): boolean {
  return held.some((s) => needed === s || needed.startsWith(`${s}:`));
}

/** Create strips HTML from comments (double choice: tags removed, text kept). */
export const stripHtml = (s: string): string => s.replace(/<[^>]*>/g, '');

export function isOlderThan019(version: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m !== null && Number(m[1]) === 0 && Number(m[2]) < 19;
}

function parseBody(req: IncomingMessage, text: string): Record<string, unknown> {
  if (text === '') return {};
  const ct = String(req.headers['content-type'] ?? '');
  if (ct.includes('application/json')) {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) out[k] = v;
  return out;
}

const bool = (v: unknown): boolean => v === true || v === 'true' || v === '1';

export async function startGtsDouble(opts: GtsDoubleOptions = {}): Promise<GtsDouble> {
  const version = opts.version ?? '0.19.2+git-90851fc';
  const tokens = opts.tokens ?? { 'gts-token': { scopes: ['admin'], admin: true } };
  const limit = opts.rateLimit ?? 300;
  const windowMs = opts.windowMs ?? 300_000;
  const blocks = new Map<string, GtsBlock>();
  const busy = new Map<string, boolean>();
  const requests: GtsRequest[] = [];
  let seq = 0;
  let windowStart = 0;
  let used = 0;

  const newId = (): string => {
    seq++;
    let n = Date.now() * 1000 + seq;
    let s = '';
    for (let i = 0; i < 26; i++) {
      s = CROCKFORD[n % 32]! + s;
      n = Math.floor(n / 32);
    }
    return s;
  };
  const add = (b: Partial<GtsBlock> & { domain: string }): GtsBlock => {
    const block: GtsBlock = {
      id: b.id ?? newId(),
      domain: domainToASCII(b.domain),
      obfuscate: b.obfuscate ?? false,
      public_comment: b.public_comment ?? '',
      private_comment: b.private_comment ?? '',
      created_at: b.created_at ?? new Date().toISOString(),
    };
    blocks.set(block.id, block);
    return block;
  };
  for (const b of opts.blocks ?? []) add(b);

  /** The API entity: domain de-punycoded, no severity, no digest, no reject flags. */
  const entity = (b: GtsBlock) => ({
    id: b.id,
    domain: domainToUnicode(b.domain),
    obfuscate: b.obfuscate,
    public_comment: b.public_comment,
    private_comment: b.private_comment,
    subscription_id: null,
    created_by: '01ADMIN00000000000000000000',
    created_at: b.created_at,
  });

  function handle(req: IncomingMessage, res: ServerResponse, text: string): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    let body: Record<string, unknown> | undefined;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const send = (status: number, payload: unknown) => {
      requests.push({ method, path, status, ...(body ? { body } : {}) });
      res.writeHead(status, headers).end(JSON.stringify(payload));
    };
    const error = (status: number, label: string, detail?: string) => send(status, { error: detail ? `${label}: ${detail}` : label });

    // Rate limit: per IP, fixed window, Reset as an ISO time (every request counts).
    if (limit > 0) {
      const now = Date.now();
      if (now >= windowStart + windowMs) {
        windowStart = now;
        used = 0;
      }
      used++;
      headers['x-ratelimit-limit'] = String(limit);
      headers['x-ratelimit-remaining'] = String(Math.max(0, limit - used));
      headers['x-ratelimit-reset'] = new Date(windowStart + windowMs).toISOString();
      if (used > limit) return send(429, { error: 'rate limit reached' });
    }

    if (method === 'GET' && (path === '/api/v1/instance' || path === '/api/v2/instance')) {
      return send(200, { domain: 'gts.example', version: opts.instanceVersion ?? version, title: 'GoToSocial double' });
    }
    if (method === 'GET' && path === '/.well-known/nodeinfo') {
      return send(200, { links: [{ rel: 'http://nodeinfo.diaspora.software/ns/schema/2.0', href: `http://${req.headers.host}/nodeinfo/2.0` }] });
    }
    if (method === 'GET' && path === '/nodeinfo/2.0') {
      return send(200, { version: '2.0', software: { name: 'gotosocial', version }, protocols: ['activitypub'] });
    }
    if (!path.startsWith('/api/v1/admin/')) return error(404, 'Not Found');

    // Auth: a Bearer token only; scopes from 0.19.0; the account must be an admin.
    const m = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
    const tok = m ? tokens[m[1]!] : undefined;
    if (!tok) return error(401, 'Unauthorized', 'token not supplied');
    if (!tok.admin) return error(403, 'Forbidden', 'user not an admin');

    if (!path.startsWith(BLOCKS)) return error(404, 'Not Found'); // e.g. /api/v1/admin/measures
    const write = method !== 'GET';
    const scope = write ? 'admin:write:domain_blocks' : 'admin:read:domain_blocks';
    if (!isOlderThan019(version) && !scopeGrants(tok.scopes, scope)) return error(403, 'Forbidden', `token has insufficient scope permission (needs ${scope})`);

    try {
      body = write && text !== '' ? parseBody(req, text) : undefined;
    } catch {
      return error(400, 'Bad Request', 'could not parse form');
    }

    if (path === BLOCKS && method === 'GET') {
      // One array, no paging, no Link, `limit` ignored.
      return send(200, [...blocks.values()].map(entity));
    }
    if (path === BLOCKS && method === 'POST') {
      const raw = typeof body?.domain === 'string' ? body.domain.trim() : '';
      const domain = raw === '' ? '' : domainToASCII(raw.toLowerCase());
      if (domain === '' || !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(domain)) return error(500, 'Internal Server Error');
      if (busy.has(domain)) {
        const applied = busy.get(domain)!;
        busy.delete(domain);
        if (applied && ![...blocks.values()].some((b) => b.domain === domain)) {
          add({ domain, obfuscate: bool(body?.obfuscate), public_comment: stripHtml(String(body?.public_comment ?? '')), private_comment: stripHtml(String(body?.private_comment ?? '')) });
        }
        return error(409, 'Conflict', `an action is already running on ${domain}`);
      }
      const existing = [...blocks.values()].find((b) => b.domain === domain);
      if (existing) return send(200, entity(existing));
      const b = add({ domain, obfuscate: bool(body?.obfuscate), public_comment: stripHtml(String(body?.public_comment ?? '')), private_comment: stripHtml(String(body?.private_comment ?? '')) });
      return send(200, entity(b));
    }
    const id = decodeURIComponent(path.slice(BLOCKS.length + 1));
    if (id === '' || id.includes('/')) return error(404, 'Not Found');
    const b = blocks.get(id);
    if (method === 'GET') return b ? send(200, entity(b)) : error(500, 'Internal Server Error'); // the known bug
    if (method === 'PUT') {
      if (isOlderThan019(version)) return error(405, 'Method Not Allowed');
      if (!b) return error(404, 'Not Found');
      if (busy.has(b.domain)) {
        const applied = busy.get(b.domain)!;
        busy.delete(b.domain);
        if (applied) update(b, body ?? {});
        return error(409, 'Conflict', `an action is already running on ${b.domain}`);
      }
      const keys = ['obfuscate', 'public_comment', 'private_comment'].filter((k) => body && k in body);
      if (keys.length === 0) return error(400, 'Bad Request', 'empty form submitted');
      update(b, body ?? {});
      return send(200, entity(b));
    }
    if (method === 'DELETE') {
      if (!b) return error(404, 'Not Found');
      if (busy.has(b.domain)) {
        const applied = busy.get(b.domain)!;
        busy.delete(b.domain);
        if (applied) blocks.delete(id);
        return error(409, 'Conflict', `an action is already running on ${b.domain}`);
      }
      blocks.delete(id);
      return send(200, entity(b));
    }
    return error(405, 'Method Not Allowed');
  }

  function update(b: GtsBlock, body: Record<string, unknown>): void {
    // Update does not strip HTML; only these three fields change.
    if ('obfuscate' in body) b.obfuscate = bool(body.obfuscate);
    if ('public_comment' in body) b.public_comment = String(body.public_comment ?? '');
    if ('private_comment' in body) b.private_comment = String(body.private_comment ?? '');
  }

  const server = await serveDouble(handle);
  return {
    url: server.url,
    requests,
    blocks: () => [...blocks.values()].map((b) => ({ ...b })),
    busyOnce: (domain, applied = false) => void busy.set(domainToASCII(domain), applied),
    addByHand: (b) => add(b),
    writes: () => requests.filter((r) => r.method !== 'GET' && r.path.startsWith(BLOCKS)),
    stop: server.stop,
  };
}
