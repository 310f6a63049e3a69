// Find a destination's or instance source's token: token_file, token_env, inline token, then the
// default variables <DOMAIN>_TOKEN (dots and dashes → _) and FediBlockHole's form (dots only).
// `from` names where the token came from, never the token itself.
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '../errors.js';
import { registerSecret } from '../log.js';
import { resolvePath } from './locations.js';

export interface TokenResult {
  token: string | undefined;
  /** "token_file /path", "$NAME", "inline token in FILE", or "none". */
  from: string;
  /** When no token was found: what to set, as a phrase ("the environment variable X_TOKEN"). */
  missing?: string;
  warnings: string[];
}

/**
 * `example.social` → EXAMPLE_SOCIAL_TOKEN; `my-instance.example` → MY_INSTANCE_EXAMPLE_TOKEN. A
 * name a shell can export: anything else (a port's colon) becomes `_`, and a name that would start
 * with a digit (`127.0.0.1:8080`) gets HOST_ in front (HOST_127_0_0_1_8080_TOKEN).
 */
export const defaultTokenVariable = (domain: string): string => {
  const name = `${domain.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_TOKEN`;
  return /^[0-9]/.test(name) ? `HOST_${name}` : name;
};
/** FediBlockHole's name: dots only (`my-instance.example` → MY-INSTANCE_EXAMPLE_TOKEN). */
export const fediBlockHoleTokenVariable = (domain: string): string => `${domain.toUpperCase().replace(/\./g, '_')}_TOKEN`;

/** Group/other read bits, like ssh's check on private keys. Undefined when the file cannot be stat'ed. */
async function readableByOthers(path: string): Promise<boolean | undefined> {
  try {
    return ((await stat(path)).mode & 0o044) !== 0;
  } catch {
    return undefined;
  }
}

export async function resolveToken(
  spec: { domain: string; token_env?: string; token_file?: string; token?: string },
  configPath: string,
  env: NodeJS.ProcessEnv,
): Promise<TokenResult> {
  const warnings: string[] = [];
  const found = (token: string, from: string): TokenResult => {
    registerSecret(token);
    return { token, from, warnings };
  };

  if (spec.token_file !== undefined) {
    const file = resolvePath(spec.token_file, dirname(configPath), env);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ConfigError(
        `${spec.domain}: token_file ${file} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (e as Error).message})`}`,
        `write the token into ${file} (chmod 600) or fix token_file in ${configPath}`,
      );
    }
    const token = text.replace(/[\r\n]+$/, '').trim();
    if (token === '') throw new ConfigError(`${spec.domain}: token_file ${file} is empty`);
    if ((await readableByOthers(file)) === true) warnings.push(`token file ${file} is readable by group/others; run chmod 600 ${file}`);
    return found(token, `token_file ${file}`);
  }

  if (spec.token_env !== undefined) {
    const token = env[spec.token_env];
    if (token === undefined || token.trim() === '') {
      throw new ConfigError(`${spec.domain}: token_env names $${spec.token_env}, which is not set`, `export ${spec.token_env}=… before running, or remove token_env to use $${defaultTokenVariable(spec.domain)}`);
    }
    return found(token.trim(), `$${spec.token_env}`);
  }

  if (spec.token !== undefined) {
    if ((await readableByOthers(configPath)) === true) {
      warnings.push(`token written inline in ${configPath}, which is readable by group/others; run chmod 600 ${configPath}`);
    }
    return found(spec.token, `inline token in ${configPath}`);
  }

  const names = [...new Set([defaultTokenVariable(spec.domain), fediBlockHoleTokenVariable(spec.domain)])];
  for (const name of names) {
    const token = env[name];
    if (token !== undefined && token.trim() !== '') return found(token.trim(), `$${name}`);
  }
  return { token: undefined, from: 'none', missing: `the environment variable ${names[0]}`, warnings };
}
