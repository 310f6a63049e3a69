// Finds, before anything is fetched, every destination whose token cannot be found, so that a cron
// run fails in a second with one plain sentence per destination instead of after every download.
import type { DestinationConfig, LoadedConfig } from '../config/index.js';
import { resolveToken } from '../config/index.js';
import { FediblockError } from '../errors.js';

/** One sentence per remote destination without a usable token (file destinations need none). */
export async function missingTokens(config: LoadedConfig, dests: DestinationConfig[]): Promise<string[]> {
  const out: string[] = [];
  for (const dest of dests) {
    if (dest.store.kind === 'file') continue;
    try {
      const t = await resolveToken(dest.auth, config.path, process.env);
      if (!t.token) out.push(`no token for ${dest.domain}: set ${t.missing ?? 'its token'}, or name a variable (token_env) or a file (token_file) in its [[destination]]`);
    } catch (e) {
      // token_env names an unset variable, or token_file is missing or empty: the message says which.
      const m = e instanceof Error ? e.message : String(e);
      out.push(`no token for ${dest.domain}: ${m.startsWith(`${dest.domain}: `) ? m.slice(dest.domain.length + 2) : m}`);
    }
  }
  return out;
}

/** Refuses (exit 1) when any destination lacks its token, naming each one. */
export async function requireTokens(config: LoadedConfig, dests: DestinationConfig[]): Promise<void> {
  const missing = await missingTokens(config, dests);
  if (!missing.length) return;
  throw new FediblockError(missing.join('\n  '), {
    hint: 'create a token in Preferences → Development (scopes admin:read admin:write:domain_blocks); nothing was fetched or changed',
  });
}
