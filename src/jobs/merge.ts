// `fediblock merge`: fetch, merge, write the list (stdout, -o FILE, or --check FILE).
import { readFile } from 'node:fs/promises';
import { auditRows } from '../merge/index.js';
import { ConfigError, EXIT, FediblockError } from '../errors.js';
import { writeFileAtomic } from '../output/atomic-write.js';
import type { OutputFormat } from '../output/format-list.js';
import { formatMergedChunks } from '../output/format-merged.js';
import { errorWithoutName, formatMergeCounts, formatSourceReport } from '../output/format-source-report.js';
import { buildMerge, mergeFlagsOf, sourceLines, type MergeRun } from './build-merge.js';
import type { JobContext } from './context.js';
import { openConfig } from './open-config.js';
import { publishDate } from './publish-date.js';
import { saveIntermediate } from './save-lists.js';

export async function runMerge(ctx: JobContext): Promise<number> {
  const config = await openConfig(ctx);
  const o = ctx.opts;
  const outPath = typeof o.output === 'string' ? o.output : config.output.path;
  const checkPath = typeof o.check === 'string' ? o.check : undefined;
  // The list goes to stdout without -o: a JSON summary there too would make neither parseable.
  if (o.json === true && !outPath && !checkPath) {
    throw new FediblockError('merge --json needs -o FILE: without it the merged list itself is written to stdout', {
      hint: 'fediblock merge -o merged.csv --json (or --format json for the list itself as JSON)',
    });
  }
  const run = await buildMerge(ctx, config, { ...mergeFlagsOf(o), failuresSaidByJob: o.allowPartial !== true });
  // Data on stdout means the human summary moves to stderr (decisions.md, Output).
  const summaryOut = outPath || checkPath ? ctx.stdout : ctx.stderr;

  if (run.failed.length && o.allowPartial !== true) {
    if (o.json !== true) summaryOut.write(formatSourceReport(sourceLines(run)));
    throw new FediblockError(`nothing was written: ${run.failed.map((s) => `${s.list.name} failed: ${errorWithoutName(s.list.name, s.error ?? 'no usable copy')}`).join('; ')}`, {
      hint: 'fix the source, or run with --allow-partial to merge without it',
    });
  }

  const format = (typeof o.format === 'string' ? o.format : config.output.format) as OutputFormat;
  // Made as they are written: the merged list is never whole in memory.
  const chunks = () =>
    formatMergedChunks(run.outcome, format, {
      exportFields: config.merge.export_fields,
      // FediBlockHole writes CRLF; keep its users' published files free of line-end churn.
      lineEnd: config.mode === 'fediblockhole' ? '\r\n' : '\n',
    });

  let code: number = run.holds.length ? EXIT.HELD : EXIT.OK;
  if (checkPath) {
    const current = await readFile(checkPath).catch(() => undefined);
    const same = current !== undefined && sameBytes(current, chunks());
    if (o.json === true) {
      const state = current === undefined ? 'missing' : same ? 'up_to_date' : 'differs';
      ctx.stdout.write(JSON.stringify({ check: checkPath, state, domains: run.outcome.blocks.length, holds: run.holds }, null, 2) + '\n');
      return same ? code : EXIT.CHANGES;
    }
    if (!same) {
      ctx.stdout.write(`${checkPath} is ${current === undefined ? 'missing' : 'not what the merge writes'}; run \`fediblock merge -o ${checkPath}\`\n`);
      return EXIT.CHANGES;
    }
    if (!ctx.quiet) ctx.stdout.write(`${checkPath} is up to date (${run.outcome.list.size} domains)\n`);
    return code;
  }

  const changelogPath = typeof o.changelog === 'string' ? o.changelog : undefined;
  if (typeof o.feed === 'string' && !changelogPath) throw new ConfigError('--feed is written from the changelog: add --changelog FILE');
  // Checked before anything is written, so a typo costs nothing.
  const date = changelogPath ? publishDate(o.date, process.env) : undefined;

  await saveIntermediate(run);
  // Read the previous list before -o may overwrite it: `merge -o list.csv --report r.html --against list.csv`.
  // The changelog compares with --against, else with the file -o is about to replace.
  const againstPath = typeof o.against === 'string' ? o.against : changelogPath ? outPath : undefined;
  const previous = againstPath && (typeof o.report === 'string' || changelogPath) ? await readFile(againstPath, 'utf8').catch(() => undefined) : undefined;
  const againstText = typeof o.report === 'string' && typeof o.against === 'string' ? (previous ?? '') : undefined;
  if (outPath) await writeFileAtomic(outPath, chunks());
  // A chunk is reused once the next is made; stdout may still be holding it.
  else for (const chunk of chunks()) ctx.stdout.write(Buffer.from(chunk));
  let changelogLine: string | undefined;
  if (changelogPath) {
    const { writeChangelog, listNameOf } = await import('./write-changelog.js');
    changelogLine = await writeChangelog(run, {
      changelog: changelogPath,
      ...(typeof o.feed === 'string' ? { feed: o.feed } : {}),
      ...(againstPath ? { against: { name: againstPath, text: previous } } : {}),
      listName: listNameOf(outPath),
      date: date!,
      feedEntries: config.output.feed_entries,
    });
  }

  const auditPath = typeof o.audit === 'string' ? o.audit : config.fbh?.blocklist_auditfile;
  if (auditPath) await writeAudit(auditPath, run);
  if (typeof o.report === 'string') {
    const { writeReport } = await import('./write-report.js');
    await writeReport(o.report, run, againstText === undefined ? undefined : { name: String(o.against), text: againstText });
  }

  if (o.json === true) {
    const summary = {
      output: outPath ?? null,
      format,
      domains: run.outcome.list.size,
      dropped: run.outcome.dropped.length,
      warnings: run.outcome.warnings,
      holds: run.holds,
      changelog: changelogLine ?? null,
      sources: sourceLines(run).map((s) => ({ ...s, rejects: s.rejects.length, notices: s.notices.length })),
    };
    summaryOut.write(JSON.stringify(summary, null, 2) + '\n');
  } else if (!ctx.quiet || run.failed.length || run.holds.length) {
    summaryOut.write(mergeSummary(run, outPath) + (changelogLine ? `${changelogLine}\n` : ''));
  }
  if (run.failed.length) code = EXIT.ERROR;
  return code;
}

export function mergeSummary(run: MergeRun, outPath?: string): string {
  let s = `sources:\n${formatSourceReport(sourceLines(run))}`;
  s += formatMergeCounts(run.outcome) + (outPath ? `; wrote ${outPath}` : '') + '\n';
  for (const w of run.outcome.warnings) s += `warning: ${w}\n`;
  for (const h of run.holds) s += `warning: ${h}\n`;
  return s;
}

async function writeAudit(path: string, run: MergeRun): Promise<void> {
  const rows = auditRows(run.outcome, run.lists);
  const text = 'domain,count,percent\n' + rows.map((r) => `${r.domain},${r.count},${r.percent}`).join('\n') + (rows.length ? '\n' : '');
  await writeFileAtomic(path, text);
}

/** Whether the chunks spell exactly `file`'s bytes (`merge --check`). */
function sameBytes(file: Buffer, chunks: Iterable<Buffer>): boolean {
  let at = 0;
  for (const chunk of chunks) {
    if (at + chunk.length > file.length || !chunk.equals(file.subarray(at, at + chunk.length))) return false;
    at += chunk.length;
  }
  return at === file.length;
}
