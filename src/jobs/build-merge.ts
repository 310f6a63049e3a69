// The first half of every job: fetch all sources and allowlists, then merge. Returns everything
// later stages and summaries need, and says which sources failed or were served from an old copy.
import type { LoadedConfig } from '../config/index.js';
import { resolveToken } from '../config/index.js';
import { startMerge, type MergeOutcome } from '../merge/index.js';
import type { MergePlan, MergeSettings, SourceList } from '../model.js';
import { normalizeDomain } from '../sources/normalize-domain.js';
import { blockCount } from '../sources/block-columns.js';
import { loadSources, type LoadedSource, type SourceSpec } from '../sources/load-sources.js';
import { ConfigError } from '../errors.js';
import { getLogger } from '../log.js';
import type { JobContext } from './context.js';

export interface MergeFlags {
  plan?: MergePlan;
  threshold?: number;
  thresholdPct?: number;
  mergeThreshold?: number;
  mergeThresholdType?: 'count' | 'pct';
  allow?: string[];
  acceptShrink?: string[];
  /** Keep every source's rows after merging (explain and save_intermediate read them again). */
  keepRows?: boolean;
  /** The job says what a failed source means in its own line (sync: "nothing will be applied: …"), so buildMerge does not. */
  failuresSaidByJob?: boolean;
}

export interface MergeRun {
  config: LoadedConfig;
  sources: LoadedSource[];
  allowlists: LoadedSource[];
  /** The lists that took part in the merge (failed sources are left out). */
  lists: SourceList[];
  settings: MergeSettings;
  outcome: MergeOutcome;
  /** Sources or allowlists with no usable copy. */
  failed: LoadedSource[];
  /** Why deletions must be held this run (stale or shrunk sources). */
  holds: string[];
  /** Blocks each source, then each allowlist, yielded (a source's rows may be released after merging). */
  blockCounts: number[];
}

export function mergeFlagsOf(opts: Record<string, unknown>): MergeFlags {
  const f: MergeFlags = {};
  if (opts.plan === 'max' || opts.plan === 'min') f.plan = opts.plan;
  if (typeof opts.threshold === 'number') f.threshold = opts.threshold;
  if (typeof opts.thresholdPct === 'number') f.thresholdPct = opts.thresholdPct;
  if (typeof opts.mergeThreshold === 'number') f.mergeThreshold = opts.mergeThreshold;
  if (opts.mergeThresholdType === 'count' || opts.mergeThresholdType === 'pct') f.mergeThresholdType = opts.mergeThresholdType;
  if (Array.isArray(opts.allow)) f.allow = opts.allow.map(String);
  if (Array.isArray(opts.acceptShrink)) f.acceptShrink = opts.acceptShrink.map(String);
  return f;
}

function thresholdOf(config: LoadedConfig, f: MergeFlags): MergeSettings['threshold'] {
  if (f.threshold !== undefined && f.thresholdPct !== undefined) throw new ConfigError('use either --threshold or --threshold-pct, not both');
  if (f.threshold !== undefined) return { type: 'count', value: f.threshold };
  if (f.thresholdPct !== undefined) return { type: 'pct', value: f.thresholdPct };
  if (f.mergeThreshold !== undefined) return { type: f.mergeThresholdType ?? 'count', value: f.mergeThreshold };
  if (f.mergeThresholdType !== undefined) return { type: f.mergeThresholdType, value: config.merge.threshold.value };
  return config.merge.threshold;
}

function normaliseAllow(list: string[], where: string): string[] {
  return list.map((raw) => {
    const n = normalizeDomain(raw);
    if (!n.ok || n.obfuscated) throw new ConfigError(`${where}: "${raw}" is not a domain${n.ok ? '' : ` (${n.reason})`}`);
    return n.domain;
  });
}

export async function buildMerge(ctx: JobContext, config: LoadedConfig, flags: MergeFlags): Promise<MergeRun> {
  const fbh = config.fbh;
  const specs: SourceSpec[] = [];
  for (const s of config.sources) {
    if (fbh && ((s.location.kind === 'instance' && fbh.no_fetch_instance) || (s.location.kind !== 'instance' && fbh.no_fetch_url))) continue;
    const spec: SourceSpec = { index: s.index, name: s.name, location: s.location, format: s.format };
    if (s.severity) spec.severity = s.severity;
    if (s.max_severity) spec.max_severity = s.max_severity;
    if (s.import_fields) spec.import_fields = s.import_fields;
    if (s.verify_key) spec.verify_key = s.verify_key;
    if (s.location.kind === 'instance') {
      const loc = { ...s.location } as SourceSpec['location'] & { token?: string };
      if (s.location.admin && s.auth) {
        const t = await resolveToken(s.auth, config.path, process.env);
        if (t.token) loc.token = t.token;
      }
      spec.location = loc;
    } else if (s.format === 'fediseer' && s.auth) {
      // Fediseer's public lists need no key; a key found (token_env, token_file, <HOST>_TOKEN) is sent.
      const t = await resolveToken(s.auth, config.path, process.env);
      if (t.warnings.length) {
        const log = await getLogger();
        for (const w of t.warnings) log.warn({ event: 'token_warning', source: s.name }, w);
      }
      if (t.token) spec.apiKey = t.token;
    }
    specs.push(spec);
  }
  // Allowlists are fetched like sources (cache, stale copies) but indexed after them.
  const allowSpecs: SourceSpec[] = config.allowlists.map((a, i) => ({ index: 10_000 + i, name: a.name, location: a.location, format: a.format, role: 'allowlist' as const }));
  const settingsFetch = {
    cacheDir: config.fetch.cache_dir,
    timeoutMs: config.fetch.timeout_ms,
    maxBytes: config.fetch.max_bytes,
    maxStaleMs: config.fetch.max_stale_ms,
    shrinkGuard: config.fetch.shrink_guard,
    rejectRatio: config.fetch.reject_ratio,
    concurrency: config.fetch.concurrency,
    acceptShrink: new Set(flags.acceptShrink ?? []),
    offline: ctx.offline,
  };
  const allow = new Set<string>([...normaliseAllow(config.merge.allow, 'merge.allow'), ...normaliseAllow(flags.allow ?? [], '--allow')]);
  const settings: MergeSettings = {
    plan: flags.plan ?? config.merge.plan,
    threshold: thresholdOf(config, flags),
    import_fields: config.merge.import_fields,
    // Filled as the allowlists arrive; the merge reads it only when it finishes.
    allow,
  };

  // Sources are merged in config order as soon as each one (and every one before it) is loaded,
  // and their rows are released unless a later step needs them: a large merge never holds every
  // source's rows at once.
  const merge = startMerge(settings, { dropRedundant: config.merge.drop_redundant });
  const ready = new Map<number, LoadedSource>();
  const blockCounts: number[] = [];
  const keepRows = flags.keepRows === true || config.fbh?.save_intermediate === true;
  let next = 0;
  const onLoaded = (source: LoadedSource, position: number) => {
    blockCounts[position] = blockCount(source.list);
    if (position >= specs.length) return; // an allowlist
    ready.set(position, source);
    for (let s = ready.get(next); s !== undefined; s = ready.get(++next)) {
      ready.delete(next);
      if (s.status === 'failed') continue;
      merge.add(s.list);
      if (!keepRows) {
        s.list.blocks = [];
        delete s.list.evidence;
      }
    }
  };
  const loaded = await loadSources([...specs, ...allowSpecs], settingsFetch, { onLoaded });
  const sources = loaded.slice(0, specs.length);
  const allowlists = loaded.slice(specs.length);
  for (const a of allowlists) for (const domain of allowlistDomains(a.list)) if (!domain.includes('*')) allow.add(domain);

  const lists = sources.filter((s) => s.status !== 'failed').map((s) => s.list);
  const outcome = merge.finish();
  const failed = loaded.filter((s) => s.status === 'failed');
  const holds = loaded
    .filter((s) => s.status === 'stale' || s.status === 'shrunk')
    .map((s) => `${s.list.name} is ${s.status === 'stale' ? 'served from a stale copy' : 'suspiciously shrunk (previous copy used)'}`);
  await logSourceTrouble(loaded, flags.failuresSaidByJob !== true);
  return { config, sources, allowlists, lists, settings, outcome, failed, holds, blockCounts };
}

/**
 * Each source's trouble is said once, in a log line on stderr, whichever stream the summary goes
 * to: cron mail and log collectors see why deletions were held. The summary table only shows the
 * status. pino is only loaded when there is something to say.
 */
async function logSourceTrouble(loaded: LoadedSource[], failures: boolean): Promise<void> {
  const trouble = loaded.filter((s) => (failures && s.status === 'failed') || s.warnings.length > 0);
  if (!trouble.length) return;
  const log = await getLogger();
  for (const s of trouble) {
    const base = { event: `source_${s.status}`, source: s.list.name };
    if (s.status === 'failed' && failures) log.error(base, s.error ?? `${s.list.name} failed with no usable copy`);
    for (const w of s.warnings) log.warn(base, w);
  }
}

const allowlistDomains = (list: SourceList): readonly string[] => list.columns?.domains() ?? list.blocks.map((b) => b.domain);

/** Lines for the human summary: one per source and allowlist (see formatSourceReport). */
export function sourceLines(run: MergeRun) {
  return [...run.sources, ...run.allowlists].map((s, i) => ({
    name: s.list.name,
    role: i < run.sources.length ? ('source' as const) : ('allowlist' as const),
    status: s.status,
    origin: s.origin,
    blocks: run.blockCounts[i] ?? blockCount(s.list),
    rows: s.rows,
    rejects: s.rejects,
    notices: s.notices,
    warnings: s.warnings,
    error: s.error,
    details: s.details,
  }));
}
