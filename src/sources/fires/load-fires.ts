// A FIRES source, with the same care as a list (issue 11): the first fetch reads the dataset's
// snapshot (its URL discovered from the dataset document), later fetches only the changes since
// the last one seen, page by page until an empty page. The folded state and the cursor are the
// source's last good copy in the cache, so a failed change fetch serves it (stale), a feed that
// retracts too much at once trips the shrink guard, and a cursor the server refuses falls back to
// a fresh snapshot.
//
// Requests per run (the server allows 100 per 5 minutes per IP): the first sync reads the dataset
// and its snapshot, whatever its size, plus the labels (nodeinfo, then the labels collection);
// later syncs read one page per 100 changes and the empty page that ends the feed, plus the
// labels once per run and server. Paging resumes from the last item's own id, never from the
// server's `next` link, which can skip a record at page edges.
//
// When a change fetch fails after some pages were read, the pages read are kept (folded, cursor
// advanced, saved) and the source is served as stale with the time of its last complete sync:
// a long backlog that meets the rate limit then progresses run after run instead of never.
import type { Notice, Reject, SourceStatus } from '../../model.js';
import { redactUrl } from '../fetch-body.js';
import { cacheAgeMs, cacheKey, formatAge, readCache, writeCache, type WriteFileAtomic } from '../source-cache.js';
import { deriveBlocks, foldChanges, labelFallbackName, newestUuid, type DerivedList, type EntityMap } from './fold-changes.js';
import { FiresFailure, readChangePage, readDataset, readLabels, readSnapshot, type FiresHttp, type ItemProblem, type LabelSet } from './fires-client.js';
import { GENESIS_CURSOR, isUuid, type FiresChange } from './read-change.js';

/** Pages read per run at most (100 changes each); the rest waits for the next run. */
const MAX_PAGES = 1000;
/** HTTP statuses by which a server refuses a `since` cursor (400: not a UUIDv7; 404/410: unknown). */
const CURSOR_REFUSED = new Set([400, 404, 410]);

/** What the cache holds for a FIRES source. */
interface FiresState {
  v: 1;
  dataset: string;
  name?: string;
  changes: string;
  cursor: string;
  labelsUrl?: string;
  labelNames: Record<string, string>;
  entities: FiresChange[];
}

export interface FiresSettings {
  cacheDir: string;
  maxStaleMs: number;
  shrinkGuard: number;
  rejectRatio: number;
  acceptShrink: Set<string>;
  offline?: boolean;
}

export interface FiresInput {
  name: string;
  url: string;
  settings: FiresSettings;
  http: FiresHttp;
  now: () => number;
  writeFileAtomic?: WriteFileAtomic;
  /** Labels read this run, by server origin: read once per run. */
  labels: Map<string, Promise<LabelSet>>;
}

export interface FiresOutcome {
  status: SourceStatus;
  origin: 'network' | 'cache';
  /** The state read as blocks (absent when failed without a usable copy). */
  derived?: DerivedList;
  /** This run's own findings: unreadable items, cursor fallbacks, label trouble. */
  rejects: Reject[];
  notices: Notice[];
  warnings: string[];
  details: string[];
  error?: string;
  fetchedAt?: string;
}

class CursorRefused extends Error {}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const pct = (x: number): string => `${Math.round(x * 100)}%`;
const shellWord = (s: string): string => (/^[\w.@:/+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

function parseState(body: string): FiresState | undefined {
  try {
    const s = JSON.parse(body) as FiresState;
    if (s.v !== 1 || typeof s.changes !== 'string' || !isUuid(s.cursor) || !Array.isArray(s.entities) || typeof s.labelNames !== 'object') return undefined;
    return s;
  } catch {
    return undefined;
  }
}

const entityMap = (entities: FiresChange[]): EntityMap => {
  const m: EntityMap = new Map();
  foldChanges(m, entities);
  return m;
};

export async function loadFires(inp: FiresInput): Promise<FiresOutcome> {
  const { settings, name } = inp;
  const key = cacheKey(`url:${inp.url}`, 'fires');
  const cache = await readCache(settings.cacheDir, key);
  const saved = cache ? parseState(cache.body) : undefined;
  const label = `${name} (${redactUrl(inp.url)})`;
  const now = inp.now();
  const rejects: Reject[] = [];
  const notices: Notice[] = [];
  const details: string[] = [];
  const problems = (ps: ItemProblem[]) => {
    for (const p of ps) rejects.push({ source: name, line: 0, at: p.at, reason: `unreadable change: ${p.problem}` });
  };
  const derive = (state: FiresState, names: Record<string, string>) => deriveBlocks(state.entities, name, (u) => names[u] ?? labelFallbackName(u));

  /** The last good copy after a failure: stale when young enough, else failed. */
  const fromCache = (reason: string, ignoreAge = false): FiresOutcome => {
    const base = { rejects, notices, details };
    if (!cache || !saved) return { ...base, status: 'failed', origin: 'network', warnings: [], error: `${label}: ${reason}; no cached copy to fall back on` };
    const age = cacheAgeMs(cache.meta, now);
    if (!ignoreAge && age > settings.maxStaleMs) {
      return { ...base, status: 'failed', origin: 'network', warnings: [], error: `${label}: ${reason}; the cached copy is ${formatAge(age)} old, older than max_stale (${formatAge(settings.maxStaleMs)})` };
    }
    const served = derive(saved, saved.labelNames);
    details.unshift(datasetLine(saved, served));
    return {
      ...base,
      status: 'stale',
      origin: 'cache',
      derived: served,
      fetchedAt: cache.meta.fetchedAt,
      warnings: [`${label}: ${reason}; using the cached copy from ${formatAge(age)} ago (stale); deletions are held this run`],
    };
  };

  if (settings.offline) return fromCache('offline: not fetched', true);

  // Read: the change feed from the saved cursor, or a snapshot.
  let next: FiresState;
  let partial: string | undefined;
  try {
    if (saved) {
      try {
        const r = await followChanges(inp.http, saved, problems, notices, name);
        next = r.state;
        partial = r.error;
        details.push(`read ${r.pages} ${r.pages === 1 ? 'page' : 'pages'} of changes (${r.changes} changes) since ${saved.cursor}; cursor now ${next.cursor}`);
      } catch (err) {
        if (!(err instanceof CursorRefused)) throw err;
        notices.push({ source: name, message: `${err.message}; read a fresh snapshot instead` });
        next = await fromSnapshot(inp.http, inp.url, saved, problems, notices, name);
        details.push(`read a fresh snapshot (${next.entities.length} entities) after the server refused the cursor; cursor now ${next.cursor}`);
      }
    } else {
      next = await fromSnapshot(inp.http, inp.url, undefined, problems, notices, name);
      details.push(`read the snapshot (${next.entities.length} entities); cursor now ${next.cursor}`);
    }
  } catch (err) {
    return fromCache(messageOf(err));
  }

  // Labels: once per run and server; on failure, the names known from earlier runs.
  const origin = new URL(next.dataset, inp.url).origin;
  let labels = inp.labels.get(origin);
  if (labels === undefined) inp.labels.set(origin, (labels = readLabels(inp.http, origin, next.labelsUrl)));
  const got = await labels;
  if (got.problem !== undefined) notices.push({ source: name, message: `labels could not be read (${got.problem}); using the names from earlier runs, or each label URL's last segment` });
  if (got.url !== undefined) next.labelsUrl = got.url;
  next.labelNames = { ...next.labelNames, ...got.names };

  const derived = derive(next, next.labelNames);
  const c = derived.counts;
  const rows = derived.rows + rejects.length;
  const rejected = derived.rejects.length + rejects.length;
  if (rows > 0 && rejected / rows > settings.rejectRatio) {
    return fromCache(`${rejected} of ${rows} entries rejected (${pct(rejected / rows)}), more than reject_ratio ${settings.rejectRatio}`);
  }
  if (derived.blocks.length === 0) return fromCache(`no usable blocks (${c.domains} domains, none a block)`);
  details.unshift(datasetLine(next, derived));

  // Shrink guard: a feed that retracts a large share at once is suspicious like any shrunk list.
  const count = new Set(derived.blocks.map((b) => b.domain)).size;
  const warnings: string[] = [];
  if (cache && saved && cache.meta.domainCount > 0 && count < (1 - settings.shrinkGuard) * cache.meta.domainCount) {
    const before = cache.meta.domainCount;
    const drop = `−${Math.round(((before - count) / before) * 100)}%`;
    if (settings.acceptShrink.has(name)) {
      warnings.push(`${label} shrank from ${before} to ${count} domains (${drop}); accepted as the new last good copy (--accept-shrink)`);
    } else {
      const served = derive(saved, saved.labelNames);
      details[0] = `served the previous copy: ${datasetLine(saved, served)}`;
      return {
        status: 'shrunk',
        origin: 'cache',
        derived: served,
        rejects,
        notices,
        details,
        fetchedAt: cache.meta.fetchedAt,
        warnings: [
          `${name} shrank from ${before} to ${count} domains (${drop}); using the previous copy and holding deletions; ` +
            `if this is deliberate run with --accept-shrink ${shellWord(name)}`,
        ],
      };
    }
  }

  // Save: the new last good copy. After a partial read it keeps the time of the last complete one.
  const fetchedAt = partial !== undefined && cache ? cache.meta.fetchedAt : new Date(now).toISOString();
  try {
    await writeCache(settings.cacheDir, key, JSON.stringify(next), { url: redactUrl(inp.url), fetchedAt, domainCount: count }, inp.writeFileAtomic ? { writeFileAtomic: inp.writeFileAtomic } : {});
  } catch (err) {
    warnings.push(`${label}: could not save the cached copy in ${settings.cacheDir}: ${messageOf(err)}`);
  }
  if (partial !== undefined) {
    warnings.push(`${label}: ${partial}; the changes read so far are kept, the rest is read next run (stale); deletions are held this run`);
    return { status: 'stale', origin: 'network', derived, rejects, notices, details, warnings, fetchedAt };
  }
  return { status: 'fresh', origin: 'network', derived, rejects, notices, details, warnings, fetchedAt };
}

/** `FIRES dataset "Name" <url>: 520 domains (489 blocks, 30 retracted, 1 not blocks)`. */
function datasetLine(state: FiresState, d: DerivedList): string {
  const c = d.counts;
  return (
    `FIRES dataset ${state.name === undefined ? '' : `"${state.name}" `}${redactUrl(state.dataset)}: ${c.domains} domains (${c.blocks} blocks, ${c.retracted} retracted, ${c.notBlocks} not blocks)` +
    (c.actors ? `, ${c.actors} actor entities skipped` : '') +
    `; cursor ${state.cursor}`
  );
}

/** Dataset document → its snapshot endpoint → the snapshot, folded. */
async function fromSnapshot(
  http: FiresHttp,
  url: string,
  saved: FiresState | undefined,
  problems: (ps: ItemProblem[]) => void,
  notices: Notice[],
  name: string,
): Promise<FiresState> {
  const dataset = await readDataset(http, url);
  const snap = await readSnapshot(http, dataset.snapshot);
  problems(snap.problems);
  const entities: EntityMap = new Map();
  noticeSkipped(foldChanges(entities, snap.changes), notices, name);
  const cursor = snap.cursor !== undefined && isUuid(snap.cursor) ? snap.cursor : newestUuid(snap.changes, GENESIS_CURSOR);
  const state: FiresState = { v: 1, dataset: dataset.id, changes: dataset.changes, cursor, labelNames: saved?.labelNames ?? {}, entities: [...entities.values()] };
  if (dataset.name !== undefined) state.name = dataset.name;
  if (saved?.labelsUrl !== undefined) state.labelsUrl = saved.labelsUrl;
  return state;
}

/** Changes that name no entity (a Tombstone) cannot be folded; say so. */
function noticeSkipped(skipped: FiresChange[], notices: Notice[], name: string): void {
  for (const c of skipped) notices.push({ source: name, at: `change ${c.uuid}`, message: `${c.type} change skipped: it names no entity` });
}

interface Followed {
  state: FiresState;
  pages: number;
  changes: number;
  /** Set when a page failed after others were read. */
  error?: string;
}

/** `changes?since=<cursor>` page by page until an empty page, each resuming from its last item. */
async function followChanges(http: FiresHttp, saved: FiresState, problems: (ps: ItemProblem[]) => void, notices: Notice[], name: string): Promise<Followed> {
  const entities = entityMap(saved.entities);
  let cursor = saved.cursor;
  let pages = 0;
  let changes = 0;
  const done = (error?: string): Followed => ({
    state: { ...saved, cursor, entities: [...entities.values()] },
    pages,
    changes,
    ...(error === undefined ? {} : { error }),
  });
  for (;;) {
    if (pages >= MAX_PAGES) return done(`stopped after ${MAX_PAGES} pages of changes`);
    let page;
    try {
      page = await readChangePage(http, saved.changes, cursor);
    } catch (err) {
      const status = err instanceof FiresFailure ? err.httpStatus : undefined;
      if (pages === 0 && status !== undefined && CURSOR_REFUSED.has(status)) {
        throw new CursorRefused(`the server refused the saved cursor ${cursor} (HTTP ${status})`);
      }
      if (pages === 0) throw err;
      return done(messageOf(err));
    }
    pages++;
    problems(page.problems);
    if (page.changes.length === 0 && page.problems.length === 0) return done();
    const newest = newestUuid(page.changes, cursor);
    if (newest === cursor) {
      notices.push({ source: name, message: `the change feed returned no change after ${cursor}; stopped reading` });
      return done();
    }
    noticeSkipped(foldChanges(entities, page.changes), notices, name);
    changes += page.changes.length;
    // The page's last item's own id (the newest), not the server's `next` link.
    cursor = newest;
  }
}
