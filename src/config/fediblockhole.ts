// FediBlockHole drop-in: recognise a fediblockhole.conf.toml by its own keys and translate it into
// fediblock's schema, reproducing FediBlockHole's defaults (checked against its source, v0.4.x):
//   url/allowlist source format 'csv'; max_severity 'suspend'; instance/destination scheme 'https';
//   max_followed_severity 'silence'; mergeplan 'max'; merge_threshold 0, type 'count';
//   import_fields [] and export_fields [] (domain and severity are always implied); savedir '/tmp';
//   an explicit `token` wins over `token_env_var` (with a warning); the default token variable is
//   the domain upper-cased with dots as underscores + `_TOKEN` (resolveToken tries ours first).
// Destinations get remove = false and adopt = true (decisions.md "FediBlockHole mode"): blocks
// FediBlockHole created carry no marker, and FediBlockHole never removed anything.
//
// A `url` that is a plain path or a `file:` URL is treated as a local file, resolved against the
// config file's folder (FediBlockHole passed it to urllib, which needs an absolute file: URL).
import { ConfigError } from '../errors.js';
import { formatPath } from './format-issues.js';
import type { ConfigInput } from './schema.js';
import type { FediBlockHoleOptions } from './types.js';

export const FBH_KEYS = [
  'blocklist_url_sources',
  'blocklist_instance_sources',
  'allowlist_url_sources',
  'blocklist_instance_destinations',
  'mergeplan',
  'merge_threshold',
  'merge_threshold_type',
  'import_fields',
  'export_fields',
  'blocklist_savefile',
  'save_intermediate',
  'savedir',
  'blocklist_auditfile',
  'no_fetch_url',
  'no_fetch_instance',
  'no_push_instance',
  'override_private_comment',
] as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when `obj` has any key only FediBlockHole uses. */
export function isFediBlockHoleConfig(obj: unknown): boolean {
  return isObj(obj) && FBH_KEYS.some((k) => k in obj);
}

/** FediBlockHole's runtime settings, paths as written (resolved by loadConfig). */
export type FediBlockHoleRaw = FediBlockHoleOptions;

export interface FediBlockHoleTranslation {
  /** A native raw config, to be validated with configSchema. */
  config: ConfigInput;
  /** Differences and ignored keys, one sentence each, in file order. */
  notes: string[];
  fbh: FediBlockHoleRaw;
  /** [native key path, FediBlockHole key path] pairs, to name the admin's keys in errors. */
  origins: [string, string][];
  /** Inline tokens not to be copied by `config migrate`: native path of the entry → default variable. */
  inlineTokens: string[];
  /** Entries whose FediBlockHole domain carried a port: native path ("destination[1]") → that domain, for token names. */
  portDomains: Record<string, string>;
}

const FIELD_IMPLIED = new Set(['domain', 'severity', 'id']);

function fields(v: unknown, where: string, notes: string[]): unknown {
  if (!Array.isArray(v)) return v;
  const implied = v.filter((f) => typeof f === 'string' && FIELD_IMPLIED.has(f));
  if (implied.length > 0) notes.push(`${where}: ${implied.join(', ')} always included; dropped from the list`);
  return v.filter((f) => !(typeof f === 'string' && FIELD_IMPLIED.has(f)));
}

function list(v: unknown, key: string): Obj[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every(isObj)) throw new ConfigError(`${key}: expected a list of tables ({ … }); got ${typeof v}`);
  return v;
}

function bool(obj: Obj, key: string): boolean {
  const v = obj[key];
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new ConfigError(`${key}: expected true or false; got ${JSON.stringify(v)}`);
  return v;
}

function str(obj: Obj, key: string): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ConfigError(`${key}: expected a string; got ${JSON.stringify(v)}`);
  return v;
}

function ignoreUnknown(entry: Obj, known: readonly string[], where: string, notes: string[]): void {
  for (const k of Object.keys(entry)) if (!known.includes(k)) notes.push(`${where}.${k}: not a FediBlockHole key; ignored (FediBlockHole ignores it too)`);
}

/**
 * FediBlockHole builds `scheme://domain`, so its `domain` may carry a port ("127.0.0.1:35415").
 * fediblock keeps the two apart: `domain` is the host (it names the destination, its files and its
 * token variable) and api_base holds the port.
 */
export function splitPort(domain: unknown): { host: unknown; port?: string } {
  if (typeof domain !== 'string') return { host: domain };
  const m = /^([^:[\]]+):(\d{1,5})$/.exec(domain.trim());
  return m ? { host: m[1], port: m[2]! } : { host: domain };
}

/** `scheme` (and a port in `domain`) → api_base; https on the default port needs none. */
function schemeBase(entry: Obj, domain: unknown): string | undefined {
  const scheme = entry.scheme;
  const { port } = splitPort(domain);
  if ((scheme === undefined || scheme === 'https') && port === undefined) return undefined;
  return `${String(scheme ?? 'https')}://${String(domain).trim()}`;
}

function tokens(entry: Obj, where: string, notes: string[]): { token?: unknown; token_env?: unknown } {
  const envVar = entry.token_env_var ?? entry.token_env;
  if (entry.token !== undefined && envVar !== undefined) {
    notes.push(`${where}: both token and token_env_var are set; the inline token is used, as FediBlockHole does`);
    return { token: entry.token };
  }
  const out: { token?: unknown; token_env?: unknown } = {};
  if (entry.token !== undefined) out.token = entry.token;
  if (envVar !== undefined) out.token_env = envVar;
  return out;
}

const defined = (o: Obj): Obj => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export function translateFediBlockHole(obj: Record<string, unknown>): FediBlockHoleTranslation {
  const notes: string[] = [];
  const origins: [string, string][] = [];
  const inlineTokens: string[] = [];
  const portDomains: Record<string, string> = {};
  for (const k of Object.keys(obj)) {
    if (!(FBH_KEYS as readonly string[]).includes(k)) notes.push(`${k}: not a FediBlockHole key; ignored (FediBlockHole ignores it too)`);
  }

  const sources: Obj[] = [];
  list(obj.blocklist_url_sources, 'blocklist_url_sources').forEach((e, i) => {
    const where = formatPath(['blocklist_url_sources', i]);
    ignoreUnknown(e, ['url', 'format', 'max_severity', 'import_fields'], where, notes);
    origins.push([formatPath(['source', sources.length]), where]);
    sources.push(defined({ url: e.url, format: e.format ?? 'csv', max_severity: e.max_severity, import_fields: fields(e.import_fields, `${where}.import_fields`, notes) }));
  });
  list(obj.blocklist_instance_sources, 'blocklist_instance_sources').forEach((e, i) => {
    const where = formatPath(['blocklist_instance_sources', i]);
    ignoreUnknown(e, ['domain', 'admin', 'token', 'token_env_var', 'token_env', 'scheme', 'import_fields', 'max_severity'], where, notes);
    const at = formatPath(['source', sources.length]);
    origins.push([`${at}.instance`, `${where}.domain`], [`${at}.api_base`, `${where}.scheme`], [`${at}.token_env`, `${where}.token_env_var`], [at, where]);
    const tok = tokens(e, where, notes);
    if (tok.token !== undefined) inlineTokens.push(at);
    const { host, port } = splitPort(e.domain);
    if (port !== undefined) portDomains[at] = String(e.domain).trim();
    sources.push(defined({ instance: host, admin: e.admin, api_base: schemeBase(e, e.domain), ...tok, max_severity: e.max_severity, import_fields: fields(e.import_fields, `${where}.import_fields`, notes) }));
  });

  const allowlist: Obj[] = list(obj.allowlist_url_sources, 'allowlist_url_sources').map((e, i) => {
    const where = formatPath(['allowlist_url_sources', i]);
    ignoreUnknown(e, ['url', 'format', 'max_severity', 'import_fields'], where, notes);
    if (e.max_severity !== undefined || e.import_fields !== undefined) notes.push(`${where}: max_severity and import_fields do not apply to an allowlist; ignored`);
    origins.push([formatPath(['allowlist', i]), where]);
    return defined({ url: e.url, format: e.format ?? 'csv' });
  });

  const marker = str(obj, 'override_private_comment');
  const destination: Obj[] = list(obj.blocklist_instance_destinations, 'blocklist_instance_destinations').map((e, i) => {
    const where = formatPath(['blocklist_instance_destinations', i]);
    ignoreUnknown(e, ['domain', 'token', 'token_env_var', 'token_env', 'scheme', 'max_severity', 'max_followed_severity', 'import_fields'], where, notes);
    if (e.import_fields !== undefined) notes.push(`${where}.import_fields: ignored; the merged list's fields (import_fields) are what is pushed, as in FediBlockHole`);
    const at = formatPath(['destination', i]);
    origins.push([`${at}.api_base`, `${where}.scheme`], [`${at}.token_env`, `${where}.token_env_var`], [at, where]);
    const tok = tokens(e, where, notes);
    if (tok.token !== undefined) inlineTokens.push(at);
    const { host, port } = splitPort(e.domain);
    if (port !== undefined) portDomains[at] = String(e.domain).trim();
    return defined({
      domain: host,
      api_base: schemeBase(e, e.domain),
      ...tok,
      max_severity: e.max_severity,
      max_followed_severity: e.max_followed_severity,
      remove: false,
      adopt: true,
      marker,
    });
  });
  if (destination.length > 0) {
    notes.push('destinations: remove = false and adopt = true, as FediBlockHole never removed blocks and marked none it created' + (marker === undefined ? '' : `; override_private_comment "${marker}" is the ownership marker`));
  }

  const thresholdType = obj.merge_threshold_type ?? 'count';
  if (thresholdType !== 'count' && thresholdType !== 'pct') {
    throw new ConfigError(`merge_threshold_type: expected one of count, pct; got ${JSON.stringify(thresholdType)}`);
  }
  const threshold = obj.merge_threshold ?? 0;
  origins.push(['merge.plan', 'mergeplan'], ['merge.threshold_pct', 'merge_threshold'], ['merge.threshold', 'merge_threshold'], ['merge.import_fields', 'import_fields'], ['merge.export_fields', 'export_fields'], ['output.path', 'blocklist_savefile']);

  const savefile = str(obj, 'blocklist_savefile');
  const fbh: FediBlockHoleRaw = {
    no_fetch_url: bool(obj, 'no_fetch_url'),
    no_fetch_instance: bool(obj, 'no_fetch_instance'),
    no_push_instance: bool(obj, 'no_push_instance'),
    save_intermediate: bool(obj, 'save_intermediate'),
    savedir: str(obj, 'savedir') ?? '/tmp',
  };
  const audit = str(obj, 'blocklist_auditfile');
  if (audit !== undefined) fbh.blocklist_auditfile = audit;
  if (marker !== undefined) fbh.override_private_comment = marker;
  for (const [k, v] of [['blocklist_savefile', savefile], ['savedir', obj.savedir], ['blocklist_auditfile', audit]] as const) {
    if (typeof v === 'string' && !v.startsWith('/') && !v.startsWith('~')) notes.push(`${k}: relative path "${v}" is resolved against the config file's folder (FediBlockHole used the working directory)`);
  }

  const config: ConfigInput = {
    merge: defined({
      plan: obj.mergeplan ?? 'max',
      ...(thresholdType === 'pct' ? { threshold_pct: threshold } : { threshold }),
      import_fields: fields(obj.import_fields ?? [], 'import_fields', notes),
      export_fields: fields(obj.export_fields ?? [], 'export_fields', notes),
    }) as ConfigInput['merge'],
    output: defined({ path: savefile, format: 'csv' }) as ConfigInput['output'],
    source: sources as ConfigInput['source'],
    allowlist: allowlist as ConfigInput['allowlist'],
    destination: destination as ConfigInput['destination'],
  };
  return { config, notes, fbh, origins, inlineTokens, portDomains };
}

/** Map a native key path in an error back to the FediBlockHole key the admin wrote. */
export function fbhRenamer(origins: [string, string][]): (p: string) => string {
  return (p) => {
    let best: [string, string] | undefined;
    for (const o of origins) {
      const [nat] = o;
      const hit = p === nat || p.startsWith(`${nat}.`) || p.startsWith(`${nat}[`);
      if (hit && (best === undefined || nat.length > best[0].length)) best = o;
    }
    return best === undefined ? p : best[1] + p.slice(best[0].length);
  };
}
