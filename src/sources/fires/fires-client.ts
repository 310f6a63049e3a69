// The FIRES protocol's reads (formats.md 4.13): a dataset document and the endpoints it names, its
// snapshot, its change feed page by page, and the server's labels. Every request asks for JSON
// (`Accept: application/ld+json, application/json`): without it the server answers HTML, and an
// HTML answer anyway is a failure with a clear message, never an empty dataset.
import { FediblockError } from '../../errors.js';
import { looksLikeHtml } from '../detect-format.js';
import { redactUrl, type FetchBodyOptions, type FetchBodyResult, type FetchLocation } from '../fetch-body.js';
import { readChange, type FiresChange } from './read-change.js';

export const FIRES_ACCEPT = 'application/ld+json, application/json';

export interface FiresHttp {
  fetchBody: (location: FetchLocation, opts: FetchBodyOptions) => Promise<FetchBodyResult>;
  timeoutMs: number;
  maxBytes: number;
  fetchOpts: Pick<FetchBodyOptions, 'retries' | 'sleep'>;
}

/** A failed read; `httpStatus` when the server answered with an error status. */
export class FiresFailure extends Error {
  constructor(
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function getJson(http: FiresHttp, url: string, what: string): Promise<unknown> {
  let got: FetchBodyResult;
  try {
    got = await http.fetchBody({ kind: 'url', url }, { timeoutMs: http.timeoutMs, maxBytes: http.maxBytes, ...http.fetchOpts, accept: FIRES_ACCEPT });
  } catch (err) {
    const status = (err as { httpStatus?: number }).httpStatus;
    throw new FiresFailure(`${what}: ${err instanceof Error ? err.message : String(err)}${status === 429 ? ' (FIRES allows 100 requests per 5 minutes)' : ''}`, status);
  }
  if (got.status !== 'ok') throw new FiresFailure(`${what} ${redactUrl(url)}: unexpected 304 Not Modified`);
  if (/html/i.test(got.contentType ?? '') || looksLikeHtml(got.body)) {
    throw new FiresFailure(
      `${what} ${redactUrl(url)}: the server answered with an HTML page, not FIRES JSON (asked for ${FIRES_ACCEPT}); check that url is a FIRES dataset URL (…/datasets/<id>)`,
    );
  }
  try {
    return JSON.parse(got.body) as unknown;
  } catch {
    throw new FiresFailure(`${what} ${redactUrl(url)}: not JSON`);
  }
}

/** An endpoint named in a document, resolved against the document's URL. */
function endpoint(value: unknown, base: string, what: string): string {
  if (typeof value !== 'string' || value === '') throw new FiresFailure(`${what} is missing`);
  try {
    return new URL(value, base).href;
  } catch {
    throw new FiresFailure(`${what} is not a URL`);
  }
}

export interface DatasetDoc {
  id: string;
  name?: string;
  snapshot: string;
  changes: string;
}

export async function readDataset(http: FiresHttp, url: string): Promise<DatasetDoc> {
  const doc = await getJson(http, url, 'dataset');
  if (!isObject(doc)) throw new FiresFailure(`dataset ${redactUrl(url)}: expected a Dataset document`);
  if (doc.type !== 'Dataset') {
    const items = Array.isArray(doc.items) ? doc.items.filter(isObject) : [];
    const list = items.slice(0, 5).map((d) => `${typeof d.id === 'string' ? d.id : '?'}${typeof d.name === 'string' ? ` ("${d.name}")` : ''}`);
    throw new FiresFailure(
      `${redactUrl(url)} is a ${typeof doc.type === 'string' ? doc.type : 'document'}, not a FIRES Dataset` +
        (list.length ? `; set url to one of its datasets: ${list.join(', ')}` : '; set url to a dataset URL (…/datasets/<id>)'),
    );
  }
  const endpoints = isObject(doc.endpoints) ? doc.endpoints : {};
  const out: DatasetDoc = {
    id: typeof doc.id === 'string' ? doc.id : url,
    snapshot: endpoint(endpoints.snapshot, url, 'the dataset\'s endpoints.snapshot'),
    changes: endpoint(endpoints.changes, url, 'the dataset\'s endpoints.changes'),
  };
  if (typeof doc.name === 'string') out.name = doc.name;
  return out;
}

export interface ItemProblem {
  /** `snapshot item 3`, `change page item 7`. */
  at: string;
  problem: string;
}

export interface ReadItems {
  changes: FiresChange[];
  problems: ItemProblem[];
}

export function readItems(doc: Record<string, unknown>, where: string): ReadItems {
  const items = doc.orderedItems ?? doc.items;
  if (!Array.isArray(items)) throw new FiresFailure(`${where}: no orderedItems list`);
  const out: ReadItems = { changes: [], problems: [] };
  items.forEach((item, i) => {
    const c = readChange(item);
    if ('problem' in c) out.problems.push({ at: `${where} item ${i + 1}`, problem: c.problem });
    else out.changes.push(c);
  });
  return out;
}

export interface Snapshot extends ReadItems {
  /** The `since` of the snapshot's `changes` link: the newest change it holds. */
  cursor?: string;
}

export async function readSnapshot(http: FiresHttp, url: string): Promise<Snapshot> {
  const doc = await getJson(http, url, 'snapshot');
  if (!isObject(doc)) throw new FiresFailure(`snapshot ${redactUrl(url)}: expected a Collection`);
  const snap: Snapshot = readItems(doc, 'snapshot');
  if (typeof doc.changes === 'string') {
    try {
      const since = new URL(doc.changes, url).searchParams.get('since');
      if (since) snap.cursor = since.toLowerCase();
    } catch {
      // no usable link: the newest change read decides
    }
  }
  return snap;
}

/** One page of `changes?since=<cursor>` (the endpoint as the dataset named it, `since` set). */
export async function readChangePage(http: FiresHttp, changesUrl: string, since: string): Promise<ReadItems> {
  const u = new URL(changesUrl);
  u.searchParams.set('since', since);
  const doc = await getJson(http, u.href, 'changes');
  if (!isObject(doc)) throw new FiresFailure(`changes ${redactUrl(u)}: expected an OrderedCollectionPage`);
  return readItems(doc, `changes since ${since}`);
}

export interface LabelSet {
  url?: string;
  /** Label URL (its `id`, and its web `url`) → name. */
  names: Record<string, string>;
  problem?: string;
}

function labelName(item: Record<string, unknown>): string | undefined {
  if (typeof item.name === 'string' && item.name !== '') return item.name;
  if (isObject(item.nameMap)) {
    const map = item.nameMap as Record<string, unknown>;
    const en = map.en ?? map['en-US'] ?? Object.values(map).find((v) => typeof v === 'string');
    if (typeof en === 'string' && en !== '') return en;
  }
  return undefined;
}

/**
 * The server's labels: from `knownUrl`, else nodeinfo's `metadata.fires.labels`, else `/labels`.
 * Never throws: a failure is reported in `problem` and the caller keeps the names it had.
 */
export async function readLabels(http: FiresHttp, origin: string, knownUrl?: string): Promise<LabelSet> {
  let url = knownUrl;
  if (url === undefined) {
    try {
      const wk = await getJson(http, `${origin}/.well-known/nodeinfo`, 'nodeinfo');
      const links = isObject(wk) && Array.isArray(wk.links) ? wk.links.filter(isObject) : [];
      const link = links.find((l) => typeof l.rel === 'string' && l.rel.includes('nodeinfo.diaspora.software/ns/schema/') && typeof l.href === 'string');
      if (link) {
        const ni = await getJson(http, new URL(link.href as string, origin).href, 'nodeinfo');
        const fires = isObject(ni) && isObject(ni.metadata) && isObject(ni.metadata.fires) ? ni.metadata.fires : undefined;
        if (fires && typeof fires.labels === 'string') url = new URL(fires.labels, origin).href;
      }
    } catch {
      // no nodeinfo: the server's /labels is the reference server's route
    }
    url ??= `${origin}/labels`;
  }
  try {
    const doc = await getJson(http, url, 'labels');
    const items = isObject(doc) ? (doc.items ?? doc.orderedItems) : undefined;
    if (!Array.isArray(items)) throw new FiresFailure(`labels ${redactUrl(url)}: no items list`);
    const names: Record<string, string> = {};
    for (const item of items.filter(isObject)) {
      const name = labelName(item);
      if (name === undefined) continue;
      if (typeof item.id === 'string') names[item.id] = name;
      if (typeof item.url === 'string') names[item.url] = name;
    }
    return { url, names };
  } catch (err) {
    if (err instanceof FiresFailure || err instanceof FediblockError) return { names: {}, problem: err.message };
    throw err;
  }
}
