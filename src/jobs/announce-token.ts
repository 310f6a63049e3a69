// The token `announce --post` posts with: the destination's announce_token_file or
// announce_token_env, else $<DOMAIN>_ANNOUNCE_TOKEN. Never the admin token: an account that can
// rewrite the instance's blocks should not also be the one posting, and a leaked posting token
// must not be able to touch moderation. A posting token equal to the admin token is refused.
import { defaultTokenVariable, resolveToken, type DestinationConfig, type LoadedConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import { getLogger } from '../log.js';

export const defaultAnnounceTokenVariable = (domain: string): string => defaultTokenVariable(domain).replace(/_TOKEN$/, '_ANNOUNCE_TOKEN');

export async function resolveAnnounceToken(config: LoadedConfig, dest: DestinationConfig, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const variable = defaultAnnounceTokenVariable(dest.domain);
  let token: string | undefined;
  if (dest.announce_auth) {
    const t = await resolveToken(dest.announce_auth, config.path, env);
    const log = await getLogger();
    for (const w of t.warnings) log.warn({ event: 'token_warning', destination: dest.domain }, w);
    token = t.token;
  } else {
    token = env[variable]?.trim() || undefined;
  }
  if (!token) {
    throw new ConfigError(`no posting token for ${dest.domain}: set $${variable}, or announce_token_env / announce_token_file in its [[destination]]`, 'create an application in Preferences → Development with only the scope write:statuses, on the account that should post');
  }
  // Compared, never printed. A missing admin token is fine here.
  const admin = await resolveToken(dest.auth, config.path, env).catch(() => undefined);
  if (admin?.token !== undefined && admin.token === token) {
    throw new ConfigError(`the posting token for ${dest.domain} is its admin token; announce posts only with a separate token (scope write:statuses)`);
  }
  return token;
}
