// A source that failed with no usable copy decides the run before the instance is touched
// (decisions.md): under `min` or a threshold a missing source can raise severities or add domains,
// so nothing is applied — and then no follow check, no listing and no plan is worth its requests.
// The first line says so and why; `-q` prints only that line.
import { EXIT } from '../errors.js';
import { getLogger } from '../log.js';
import { errorWithoutName, formatMergeCounts, formatSourceReport } from '../output/format-source-report.js';
import { sourceLines, type MergeRun } from './build-merge.js';
import type { JobContext } from './context.js';

export function failedSourcesLine(run: MergeRun, mode: 'diff' | 'sync'): string {
  const why = run.failed.map((s) => `${run.allowlists.includes(s) ? 'allowlist' : 'source'} ${s.list.name} failed: ${errorWithoutName(s.list.name, s.error ?? 'no usable copy')}`).join('; ');
  return `${mode === 'sync' ? 'nothing will be applied' : 'nothing would be applied'}: ${why}`;
}

export async function reportFailedSources(ctx: JobContext, run: MergeRun, mode: 'diff' | 'sync'): Promise<number> {
  const line = failedSourcesLine(run, mode);
  if (ctx.opts.json === true) {
    const sources = sourceLines(run).map((s) => ({ name: s.name, status: s.status, blocks: s.blocks, rejects: s.rejects.length, warnings: s.warnings, error: s.error ?? null }));
    ctx.stdout.write(JSON.stringify({ error: line, exit: EXIT.ERROR, sources }, null, 2) + '\n');
    return EXIT.ERROR;
  }
  // The one line: an error, on stderr with the other log lines (JSON with --log-format json).
  const log = await getLogger();
  log.error({ event: 'sources_failed', sources: run.failed.map((s) => s.list.name) }, line);
  if (!ctx.quiet) {
    const out = ctx.opts.format === 'markdown' ? ctx.stderr : ctx.stdout;
    out.write(`sources:\n${formatSourceReport(sourceLines(run))}${formatMergeCounts(run.outcome)}\n`);
  }
  return EXIT.ERROR;
}
