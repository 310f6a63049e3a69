// `fediblock diff` and `fediblock sync`: one planner in front of every store (design.md). diff
// only prints; sync confirms, snapshots and applies, one destination after another.
import { Writable } from 'node:stream';
import { EXIT, FediblockError } from '../errors.js';
import type { Plan } from '../model.js';
import { getLogger } from '../log.js';
import { writeFileAtomic } from '../output/atomic-write.js';
import { formatMergeCounts, formatSourceReport } from '../output/format-source-report.js';
import { formatPlanMarkdown, formatPlanTable } from '../sync/format-plan.js';
import { defaultDestinationPolicy } from '../sync/destination-policy.js';
import { planHasChanges } from '../sync/summarize-plan.js';
import { appliedEverything, applyWithCare, formatApplyReport, requireYesOffTty, worstCode } from './apply-with-care.js';
import { buildMerge, mergeFlagsOf, sourceLines, type MergeRun } from './build-merge.js';
import type { JobContext } from './context.js';
import { openConfig } from './open-config.js';
import { openStore, refuseOffline } from './open-store.js';
import { requireTokens } from './check-tokens.js';
import { reportFailedSources } from './report-failed-sources.js';
import { saveIntermediate, saveMerged } from './save-lists.js';
import { planDestination, policyOf, selectDestinations, type DestinationPlan } from './plan-destination.js';
import { annotatePlan } from './plan-provenance.js';
import { brakeBaseline, markPending, markSynced, readDestinationState, toListed, type DestinationState } from '../sync/destination-state.js';
import { planFileText } from '../sync/plan-file.js';
import { listRules, measureChange, type ListRules } from '../sync/list-change.js';

export const runDiff = (ctx: JobContext) => runPlanAndApply(ctx, 'diff');
export const runSync = (ctx: JobContext) => runPlanAndApply(ctx, 'sync');

async function runPlanAndApply(ctx: JobContext, mode: 'diff' | 'sync'): Promise<number> {
  const o = ctx.opts;
  const dryRun = mode === 'diff' || o.dryRun === true || o.dryrun === true;
  const planOut = typeof o.planOut === 'string' ? o.planOut : undefined;
  const writes = !dryRun && !planOut;
  if (writes) requireYesOffTty(ctx, 'sync');

  const config = await openConfig(ctx);
  // Before anything is fetched: a destination that cannot be reached (offline) or lacks its token says so now.
  const dests = typeof o.against === 'string' ? [] : selectDestinations(config, o.destination);
  for (const d of dests) refuseOffline(d);
  await requireTokens(config, dests);
  if (config.fbh?.no_push_instance && writes && !ctx.quiet) {
    ctx.stderr.write('no_push_instance is set in the FediBlockHole config: planning only\n');
  }
  const reallyWrites = writes && !config.fbh?.no_push_instance;
  const lock = reallyWrites ? await (await import('../sync/lock.js')).acquireLock(config.lock_file) : undefined;
  try {
    const run = await buildMerge(ctx, config, { ...mergeFlagsOf(o), failuresSaidByJob: true });
    await saveIntermediate(run);
    if (run.failed.length) return reportFailedSources(ctx, run, mode);
    const savePath = typeof o.output === 'string' ? o.output : config.mode === 'fediblockhole' ? config.output.path : undefined;
    if (savePath && !run.failed.length) await saveMerged(run, savePath);
    const holds = [...run.holds, ...run.failed.map((s) => `${s.list.name} failed (${s.error ?? 'no usable copy'})`)];
    const json = o.json === true;
    const results: unknown[] = [];
    const codes: number[] = [];
    const summaryOut = json ? ctx.stderr : ctx.stdout;

    if (!ctx.quiet || run.failed.length || run.holds.length) {
      const text = `sources:\n${formatSourceReport(sourceLines(run))}${formatMergeCounts(run.outcome)}\n`;
      (json || o.format === 'markdown' ? ctx.stderr : ctx.stdout).write(text);
    }
    if (run.failed.length) codes.push(EXIT.ERROR);
    else if (run.holds.length) codes.push(EXIT.HELD);

    const targets: Array<{ label: string; plan: () => Promise<{ dp: DestinationPlan; opened?: Awaited<ReturnType<typeof openStore>>; dest?: (typeof config.destinations)[number]; state?: DestinationState; rules?: ListRules }> }> = [];
    if (typeof o.against === 'string') {
      const file = o.against;
      targets.push({
        label: file,
        plan: async () => {
          const { FileStore } = await import('../destinations/file/file-store.js');
          const store = await FileStore.open(file, { name: file, allowMissing: true });
          // A published list is fediblock's own output: every row is "owned", no marker, no brakes.
          const policy = defaultDestinationPolicy('', { own_all: true, fields: config.merge.export_fields, brake_min_owned: Number.MAX_SAFE_INTEGER });
          const dp = await planDestination(store, false, run.outcome.blocks, policy, holds, 1);
          dp.plan.destination = file;
          return { dp };
        },
      });
    } else {
      if (!dests.length) {
        throw new FediblockError(
          typeof o.destination === 'string' ? `no [[destination]] with domain = "${o.destination}" in ${config.path}` : `no [[destination]] in ${config.path}`,
          { hint: 'add one, or compare with a published list: fediblock diff --against FILE' },
        );
      }
      for (const dest of dests) {
        targets.push({
          label: dest.domain,
          plan: async () => {
            const opened = await openStore(config, dest);
            const policy = policyOf(dest, config.merge.export_fields, []);
            // Brakes measure how the sources changed since this destination was last synced.
            const state = await readDestinationState(config.fetch.cache_dir, dest.domain);
            const rules = listRules(run.outcome.blocks, dest.max_severity);
            const baseline = brakeBaseline(state);
            const change = baseline === undefined ? undefined : measureChange(baseline, rules);
            const dp = await planDestination(opened.store, opened.live, run.outcome.blocks, policy, holds, dest.concurrency, { followChecks: dest.follow_checks, ...(change ? { change } : {}) });
            return { dp, opened, dest, state, rules };
          },
        });
      }
    }

    const provenance = { outcome: run.outcome, settings: run.settings, sourceNames: new Map(run.sources.map((s) => [s.list.index, s.list.name])) };
    // Destinations are independent (each has its own client, rate budget and request
    // concurrency), so a hosting provider's many instances are synced [sync]
    // destinations_concurrency at a time. Their output is held and printed in config order; a
    // run that may ask before applying (no --yes) goes one destination at a time.
    const oneTarget = async (t: (typeof targets)[number], ctx: JobContext, summaryOut: NodeJS.WritableStream, entries: Array<Record<string, unknown>>, codes: number[]): Promise<void> => {
      const { dp, opened, dest, state, rules } = await t.plan();
      dp.plan = annotatePlan(dp.plan, provenance);
      if (run.failed.length) dp.plan.failed_sources = run.failed.map((s) => s.list.name);
      const changes = planHasChanges(dp.plan);
      const entry: Record<string, unknown> = { destination: t.label, plan: dp.plan, brakes: dp.brakes, follow_checks: dp.followChecks };
      entries.push(entry);
      if (!json && (!ctx.quiet || changes || !dp.brakes.ok)) {
        ctx.stdout.write(o.format === 'markdown' ? formatPlanMarkdown(dp.plan, { current: dp.current }) : formatPlanTable(dp.plan, { color: ctx.color, current: dp.current }));
      }
      if (!dp.brakes.ok) for (const r of dp.brakes.reasons) summaryOut.write(`brake: ${r}\n`);
      if (mode === 'diff' || dryRun) {
        if (o.exitCode === true && changes) codes.push(EXIT.CHANGES);
        return;
      }
      if (planOut) {
        // The list the plan was made for goes with it: `apply` records it as the synced state.
        await writeFileAtomic(planOut, planFileText({ ...dp.plan, brakes: dp.brakes }, rules ? toListed(rules, dp.plan.created_at) : undefined));
        summaryOut.write(`plan for ${t.label} written to ${planOut}; apply it with \`fediblock apply ${planOut}\`\n`);
        return;
      }
      if (!opened || !dest || !reallyWrites) return;
      if (run.failed.length) {
        // Under `min` or a threshold, a missing source can raise severities or add domains.
        summaryOut.write(`${dest.domain}: nothing applied because a source failed with no usable copy\n`);
        return;
      }
      if (!dp.brakes.ok && o.force !== true) {
        summaryOut.write(`${dest.domain}: refused (brakes); review the plan, then re-run with --force if it is right\n`);
        codes.push(EXIT.UNSAFE);
        return;
      }
      const cacheDir = config.fetch.cache_dir;
      const at = new Date().toISOString();
      const markStart = state && rules ? async () => void (await markPending(cacheDir, dest.domain, state, rules, at)) : undefined;
      const applied = await applyWithCare(ctx, opened, dest, dp.plan, dp.current, { command: 'sync', cacheDir }, markStart);
      codes.push(applied.code);
      const unchangedState = state?.pending === undefined && state?.synced !== undefined && isSameList(state.synced.rules, rules);
      if (rules && !unchangedState && !applied.declined && run.holds.length === 0 && appliedEverything(applied.code, applied.report)) await markSynced(cacheDir, dest.domain, rules, at);
      if (applied.report) {
        entry.applied = applied.report;
        entry.snapshot = applied.snapshot;
        entry.run = applied.run;
        if (!json && (!ctx.quiet || changes)) summaryOut.write(formatApplyReport(dest.domain, applied.report, applied.snapshot));
        const log = await getLogger();
        log.info({ event: 'sync_done', destination: dest.domain, created: applied.report.created.length, updated: applied.report.updated.length, deleted: applied.report.deleted.length, failed: applied.report.failed.length }, `${dest.domain}: sync finished`);
      }
      await opened.store.close?.();
    };
    const together = targets.length > 1 && (!reallyWrites || o.yes === true) ? config.sync.destinations_concurrency : 1;
    if (together <= 1) {
      for (const t of targets) await oneTarget(t, ctx, summaryOut, results as Array<Record<string, unknown>>, codes);
    } else {
      const { default: pLimit } = await import('p-limit');
      const limit = pLimit(together);
      // Each applying destination listens for SIGINT/SIGTERM to stop cleanly.
      process.setMaxListeners(Math.max(process.getMaxListeners(), 2 * together + 10));
      const held = targets.map((t) =>
        limit(async () => {
          const out = heldStream();
          const err = heldStream();
          const entries: Array<Record<string, unknown>> = [];
          const own: number[] = [];
          const c = { ...ctx, stdout: out.stream, stderr: err.stream };
          await oneTarget(t, c, json ? err.stream : out.stream, entries, own);
          return { out, err, entries, own };
        }),
      );
      // One destination failing outright does not stop the others (they are independent); the
      // first such error is raised once every destination is done.
      let failure: unknown;
      for (const h of held) {
        try {
          const { out, err, entries, own } = await h;
          ctx.stdout.write(out.text());
          ctx.stderr.write(err.text());
          results.push(...entries);
          codes.push(...own);
        } catch (e) {
          failure ??= e;
        }
      }
      if (failure !== undefined) throw failure;
    }
    // A dry run says so last, where the eye lands (issue 14); quiet and no changes: nothing at all.
    const anyChanges = results.some((r) => planHasChanges((r as { plan: Plan }).plan));
    if (mode === 'sync' && dryRun && !json && (!ctx.quiet || anyChanges)) summaryOut.write('dry run: nothing was written\n');
    if (json) ctx.stdout.write(JSON.stringify({ destinations: results, sources: jsonSources(run), holds, ...(mode === 'sync' && dryRun ? { dry_run: true } : {}) }, null, 2) + '\n');
    return worstCode(codes);
  } finally {
    await lock?.release();
  }
}

function isSameList(a: ListRules, b: ListRules | undefined): boolean {
  if (b === undefined || a.size !== b.size) return false;
  const c = measureChange(a, b);
  return c.added + c.removed + c.raised + c.lowered === 0;
}

function jsonSources(run: MergeRun) {
  return sourceLines(run).map((s) => ({ name: s.name, status: s.status, blocks: s.blocks, rejects: s.rejects.length, warnings: s.warnings, error: s.error ?? null }));
}

/** A stream that keeps what is written, for output printed later in order. */
function heldStream(): { stream: NodeJS.WritableStream; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString() };
}
