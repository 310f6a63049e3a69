// A FIRES server test double on 127.0.0.1, built from the protocol facts in formats.md 4.13 (read
// from the reference server, @fedimod/fires-server 0.8.0), not from what fediblock sends:
// - `/.well-known/nodeinfo` → `/nodeinfo/2.1` with `protocols: ["fires"]` and
//   `metadata.fires.{labels,datasets}`;
// - JSON only for `Accept: application/json` or `application/ld+json`; HTML otherwise;
// - `/datasets` (Collection), `/datasets/{id}` (Dataset with `endpoints.{changes,snapshot}`);
// - `/datasets/{id}/snapshot`: the latest change per (entityKind, entityKey), newest first, not
//   paged, Retractions included, `changes` = `…/changes?since=<newest id>`;
// - `/datasets/{id}/changes?since=<UUIDv7>`: up to 100 items in ascending id order, `next` while
//   more remain — built like the reference server's, from the record after the page, so following
//   `next` skips that record; an empty page at the end, without `next`; a `since` that is not a
//   UUIDv7 → 400; no `since` → an OrderedCollection with `first` and no items;
// - change ids are UUIDv7 URLs; servers before 0.7.0 wrote snake_case fields (`legacy = true`);
// - 100 requests per 5 minutes per IP (`limit`; the window never ends inside a test) → 429.
// Shares no code with src/.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DoubleChange {
  uuid: string;
  type: 'Recommendation' | 'Advisory' | 'Retraction' | 'Tombstone';
  published: string;
  entityKind?: 'domain' | 'actor';
  entityKey?: string;
  policy?: string;
  filters?: string[];
  /** Label ids on this server. */
  labels?: string[];
}

export interface DoubleLabel {
  id: string;
  name: string;
  /** Serialise with nameMap (translations) instead of name. */
  translated?: boolean;
}

export interface FiresDouble {
  url: string;
  datasetId: string;
  datasetUrl: string;
  labels: DoubleLabel[];
  changes: DoubleChange[];
  /** snake_case fields, as servers before 0.7.0. */
  legacy: boolean;
  /** Protocol requests allowed before 429s (the server's 100 per 5 minutes). */
  limit: number;
  /** Answer every changes request with this status (a server that lost the cursor, an outage). */
  changesStatus?: number;
  /** Answer only the n-th changes request (1-based, counted from now) with `changesStatus`. */
  failChangesAt?: number;
  requests: { path: string; accept: string | undefined }[];
  add(c: Omit<DoubleChange, 'uuid' | 'published'>): DoubleChange;
  close(): Promise<void>;
}

const JSON_TYPES = ['application/json', 'application/ld+json'];
const CONTEXT = ['https://www.w3.org/ns/activitystreams', 'https://fires.fedimod.org/context/fires.jsonld'];
const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** A UUIDv7 for the n-th change: time-ordered, with pseudo-random low bits. */
function uuid7(ms: number, n: number): string {
  const hex = ms.toString(16).padStart(12, '0');
  const rand = ((n * 2654435761) >>> 0).toString(16).padStart(8, '0');
  const seq = n.toString(16).padStart(3, '0').slice(-3);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${seq}-a${rand.slice(0, 3)}-${rand}${'0000'.slice(0, 4)}`;
}

export async function startFires(opts: { labels?: DoubleLabel[]; startMs?: number } = {}): Promise<FiresDouble> {
  let clock = opts.startMs ?? Date.parse('2025-06-01T00:00:00Z');
  let count = 0;
  let changesRequests = 0;
  const datasetId = '0197a000-0000-7000-8000-00000000d5e7';
  const double: FiresDouble = {
    url: '',
    datasetId,
    datasetUrl: '',
    labels: opts.labels ?? [],
    changes: [],
    legacy: false,
    limit: 100,
    requests: [],
    add(c) {
      clock += 1000;
      count++;
      const change: DoubleChange = { ...c, uuid: uuid7(clock, count), published: new Date(clock).toISOString().replace(/\.\d{3}Z$/, 'Z') };
      double.changes.push(change);
      return change;
    },
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
  const base = () => double.url;
  const datasetUrl = () => `${base()}/datasets/${datasetId}`;
  const labelUrl = (id: string) => `${base()}/labels/${id}`;

  const serialize = (c: DoubleChange) => {
    const out: Record<string, unknown> = { id: `${datasetUrl()}/changes/${c.uuid}`, type: c.type, published: c.published };
    if (c.type === 'Tombstone') return out;
    const k = (camel: string, snake: string) => (double.legacy ? snake : camel);
    out[k('entityKind', 'entity_kind')] = c.entityKind;
    out[k('entityKey', 'entity_key')] = c.entityKey;
    if (c.type === 'Retraction') return out;
    out.labels = (c.labels ?? []).map(labelUrl);
    if (c.type === 'Recommendation') {
      out[k('recommendedPolicy', 'recommended_policy')] = c.policy;
      out[k('recommendedFilters', 'recommended_filters')] = c.filters ?? [];
    }
    return out;
  };
  const sorted = () => [...double.changes].sort((a, b) => (a.uuid < b.uuid ? -1 : 1));

  const route = (req: IncomingMessage): [number, unknown] => {
    const u = new URL(req.url ?? '/', base());
    const p = u.pathname;
    if (p === '/.well-known/nodeinfo') return [200, { links: [{ rel: 'http://nodeinfo.diaspora.software/ns/schema/2.1', href: `${base()}/nodeinfo/2.1` }] }];
    if (p === '/nodeinfo/2.1') {
      return [200, { version: '2.1', software: { name: 'fires', version: '0.8.0' }, protocols: ['fires'], services: { inbound: [], outbound: [] }, openRegistrations: false, usage: {}, metadata: { fires: { labels: `${base()}/labels`, datasets: `${base()}/datasets` } } }];
    }
    if (p === '/labels') {
      const items = double.labels.map((l) => ({ id: labelUrl(l.id), url: `${base()}/labels/by-slug/${l.id}`, type: 'Label', ...(l.translated ? { nameMap: { en: l.name, de: `${l.name} (de)` } } : { name: l.name }) }));
      return [200, { '@context': CONTEXT, id: `${base()}/labels`, type: 'Collection', totalItems: items.length, items }];
    }
    const dataset = { type: 'Dataset', id: datasetUrl(), url: `${base()}/datasets/by-slug/test`, name: 'Test dataset', published: '2025-06-01T00:00:00Z', endpoints: { changes: `${datasetUrl()}/changes`, snapshot: `${datasetUrl()}/snapshot` } };
    if (p === '/datasets') return [200, { '@context': CONTEXT, type: 'Collection', totalItems: 1, items: [dataset] }];
    if (p === `/datasets/${datasetId}`) return [200, { '@context': CONTEXT, ...dataset }];
    if (p === `/datasets/${datasetId}/snapshot`) {
      const latest = new Map<string, DoubleChange>();
      for (const c of sorted()) if (c.entityKey !== undefined) latest.set(`${c.entityKind}:${c.entityKey}`, c);
      const items = [...latest.values()].sort((a, b) => (a.uuid < b.uuid ? 1 : -1));
      const body: Record<string, unknown> = { '@context': CONTEXT, id: `${datasetUrl()}/snapshot`, type: 'Collection', dataset: datasetUrl(), totalItems: items.length };
      if (items[0]) {
        body.updated = items[0].published;
        body.changes = `${datasetUrl()}/changes?since=${items[0].uuid}`;
      }
      body.orderedItems = items.map(serialize);
      return [200, body];
    }
    if (p === `/datasets/${datasetId}/changes`) {
      changesRequests++;
      if (double.changesStatus !== undefined && (double.failChangesAt === undefined || double.failChangesAt === changesRequests)) {
        return [double.changesStatus, { error: 'refused by the test' }];
      }
      const since = u.searchParams.get('since');
      const all = sorted();
      const collection = `${datasetUrl()}/changes`;
      if (since === null) {
        return [200, { '@context': CONTEXT, id: collection, type: 'OrderedCollection', dataset: datasetUrl(), totalItems: all.length, ...(all.length ? { first: `${collection}?since=00000000-0000-7000-A000-000000000000` } : {}), orderedItems: [] }];
      }
      if (!UUID7.test(since)) return [400, { error: 'Malformed request', validation: [{ field: 'since', message: 'The since field must be a valid UUID' }] }];
      const after = all.filter((c) => c.uuid > since.toLowerCase());
      const page = after.slice(0, 100);
      const following = after[100];
      return [
        200,
        {
          '@context': CONTEXT,
          id: `${collection}?since=${since}`,
          partOf: collection,
          type: 'OrderedCollectionPage',
          dataset: datasetUrl(),
          totalItems: all.length,
          ...(following ? { next: `${collection}?since=${following.uuid}` } : {}),
          orderedItems: page.map(serialize),
        },
      ];
    }
    return [404, { error: 'not found' }];
  };

  const server: Server = createServer((req, res) => {
    const accept = req.headers.accept;
    double.requests.push({ path: req.url ?? '', accept });
    if (double.requests.length > double.limit) {
      res.writeHead(429, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ error: 'Too many requests' }));
    }
    const wantsJson = (accept ?? '').split(',').some((t) => JSON_TYPES.includes(t.split(';')[0]!.trim()));
    const nodeinfo = (req.url ?? '').startsWith('/.well-known/') || (req.url ?? '').startsWith('/nodeinfo/');
    if (!wantsJson && !nodeinfo) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end('<!DOCTYPE html><html><head><title>FIRES</title></head><body>Datasets</body></html>');
    }
    const [status, body] = route(req);
    res.writeHead(status, { 'content-type': accept?.includes('ld+json') ? 'application/ld+json; charset=utf-8' : 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  double.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  double.datasetUrl = datasetUrl();
  return double;
}
