// `fediblock config check`: the config alone, no fetching. A destination whose token cannot be
// found is named too, as a warning: the file is valid (CI checks it without the secrets), but a
// run needs the token. `fediblock check` treats the same finding as an error.
import { EXIT } from '../errors.js';
import { missingTokens } from './check-tokens.js';
import type { JobContext } from './context.js';
import { openConfig } from './open-config.js';

export async function runConfigCheck(ctx: JobContext): Promise<number> {
  const config = await openConfig(ctx);
  const missing = await missingTokens(config, config.destinations);
  if (ctx.opts.json === true) {
    ctx.stdout.write(JSON.stringify({ config: config.path, mode: config.mode, sources: config.sources.length, allowlists: config.allowlists.length, destinations: config.destinations.length, warnings: config.warnings, tokens_missing: missing }, null, 2) + '\n');
    return EXIT.OK;
  }
  ctx.stdout.write(
    `config ${config.path} is valid: ${plural(config.sources.length, 'source')}, ${plural(config.allowlists.length, 'allowlist')}, ${plural(config.destinations.length, 'destination')}` +
      (config.mode === 'fediblockhole' ? ' (FediBlockHole config, translated; see `fediblock config migrate`)' : '') +
      '\n',
  );
  for (const w of config.warnings) ctx.stdout.write(`warning: ${w}\n`);
  for (const m of missing) ctx.stdout.write(`warning: ${m}\n`);
  return EXIT.OK;
}

const plural = (n: number, one: string) => `${n} ${n === 1 ? one : `${one}s`}`;
