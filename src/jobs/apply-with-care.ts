// The last mile shared by sync, apply and restore: confirm, lock, software check, snapshot, apply
// with progress, and a report. Interrupts stop new writes, let in-flight ones finish, and still
// report, so the next run can converge from the store's real state.
import { createInterface } from 'node:readline/promises';
import type { DestinationConfig } from '../config/index.js';
import { EXIT, UnsafeError } from '../errors.js';
import { getLogger } from '../log.js';
import { JournalWriter } from '../journal/append-journal.js';
import { newRunId, type JournalCommand } from '../journal/journal-record.js';
import { writeRecord } from '../journal/write-record.js';
import type { Plan, StoredBlock } from '../model.js';
import { applyPlan, type ApplyReport } from '../sync/apply-plan.js';
import { isOwned } from '../sync/ownership.js';
import { writeSnapshot } from '../sync/snapshot.js';
import { planHasChanges } from '../sync/summarize-plan.js';
import type { JobContext } from './context.js';
import { interruptSignal, watchInterrupts } from './interrupt.js';
import type { OpenedStore } from './open-store.js';

export interface ApplyOutcome {
  report?: ApplyReport;
  snapshot?: string;
  /** The run id its journal lines carry (set once writing started). */
  run?: string;
  code: number;
  declined?: boolean;
}

/** Off a terminal, writing needs --yes: cron lines say so explicitly (decisions.md). */
export function requireYesOffTty(ctx: JobContext, what: string): void {
  if (ctx.opts.yes !== true && !ctx.interactive) {
    throw new UnsafeError(`${what} would write to a destination and this is not a terminal; pass --yes to apply without asking`, 'or use --dry-run / `fediblock diff` to only see the plan');
  }
}

export async function confirm(ctx: JobContext, question: string): Promise<boolean> {
  if (ctx.opts.yes === true) return true;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** Which command writes, and where its journal lives (`<cache_dir>/journal/`). */
export interface JournalTarget {
  command: JournalCommand;
  cacheDir: string;
}

export async function applyWithCare(
  ctx: JobContext,
  opened: OpenedStore,
  dest: DestinationConfig,
  plan: Plan,
  current: StoredBlock[],
  target: JournalTarget,
  /** Runs once the admin said yes and the destination checks out, before the first write (sync records the list being synced). */
  beforeWrites?: () => Promise<void>,
): Promise<ApplyOutcome> {
  if (!planHasChanges(plan)) return { code: EXIT.OK };
  if (!(await confirm(ctx, `Apply these changes to ${dest.domain}?`))) {
    ctx.stderr.write('nothing applied\n');
    return { code: EXIT.OK, declined: true };
  }
  const log = await getLogger();
  await opened.preflight();
  await beforeWrites?.();
  // The journal opens before the snapshot and the first write: a journal that cannot be written
  // stops the run before it changes anything, and the snapshot names the run that follows it.
  const started = new Date();
  const run = newRunId(started);
  const journal = await JournalWriter.open({
    cacheDir: target.cacheDir,
    destination: dest.domain,
    command: target.command,
    run,
    onWarning: (m) => log.warn({ event: 'journal_torn_line', destination: dest.domain }, m),
  });
  let outcome: { report: ApplyReport; code: number } | undefined;
  let snapshot: string | undefined;
  try {
    snapshot = await writeSnapshot(dest.snapshot_dir, dest.domain, current, started, run);
    log.info({ event: 'snapshot_saved', destination: dest.domain, path: snapshot, run }, `saved the current blocks of ${dest.domain} to ${snapshot}`);
    outcome = await applyJournaled(ctx, opened, dest, plan, journal);
  } finally {
    // Before the run reports (and also when it throws): a run without this line was killed.
    try {
      await journal.end(outcome?.code ?? EXIT.ERROR);
    } catch (err) {
      log.error({ event: 'journal_failed', destination: dest.domain }, (err as Error).message);
      if (outcome) outcome.code = EXIT.ERROR;
    }
  }
  return { ...outcome, snapshot, run };
}

async function applyJournaled(ctx: JobContext, opened: OpenedStore, dest: DestinationConfig, plan: Plan, journal: JournalWriter): Promise<{ report: ApplyReport; code: number }> {
  const log = await getLogger();
  const isManaged = (b: Pick<StoredBlock, 'private_comment'>) => isOwned(b, dest.marker);

  // SIGTERM/SIGINT (jobs/interrupt.ts): no new write starts, waits end at once, in-flight writes finish.
  watchInterrupts();
  const progress = process.stderr.isTTY === true && !ctx.quiet;
  const report = await applyPlan(plan, opened.store, {
    concurrency: dest.concurrency,
    maxWrites: dest.max_writes,
    marker: dest.marker,
    signal: interruptSignal(),
    onWritten: async (w) => {
      const record = writeRecord(w, isManaged);
      if (record) await journal.append(record);
    },
    ...(progress ? { onProgress: (done: number, total: number) => process.stderr.write(`\r  applying ${done}/${total}`) } : {}),
  });
  if (progress) process.stderr.write('\n');
  // A whole-setting store's writes were flushed by applyPlan: its failure is said once, not per block.
  const f0 = report.flushFailed;
  if (f0) log.error({ event: 'write_failed', destination: dest.domain, writes: f0.writes }, flushSentence(f0));
  for (const f of report.failed.filter((x) => !x.flush)) log.error({ event: 'write_failed', destination: dest.domain, domain: f.domain, action: f.action }, `${f.action} ${f.domain} failed: ${f.message}`);
  for (const c of report.conflicts) log.warn({ event: 'write_conflict', destination: dest.domain, domain: c.domain }, c.message);
  if (report.recordError) log.error({ event: 'journal_failed', destination: dest.domain }, `${report.recordError}; stopped before the next write`);
  // A flush refused because the setting changed since the plan is exit 2, like the same refusal before the first write.
  const code = f0?.unsafe && report.failed.every((x) => x.flush) && !report.aborted && !report.recordError ? EXIT.UNSAFE : report.aborted || report.failed.length || report.recordError ? EXIT.ERROR : EXIT.OK;
  return { report, code };
}

export function formatApplyReport(dest: string, r: ApplyReport, snapshot?: string): string {
  const parts = [`${r.created.length} created`, `${r.updated.length} updated`, `${r.deleted.length} deleted`];
  if (r.conflicts.length) parts.push(`${r.conflicts.length} ${r.conflicts.length === 1 ? 'conflict' : 'conflicts'}`);
  if (r.failed.length) parts.push(`${r.failed.length} failed`);
  if (r.skipped.length) parts.push(`${r.skipped.length} not done`);
  let s = `${dest}: ${parts.join(', ')} (${r.writes} write ${r.writes === 1 ? 'request' : 'requests'})${r.aborted ? ' — interrupted; the next run completes the rest' : ''}${r.maxWritesReached ? ' — stopped at max_writes; the next run continues' : ''}\n`;
  if (r.flushFailed) s += `  failed: ${flushSentence(r.flushFailed)}\n`;
  for (const f of r.failed) if (!f.flush) s += `  failed: ${f.action} ${f.domain}: ${f.message}\n`;
  for (const c of r.conflicts) s += `  conflict: ${c.domain}: ${c.message}\n`;
  // Nothing sent, nothing to undo: the snapshot line would only suggest otherwise.
  if (snapshot && r.writes > 0) s += `  snapshot of the previous state: ${snapshot} (undo with \`fediblock restore ${snapshot} -d ${dest}\`)\n`;
  return s;
}

function flushSentence(f: NonNullable<ApplyReport['flushFailed']>): string {
  const what = `the one write of ${f.writes} ${f.writes === 1 ? 'change' : 'changes'}`;
  return f.uncertain
    ? `${what} got no answer and may or may not have been made (${f.message}); journaled as uncertain, so restore undoes it only if it landed; the next run re-plans against the setting as it is`
    : `${what} was not made (${f.message}); nothing of it is journaled; the next run re-plans`;
}

/** Every write of the plan was made (or there were none): the destination holds the desired list. */
export function appliedEverything(code: number, r: ApplyReport | undefined): boolean {
  if (code !== EXIT.OK) return false;
  if (r === undefined) return true;
  return !r.aborted && !r.maxWritesReached && r.failed.length === 0 && r.conflicts.length === 0 && r.skipped.length === 0 && r.recordError === undefined;
}

/** Worst exit code wins: error, then unsafe, then held deletions, then "changes" (diff/check only). */
export function worstCode(codes: number[]): number {
  const order = [EXIT.ERROR, EXIT.LOCKED, EXIT.UNSAFE, EXIT.HELD, EXIT.CHANGES];
  for (const c of order) if (codes.includes(c)) return c;
  return EXIT.OK;
}
