// Validated raw config → LoadedConfig: locations classified, paths absolute, names unique,
// defaults that depend on the environment applied. Collects every problem before failing.
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { ConfigError } from '../errors.js';
import { registerSecret } from '../log.js';
import { formatPath } from './format-issues.js';
import { checkNetworkUrl, classifyListUrl, deriveName, normaliseHost, resolvePath, type SourceLocation } from './locations.js';
import type { RawAllowlist, RawConfig, RawDestination, RawSource } from './schema.js';
import type { AllowlistConfig, ConfigMode, DestinationConfig, LoadedConfig, SourceConfig, TokenSpec } from './types.js';

export interface ResolveContext {
  /** Absolute path of the config file. */
  path: string;
  env: NodeJS.ProcessEnv;
  mode: ConfigMode;
  /** Maps a native key path to what the admin wrote (FediBlockHole mode). */
  rename?: (p: string) => string;
}

/** $XDG_CACHE_HOME/fediblock, else ~/.cache/fediblock. */
export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'fediblock');
  return join(env.HOME || homedir(), '.cache', 'fediblock');
}

class Problems {
  readonly lines: string[] = [];
  constructor(private readonly rename: (p: string) => string) {}
  /** Run `fn`; a thrown Error becomes a line for `path`. */
  try<T>(path: PropertyKey[], fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      this.lines.push(`${this.rename(formatPath(path))}: ${(e as Error).message}`);
      return undefined;
    }
  }
}

function tokenSpec(domain: string, raw: { token_env?: string; token_file?: string; token?: string }, baseDir: string, env: NodeJS.ProcessEnv): TokenSpec {
  registerSecret(raw.token);
  const spec: TokenSpec = { domain };
  if (raw.token_env !== undefined) spec.token_env = raw.token_env;
  if (raw.token_file !== undefined) spec.token_file = resolvePath(raw.token_file, baseDir, env);
  if (raw.token !== undefined) spec.token = raw.token;
  return spec;
}

function apiBase(value: string): string {
  return checkNetworkUrl(value).replace(/\/+$/, '');
}

function resolveSource(s: RawSource, index: number, baseDir: string, ctx: ResolveContext, p: Problems): Omit<SourceConfig, 'name'> & { name?: string } | undefined {
  const at = ['source', index];
  let location: SourceLocation | undefined;
  let auth: TokenSpec | undefined;
  if (s.url !== undefined) {
    const url = s.url;
    location = p.try([...at, 'url'], () => classifyListUrl(url, baseDir, ctx.env));
  } else {
    const host = p.try([...at, 'instance'], () => normaliseHost(s.instance!));
    if (host === undefined) return undefined;
    const base = s.api_base === undefined ? `https://${host}` : p.try([...at, 'api_base'], () => apiBase(s.api_base!));
    if (base === undefined) return undefined;
    location = { kind: 'instance', host, admin: s.admin, apiBase: base };
    auth = tokenSpec(host, s, baseDir, ctx.env);
  }
  if (location === undefined) return undefined;
  let severity = s.severity;
  if (s.format === 'fires' && location.kind !== 'url') {
    p.try([...at, 'url'], () => { throw new Error('a FIRES source is read from its server: give the dataset\'s https URL (…/datasets/<id>)'); });
    return undefined;
  }
  if (s.format === 'fediseer') {
    const kind = p.try([...at, 'url'], () => fediseerKind(location));
    if (kind === undefined) return undefined;
    if (kind === 'hesitations') {
      if (severity !== undefined && severity !== 'silence') {
        p.try([...at, 'severity'], () => { throw new Error('Fediseer hesitations are always read as silence; use max_severity to lower them'); });
      }
      severity = 'silence';
    }
    if (location.kind === 'url') auth = tokenSpec(new URL(location.url).hostname, s, baseDir, ctx.env);
  }
  const out: Omit<SourceConfig, 'name'> & { name?: string } = {
    index,
    location,
    format: location.kind === 'instance' ? 'mastodon_api' : s.format,
  };
  if (s.name !== undefined) out.name = s.name;
  if (severity !== undefined) out.severity = severity;
  if (s.max_severity !== undefined) out.max_severity = s.max_severity;
  if (s.import_fields !== undefined) out.import_fields = s.import_fields;
  if (auth !== undefined) out.auth = auth;
  if (s.verify_key !== undefined) out.verify_key = s.verify_key;
  return out;
}

/**
 * Which Fediseer list a location holds: `…/censures_given/…` or `…/hesitations_given/…`. The
 * `domains=true` and `csv=true` answers do not say, so the URL decides; a saved file is named by
 * whether its name mentions hesitations.
 */
function fediseerKind(location: SourceLocation): 'censures' | 'hesitations' {
  if (location.kind === 'file') return /hesitation/i.test(location.path) ? 'hesitations' : 'censures';
  if (location.kind !== 'url') throw new Error('a Fediseer source needs a url');
  const path = new URL(location.url).pathname;
  if (/\/hesitations_given\//.test(path)) return 'hesitations';
  if (/\/censures_given\//.test(path)) return 'censures';
  throw new Error('a Fediseer source reads …/api/v1/censures_given/<domains> or …/api/v1/hesitations_given/<domains>');
}

/** Given names must be unique; derived names get -2, -3… in config order. */
function assignNames<T extends { name?: string; index: number }>(items: T[], derive: (t: T) => string, section: string, p: Problems): (T & { name: string })[] {
  const taken = new Set<string>();
  for (const it of items) {
    if (it.name === undefined) continue;
    if (taken.has(it.name)) p.try([section, it.index, 'name'], () => { throw new Error(`"${it.name}" is already the name of another ${section}; names must be unique`); });
    taken.add(it.name);
  }
  return items.map((it) => {
    if (it.name !== undefined) return it as T & { name: string };
    const base = derive(it);
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
    taken.add(name);
    return { ...it, name };
  });
}

function resolveAllowlist(a: RawAllowlist, index: number, baseDir: string, ctx: ResolveContext, p: Problems): (Omit<AllowlistConfig, 'name'> & { name?: string }) | undefined {
  const location = p.try(['allowlist', index, 'url'], () => classifyListUrl(a.url, baseDir, ctx.env));
  if (location === undefined) return undefined;
  return { index, location, format: a.format, ...(a.name === undefined ? {} : { name: a.name }) };
}

function resolveDestination(d: RawDestination, index: number, baseDir: string, cacheDir: string, ctx: ResolveContext, p: Problems): DestinationConfig | undefined {
  const at = ['destination', index];
  const domain = p.try([...at, 'domain'], () => normaliseHost(d.domain));
  if (domain === undefined) return undefined;
  let store: DestinationConfig['store'] | undefined;
  if (d.file !== undefined) store = { kind: 'file', path: resolvePath(d.file, baseDir, ctx.env) };
  else {
    const base = d.api_base === undefined ? `https://${domain}` : p.try([...at, 'api_base'], () => apiBase(d.api_base!));
    if (base !== undefined) store = { kind: 'api', apiBase: base };
  }
  if (store === undefined) return undefined;
  const { api_base: _a, file: _f, token_env: _te, token_file: _tf, token: _t, domain: _d, snapshot_dir, announce_token_env, announce_token_file, ...rest } = d;
  return {
    index,
    domain,
    store,
    auth: tokenSpec(domain, d, baseDir, ctx.env),
    ...(announce_token_env !== undefined || announce_token_file !== undefined
      ? { announce_auth: tokenSpec(domain, { ...(announce_token_env !== undefined ? { token_env: announce_token_env } : {}), ...(announce_token_file !== undefined ? { token_file: announce_token_file } : {}) }, baseDir, ctx.env) }
      : {}),
    ...rest,
    snapshot_dir: snapshot_dir === undefined ? join(cacheDir, 'snapshots') : resolvePath(snapshot_dir, baseDir, ctx.env),
  };
}

export function resolveConfig(raw: RawConfig, ctx: ResolveContext, warnings: string[] = []): LoadedConfig {
  const baseDir = dirname(ctx.path);
  const p = new Problems(ctx.rename ?? ((x) => x));
  const cacheDir = raw.fetch.cache_dir === undefined ? defaultCacheDir(ctx.env) : resolvePath(raw.fetch.cache_dir, baseDir, ctx.env);

  const sources = assignNames(
    raw.source.map((s, i) => resolveSource(s, i, baseDir, ctx, p)).filter((s) => s !== undefined),
    // A FIRES dataset URL ends in a UUID: the server's host reads better.
    (s) => (s.format === 'fires' && s.location.kind === 'url' ? new URL(s.location.url).hostname : deriveName(s.location)),
    'source',
    p,
  );
  const allowlists = assignNames(
    raw.allowlist.map((a, i) => resolveAllowlist(a, i, baseDir, ctx, p)).filter((a) => a !== undefined),
    (a) => deriveName(a.location),
    'allowlist',
    p,
  );
  const destinations = raw.destination.map((d, i) => resolveDestination(d, i, baseDir, cacheDir, ctx, p)).filter((d) => d !== undefined);
  const seen = new Set<string>();
  for (const d of destinations) {
    if (seen.has(d.domain)) p.try(['destination', d.index, 'domain'], () => { throw new Error(`"${d.domain}" appears twice; each destination needs its own [[destination]]`); });
    seen.add(d.domain);
  }

  if (p.lines.length > 0) throw configProblems(ctx.path, p.lines);

  const m = raw.merge;
  const config: LoadedConfig = {
    path: ctx.path,
    mode: ctx.mode,
    merge: {
      plan: m.plan,
      threshold: m.threshold_pct !== undefined ? { type: 'pct', value: m.threshold_pct } : { type: 'count', value: m.threshold ?? 0 },
      import_fields: m.import_fields,
      export_fields: m.export_fields,
      allow: m.allow.map((a) => a.trim().toLowerCase().replace(/\.$/, '')),
      drop_redundant: m.drop_redundant,
    },
    fetch: {
      cache_dir: cacheDir,
      timeout_ms: raw.fetch.timeout,
      max_bytes: raw.fetch.max_bytes,
      max_stale_ms: raw.fetch.max_stale,
      shrink_guard: raw.fetch.shrink_guard,
      reject_ratio: raw.fetch.reject_ratio,
      concurrency: raw.fetch.concurrency,
    },
    output: { format: raw.output.format, feed_entries: raw.output.feed_entries, ...(raw.output.path === undefined ? {} : { path: resolvePath(raw.output.path, baseDir, ctx.env) }) },
    sync: { destinations_concurrency: raw.sync.destinations_concurrency },
    sources,
    allowlists,
    destinations,
    lock_file: join(cacheDir, 'fediblock.lock'),
    warnings,
  };
  return config;
}

/** One ConfigError listing every problem, each on its own line. */
export function configProblems(path: string, lines: string[]): ConfigError {
  const head = lines.length === 1 ? `${path}: ${lines[0]}` : `${path}: ${lines.length} problems:\n${lines.map((l) => `  ${l}`).join('\n')}`;
  return new ConfigError(head, 'fix the config file and run `fediblock check` to validate it');
}
