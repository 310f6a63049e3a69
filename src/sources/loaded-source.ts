// The vocabulary of loading sources, shared by its steps (load-sources.ts runs them, load-remote.ts
// fetches lists with their cache, fires/ follows FIRES datasets): what a source is, what loading
// it yields, and how a parsed body is judged usable.
import type { ListFormat, Notice, OptionalField, ParseResult, Reject, Severity, SourceList, SourceStatus } from '../model.js';
import { FediblockError } from '../errors.js';
import { attachColumns, blockCount } from './block-columns.js';
import { redactUrl, type fetchBody as defaultFetchBody, type FetchBodyOptions, type FetchLocation } from './fetch-body.js';
import type { WriteFileAtomic } from './source-cache.js';
import type { LabelSet } from './fires/fires-client.js';

export type InstanceLocation = { kind: 'instance'; host: string; admin: boolean; apiBase: string; token?: string };

export interface SourceSpec {
  index: number;
  name: string;
  location: FetchLocation | InstanceLocation;
  /** `fires`: a FIRES dataset, read through its protocol (fires/load-fires.ts), not as one list. */
  format: ListFormat | 'auto' | 'fires';
  /** What entries without a severity of their own mean (plain lists, Fediseer); default suspend. */
  severity?: Severity;
  /** Fediseer's API key, sent in the `apikey` header (never logged). */
  apiKey?: string;
  max_severity?: Severity;
  import_fields?: OptionalField[];
  /** Base64 raw Ed25519 key: the list must come with a valid RapidBlock `<url>.sig`. */
  verify_key?: string;
  /** Allowlists are fetched and guarded like sources, but keep canary rows. */
  role?: 'source' | 'allowlist';
}

export interface FetchSettings {
  cacheDir: string;
  timeoutMs: number;
  maxBytes: number;
  maxStaleMs: number;
  /** Share of domains a source may lose against its last good copy (0.25 = 25%). */
  shrinkGuard: number;
  /** Share of rejected rows above which a source counts as failed. */
  rejectRatio: number;
  concurrency: number;
  /** Source names whose shrink is accepted as the new last good copy (--accept-shrink). */
  acceptShrink: Set<string>;
  /** Never touch the network: remote sources come from the cache (stale) or fail. */
  offline?: boolean;
}

export interface LoadedSource {
  list: SourceList;
  status: SourceStatus;
  origin: 'network' | 'not-modified' | 'cache' | 'file';
  /** Of the copy used; for a failed source, of the failed attempt (diagnostics). */
  rejects: Reject[];
  notices: Notice[];
  rows: number;
  warnings: string[];
  /** Set when status is `failed`: why, in a sentence. */
  error?: string;
  /** What a service source read and holds (FIRES), for `check`. */
  details?: string[];
  /** When the copy used was fetched (ISO). */
  fetchedAt?: string;
}

export type ParseListFn = (text: string, format: ListFormat | 'auto', source: string, opts?: { keepCanaries?: boolean; severity?: Severity }) => ParseResult & { format: ListFormat };

export interface LoadDeps {
  parseList?: ParseListFn;
  fetchBody?: typeof defaultFetchBody;
  /** Returns the instance's blocks as JSON-able data (the API's array). */
  fetchInstance?: (spec: SourceSpec & { location: InstanceLocation }, opts: { timeoutMs: number }) => Promise<unknown>;
  writeFileAtomic?: WriteFileAtomic;
  now?: () => number;
  /** Retries per fetch (fetchBody's default when unset). */
  retries?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Called as each source is done (in completion order), e.g. to merge it and drop its rows early. */
  onLoaded?: (source: LoadedSource, position: number) => void;
}

export interface Resolved {
  parseList: ParseListFn;
  fetchBody: typeof defaultFetchBody;
  fetchInstance: NonNullable<LoadDeps['fetchInstance']>;
  writeFileAtomic: WriteFileAtomic | undefined;
  now: () => number;
  fetchOpts: Pick<FetchBodyOptions, 'retries' | 'sleep'>;
  /** FIRES labels read this run, by server: each server's labels are read once per run. */
  firesLabels: Map<string, Promise<LabelSet>>;
}

export type Parsed = ParseResult & { format: ListFormat };

/** A judged failure of one attempt (network, HTTP, parse, content); `parsed` when it parsed. */
export class SourceFailure extends Error {
  constructor(
    message: string,
    readonly parsed?: Parsed,
  ) {
    super(message);
  }
}

export function uniqueDomains(p: ParseResult): number {
  if (!p.columns) return new Set(p.blocks.map((b) => b.domain)).size;
  const seen = new Set<string>();
  for (let i = 0; i < p.columns.length; i++) seen.add(p.columns.domain(i));
  return seen.size;
}
export const pct = (x: number): string => `${Math.round(x * 100)}%`;
export const shellWord = (s: string): string => (/^[\w.@:/+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Parses and judges a body; throws SourceFailure with the reason when it is not a usable list. */
export function parseAndJudge(text: string, format: ListFormat | 'auto', spec: SourceSpec, settings: FetchSettings, d: Resolved): Parsed {
  let parsed: Parsed;
  try {
    parsed = d.parseList(text, format, spec.name, { keepCanaries: spec.role === 'allowlist', ...(spec.severity === undefined ? {} : { severity: spec.severity }) });
  } catch (err) {
    if (err instanceof FediblockError) {
      const prefix = `${spec.name}: `;
      throw new SourceFailure(err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message);
    }
    throw new SourceFailure(`could not be parsed (internal error: ${messageOf(err)})`);
  }
  const rejected = parsed.rejects.length;
  if (parsed.rows > 0 && rejected / parsed.rows > settings.rejectRatio) {
    throw new SourceFailure(
      `${rejected} of ${parsed.rows} rows rejected (${pct(rejected / parsed.rows)}), more than reject_ratio ${settings.rejectRatio}`,
      parsed,
    );
  }
  if (blockCount(parsed) === 0) {
    const blank = text.replace(/^\uFEFF/, '').trim() === '';
    throw new SourceFailure(blank ? 'empty body: no list' : `no usable blocks (${parsed.rows} rows, ${rejected} rejected)`, parsed);
  }
  return parsed;
}

export function describe(spec: SourceSpec): string {
  const l = spec.location;
  if (l.kind === 'file') return l.path;
  if (l.kind === 'url') return redactUrl(l.url);
  return `${l.admin ? 'admin' : 'public'} domain blocks of ${l.host}`;
}

export function result(
  spec: SourceSpec,
  status: SourceStatus,
  origin: LoadedSource['origin'],
  parsed: ParseResult | undefined,
  extra: { warnings?: string[]; error?: string; fetchedAt?: string } = {},
): LoadedSource {
  const usable = status === 'failed' || !parsed ? undefined : parsed;
  const fields = {
    index: spec.index,
    name: spec.name,
    status,
    ...(spec.max_severity === undefined ? {} : { max_severity: spec.max_severity }),
    ...(spec.import_fields === undefined ? {} : { import_fields: spec.import_fields }),
  };
  // Rows parsed into columns stay columns (the merge reads those); `blocks` is made if asked for.
  const list: SourceList = usable?.columns ? attachColumns<SourceList>(fields, usable.columns) : { ...fields, blocks: usable?.blocks ?? [] };
  return {
    list,
    status,
    origin,
    rejects: parsed?.rejects ?? [],
    notices: parsed?.notices ?? [],
    rows: parsed?.rows ?? 0,
    warnings: extra.warnings ?? [],
    ...(extra.error === undefined ? {} : { error: extra.error }),
    ...(extra.fetchedAt === undefined ? {} : { fetchedAt: extra.fetchedAt }),
  };
}
