// loadConfig: read blocklist.toml (or a FediBlockHole config, translated), validate it with zod,
// and return a fully resolved LoadedConfig. Every problem is reported at once, by key path.
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { registerSecret } from '../log.js';
import { fbhRenamer, isFediBlockHoleConfig, translateFediBlockHole } from './fediblockhole.js';
import { formatIssues } from './format-issues.js';
import { resolvePath } from './locations.js';
import { readToml } from './read-toml.js';
import { configProblems, resolveConfig } from './resolve-config.js';
import { configSchema } from './schema.js';
import type { FediBlockHoleOptions, LoadedConfig } from './types.js';

const NATIVE_KEYS = Object.keys(configSchema.shape);

/** Register inline tokens as secrets before anything can echo them. */
function registerInlineTokens(data: unknown): void {
  if (Array.isArray(data)) data.forEach(registerInlineTokens);
  else if (typeof data === 'object' && data !== null) {
    for (const [k, v] of Object.entries(data)) {
      if (k === 'token' && typeof v === 'string') registerSecret(v);
      else registerInlineTokens(v);
    }
  }
}

export async function loadConfig(path: string, opts: { env?: NodeJS.ProcessEnv } = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const abs = resolve(path);
  const { data } = await readToml(abs);
  registerInlineTokens(data);

  let raw: unknown = data;
  let mode: LoadedConfig['mode'] = 'native';
  let rename: ((p: string) => string) | undefined;
  let warnings: string[] = [];
  let fbh: FediBlockHoleOptions | undefined;
  let portDomains: Record<string, string> = {};

  if (isFediBlockHoleConfig(data)) {
    const native = NATIVE_KEYS.filter((k) => k in data);
    if (native.length > 0) {
      throw new ConfigError(
        `${abs}: mixes FediBlockHole keys with fediblock sections (${native.join(', ')}); use one or the other`,
        `run \`fediblock config migrate ${path}\` to print the whole file in fediblock's form`,
      );
    }
    let t;
    try {
      t = translateFediBlockHole(data);
    } catch (e) {
      if (e instanceof ConfigError) throw configProblems(abs, [e.message]);
      throw e;
    }
    mode = 'fediblockhole';
    raw = t.config;
    rename = fbhRenamer(t.origins);
    portDomains = t.portDomains;
    warnings = t.notes.map((n) => `${abs}: ${n}`);
    const base = dirname(abs);
    fbh = {
      no_fetch_url: t.fbh.no_fetch_url,
      no_fetch_instance: t.fbh.no_fetch_instance,
      no_push_instance: t.fbh.no_push_instance,
      save_intermediate: t.fbh.save_intermediate,
      savedir: resolvePath(t.fbh.savedir, base, env),
    };
    if (t.fbh.blocklist_auditfile !== undefined) fbh.blocklist_auditfile = resolvePath(t.fbh.blocklist_auditfile, base, env);
    if (t.fbh.override_private_comment !== undefined) fbh.override_private_comment = t.fbh.override_private_comment;
  }

  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw configProblems(abs, formatIssues(parsed.error.issues, configSchema, rename));

  const config = resolveConfig(parsed.data, { path: abs, env, mode, ...(rename ? { rename } : {}) }, warnings);
  if (fbh !== undefined) config.fbh = fbh;
  // A FediBlockHole domain with a port names its token variables as FediBlockHole did
  // (127_0_0_1:35415_TOKEN), after fediblock's own exportable form (HOST_127_0_0_1_35415_TOKEN).
  for (const d of config.destinations) {
    const named = portDomains[`destination[${d.index + 1}]`];
    if (named !== undefined) d.auth.domain = named;
  }
  for (const s of config.sources) {
    const named = portDomains[`source[${s.index + 1}]`];
    if (named !== undefined && s.auth) s.auth.domain = named;
  }
  return config;
}
