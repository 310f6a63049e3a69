// `fediblock config check`: the config alone, no fetching.
import type { JobContext } from './context.js';
import { openConfig } from './open-config.js';

export async function runConfigCheck(ctx: JobContext): Promise<number> {
  const config = await openConfig(ctx);
  ctx.stdout.write(
    `config ${config.path} is valid: ${config.sources.length} sources, ${config.allowlists.length} allowlists, ${config.destinations.length} destinations` +
      (config.mode === 'fediblockhole' ? ' (FediBlockHole config, translated; see `fediblock config migrate`)' : '') +
      '\n',
  );
  for (const w of config.warnings) ctx.stdout.write(`warning: ${w}\n`);
  return 0;
}
