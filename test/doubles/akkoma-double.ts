// TEST DOUBLE — not Akkoma, and not shipped. A loopback server that behaves like an Akkoma 3.16
// (or Pleroma) instance's admin config API for the `:pleroma, :mrf_simple` setting, built from the
// facts in issue 12 (read from Akkoma's source), never from what fediblock's client sends. It
// imports nothing from src/ and shares no library with the client (node:http only). Where the
// facts are silent, the choice is marked "double choice".
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveDouble } from './serve-double.js';

export interface AkkomaToken {
  scopes: string[];
  admin?: boolean;
}

export interface AkkomaDoubleOptions {
  software?: 'akkoma' | 'pleroma';
  /** `configurable_from_database`; default true. */
  dbConfig?: boolean;
  /** Whether SimplePolicy is among the :mrf policies; default true. */
  simplePolicy?: boolean;
  tokens?: Record<string, AkkomaToken>;
  /** Initial :mrf_simple subkeys, e.g. {reject: [["bad.example", "spam"]]}. */
  mrfSimple?: Record<string, Array<[string, string] | string>>;
}

export interface AkkomaRequest {
  method: string;
  path: string;
  status: number;
  body?: unknown;
}

export interface AkkomaDouble {
  url: string;
  requests: AkkomaRequest[];
  /** Entries of one subkey ("reject", …) as [domain, reason] pairs (bare strings as [domain, null]). */
  subkey(name: string): Array<[string, string | null]>;
  /** Every subkey name present in the setting. */
  subkeys(): string[];
  /** Reasons that arrived starting with ":" (the server would have made atoms of them). */
  atoms: string[];
  /** Entries written that were not {"tuple": [domain, reason]} pairs (SimplePolicy would break). */
  malformed: unknown[];
  /** An admin edits the setting (AdminFE), e.g. between a plan and its apply. */
  handEdit(name: string, entries: Array<[string, string]>): void;
  /** Run `fn` right after the n-th (1-based) GET of the config has been answered. */
  afterConfigGet(n: number, fn: () => void): void;
  /**
   * The next `count` (default 1) config POSTs fail with `status` (a server in trouble). With
   * `land: true` the setting is changed first and only the answer fails (committed, then the
   * response was lost); with `land: false` nothing changes.
   */
  failWrites(o: { status: number; land: boolean; count?: number; /** Then the next GETs fail too (the server is in trouble). */ thenFailReads?: number }): void;
  /** The next `count` config GETs fail with `status`. */
  failReads(o: { status: number; count?: number }): void;
  writes(): AkkomaRequest[];
  stop(): Promise<void>;
}

const CONFIG = '/api/v1/pleroma/admin/config';

/** Granular admin scopes (admin:write:domain_blocks…) do not count; `admin` covers both. */
export function grants(held: string[], needed: 'admin:read' | 'admin:write'): boolean {
  return held.includes(needed) || held.includes('admin');
}

const isPair = (e: unknown): e is { tuple: [string, string] } =>
  typeof e === 'object' && e !== null && Array.isArray((e as { tuple?: unknown }).tuple) && (e as { tuple: unknown[] }).tuple.length === 2 && typeof (e as { tuple: unknown[] }).tuple[0] === 'string' && typeof (e as { tuple: unknown[] }).tuple[1] === 'string';

export async function startAkkomaDouble(opts: AkkomaDoubleOptions = {}): Promise<AkkomaDouble> {
  const software = opts.software ?? 'akkoma';
  const tokens = opts.tokens ?? { 'akkoma-token': { scopes: ['admin:read', 'admin:write'], admin: true } };
  const requests: AkkomaRequest[] = [];
  const atoms: string[] = [];
  const malformed: unknown[] = [];
  // The setting as Akkoma stores it: subkey (":reject") → entries (JSON as the API shows them).
  const mrf = new Map<string, unknown[]>();
  for (const [k, list] of Object.entries(opts.mrfSimple ?? {})) mrf.set(`:${k}`, list.map((e) => (typeof e === 'string' ? e : { tuple: [e[0], e[1]] })));
  const hooks = new Map<number, () => void>();
  let gets = 0;
  let writeFailures: { status: number; land: boolean; count: number; thenFailReads?: number } | undefined;
  let readFailures: { status: number; count: number } | undefined;

  const configs = () => {
    const out: unknown[] = [
      { group: ':pleroma', key: ':mrf_simple', value: [...mrf].map(([k, v]) => ({ tuple: [k, v] })), db: [...mrf.keys()] },
      {
        group: ':pleroma',
        key: ':mrf',
        value: [{ tuple: [':policies', opts.simplePolicy === false ? ['Pleroma.Web.ActivityPub.MRF.HashtagPolicy'] : ['Pleroma.Web.ActivityPub.MRF.SimplePolicy', 'Pleroma.Web.ActivityPub.MRF.HashtagPolicy']] }],
        db: [':policies'],
      },
    ];
    return { configs: out, need_reboot: false };
  };

  function handle(req: IncomingMessage, res: ServerResponse, text: string): void {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const method = req.method ?? 'GET';
    let body: unknown;
    const send = (status: number, payload: unknown) => {
      requests.push({ method, path, status, ...(body !== undefined ? { body } : {}) });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };
    if (method === 'GET' && path === '/api/v1/instance') {
      return send(200, { uri: 'akkoma.example', version: software === 'akkoma' ? '2.7.2 (compatible; Akkoma 3.16.0)' : '2.7.2 (compatible; Pleroma 2.7.0)' });
    }
    if (path === '/api/v2/instance') return send(404, { error: 'Not implemented' });
    if (method === 'GET' && path === '/.well-known/nodeinfo') {
      return send(200, { links: [{ rel: 'http://nodeinfo.diaspora.software/ns/schema/2.1', href: `http://${req.headers.host}/nodeinfo/2.1.json` }] });
    }
    if (method === 'GET' && path === '/nodeinfo/2.1.json') return send(200, { version: '2.1', software: { name: software, version: software === 'akkoma' ? '3.16.0' : '2.7.0' } });
    // A user's own domain mutes, not the instance's blocks (double choice: an empty list).
    if (path === '/api/v1/domain_blocks') return send(200, []);
    if (path !== CONFIG) return send(404, { error: 'Not found' });

    const m = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
    const tok = m ? tokens[m[1]!] : undefined;
    if (!tok) return send(403, { error: 'Invalid credentials.' });
    const need = method === 'GET' ? 'admin:read' : 'admin:write';
    if (!grants(tok.scopes, need)) return send(403, { error: `Insufficient permissions: ${need}.` });
    if (!tok.admin) return send(403, { error: 'User is not an admin.' });
    if (opts.dbConfig === false) return send(400, { error: 'You must enable configurable_from_database in your config file.' });

    if (method === 'GET') {
      if (readFailures && readFailures.count > 0) {
        readFailures.count--;
        return send(readFailures.status, { error: 'Internal server error' });
      }
      gets++;
      send(200, configs());
      hooks.get(gets)?.();
      return;
    }
    if (method !== 'POST') return send(404, { error: 'Not found' });
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      return send(400, { error: 'invalid JSON' });
    }
    const list = (body as { configs?: unknown })?.configs;
    if (!Array.isArray(list)) return send(400, { error: 'configs missing' });
    const failure = writeFailures && writeFailures.count > 0 ? writeFailures : undefined;
    if (failure) {
      failure.count--;
      if (failure.thenFailReads) readFailures = { status: failure.status, count: failure.thenFailReads };
    }
    if (failure && !failure.land) return send(failure.status, { error: 'Internal server error' });
    for (const c of list as Array<{ group?: unknown; key?: unknown; value?: unknown }>) {
      if (c.group !== ':pleroma' || c.key !== ':mrf_simple' || !Array.isArray(c.value)) continue; // double choice: only :mrf_simple is modelled
      // A POST replaces each subkey it sends, whole, and keeps the others.
      for (const t of c.value as Array<{ tuple?: unknown }>) {
        if (!Array.isArray(t?.tuple) || typeof t.tuple[0] !== 'string' || !Array.isArray(t.tuple[1])) return send(400, { error: 'invalid value' });
        const entries = t.tuple[1] as unknown[];
        for (const e of entries) {
          if (!isPair(e)) malformed.push(e);
          else if (e.tuple[1].startsWith(':')) atoms.push(e.tuple[1]);
        }
        mrf.set(t.tuple[0], entries);
      }
    }
    if (failure) return send(failure.status, { error: 'Internal server error' });
    return send(200, configs());
  }

  const server = await serveDouble(handle);
  return {
    url: server.url,
    requests,
    atoms,
    malformed,
    subkey: (name) => (mrf.get(`:${name}`) ?? []).map((e) => (isPair(e) ? [e.tuple[0], e.tuple[1]] : [String(e), null])),
    subkeys: () => [...mrf.keys()].map((k) => k.slice(1)),
    handEdit: (name, entries) => void mrf.set(`:${name}`, entries.map((e) => ({ tuple: [e[0], e[1]] }))),
    afterConfigGet: (n, fn) => void hooks.set(n, fn),
    failWrites: (o) => void (writeFailures = { status: o.status, land: o.land, count: o.count ?? 1, ...(o.thenFailReads ? { thenFailReads: o.thenFailReads } : {}) }),
    failReads: (o) => void (readFailures = { status: o.status, count: o.count ?? 1 }),
    writes: () => requests.filter((r) => r.method === 'POST'),
    stop: server.stop,
  };
}
