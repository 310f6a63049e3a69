// `fediblock check`: validate the config and fetch every source; all rejects with their lines.
import { EXIT } from '../errors.js';
import { formatSourceReport } from '../output/format-source-report.js';
import { missingTokens } from './check-tokens.js';
import { buildMerge, sourceLines } from './build-merge.js';
import type { JobContext } from './context.js';
import { openConfig } from './open-config.js';

export async function runCheck(ctx: JobContext): Promise<number> {
  const config = await openConfig(ctx);
  const missing = await missingTokens(config, config.destinations);
  const run = await buildMerge(ctx, config, {});
  const lines = sourceLines(run);
  if (ctx.opts.json === true) {
    ctx.stdout.write(JSON.stringify({ config: config.path, mode: config.mode, warnings: config.warnings, tokens_missing: missing, sources: lines, merged: run.outcome.blocks.length }, null, 2) + '\n');
  } else {
    ctx.stdout.write(`config ${config.path} is valid (${config.mode === 'fediblockhole' ? 'FediBlockHole config, translated' : 'native'})\n`);
    for (const w of config.warnings) ctx.stdout.write(`warning: ${w}\n`);
    for (const m of missing) ctx.stdout.write(`error: ${m}\n`);
    ctx.stdout.write(`sources:\n${formatSourceReport(lines, Infinity, { details: true })}`);
  }
  if (run.failed.length || missing.length) return EXIT.ERROR;
  return run.holds.length ? EXIT.HELD : EXIT.OK;
}
