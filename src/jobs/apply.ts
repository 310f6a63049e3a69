// `fediblock apply PLAN`: apply a reviewed plan, but only to the destination state it was made against.
import { readFile } from 'node:fs/promises';
import { EXIT, FediblockError, UnsafeError } from '../errors.js';
import type { Plan } from '../model.js';
import { checkBrakes } from '../sync/check-brakes.js';
import { markPending, markSynced, readDestinationState, toRules, type Listed } from '../sync/destination-state.js';
import type { ListChange } from '../sync/list-change.js';
import { storeFingerprint } from '../sync/fingerprint.js';
import { formatPlanTable } from '../sync/format-plan.js';
import { appliedEverything, applyWithCare, formatApplyReport, requireYesOffTty, worstCode } from './apply-with-care.js';
import type { JobContext } from './context.js';
import { openConfig } from './open-config.js';
import { openStore } from './open-store.js';
import { policyOf } from './plan-destination.js';

const NOT_A_PLAN = 'not a fediblock plan (expected JSON written by sync --plan-out)';

/** What sync --plan-out writes besides the plan: the brakes' numbers and (since this round) the list it was made for. */
type PlanFile = Plan & { brakes?: { basis?: string; change?: ListChange }; desired_list?: Listed };

async function readPlan(file: string): Promise<PlanFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new FediblockError(`cannot read the plan ${file}: ${(e as Error).message}`);
  }
  let plan: PlanFile;
  try {
    plan = JSON.parse(text) as PlanFile;
  } catch {
    throw new FediblockError(`${file} is ${NOT_A_PLAN}`);
  }
  if (plan?.version !== 1 || !Array.isArray(plan.entries) || typeof plan.destination !== 'string' || typeof plan.store_fingerprint !== 'string') {
    throw new FediblockError(`${file} is ${NOT_A_PLAN}`);
  }
  return plan;
}

export async function runApply(ctx: JobContext): Promise<number> {
  const dryRun = ctx.opts.dryRun === true;
  if (!dryRun) requireYesOffTty(ctx, 'apply');
  const file = String(ctx.opts.plan);
  const plan = await readPlan(file);
  // decisions.md: a failed source means nothing is applied (under `min` or a threshold a missing
  // source can raise severities or add domains), and a plan keeps that fact.
  if (plan.failed_sources?.length) {
    throw new UnsafeError(
      `${file} was made while ${plan.failed_sources.map((s) => `${s} failed`).join(', ')} (no usable copy); refusing to apply it`,
      'fix the source, then make a new plan: fediblock sync --plan-out PLAN',
    );
  }
  // Held deletions are part of the plan (skips); applying the rest still ends with exit 4.
  const heldCode = plan.holds?.length ? EXIT.HELD : EXIT.OK;
  if (dryRun) {
    if (ctx.opts.json === true) ctx.stdout.write(JSON.stringify(plan, null, 2) + '\n');
    else if (!ctx.quiet) ctx.stdout.write(formatPlanTable(plan, { color: ctx.color }));
    for (const h of plan.holds ?? []) ctx.stderr.write(`deletions held: ${h}\n`);
    if (ctx.opts.json !== true && !ctx.quiet) ctx.stdout.write('dry run: nothing was written\n');
    return heldCode;
  }
  const config = await openConfig(ctx);
  const dest = config.destinations.find((d) => d.domain === plan.destination);
  if (!dest) throw new FediblockError(`the plan is for ${plan.destination}, which has no [[destination]] in ${config.path}`);
  const { acquireLock } = await import('../sync/lock.js');
  const lock = await acquireLock(config.lock_file);
  try {
    const opened = await openStore(config, dest);
    const current = await opened.store.list();
    if (storeFingerprint(current) !== plan.store_fingerprint) {
      throw new UnsafeError(`${dest.domain} changed since the plan in ${file} was made; refusing to apply a stale plan`, 'make a new plan: fediblock sync --plan-out PLAN');
    }
    // The plan recorded how the sources had changed when it was made (sync --plan-out).
    const recorded = plan.brakes;
    const brakes = checkBrakes(plan, current, policyOf(dest, config.merge.export_fields, []), recorded?.basis === 'sources' ? recorded.change : undefined);
    if (!ctx.quiet) ctx.stdout.write(formatPlanTable(plan, { color: ctx.color, current }));
    if (!brakes.ok && ctx.opts.force !== true) {
      for (const r of brakes.reasons) ctx.stdout.write(`brake: ${r}\n`);
      return EXIT.UNSAFE;
    }
    // As sync does, the list the plan was made for is the brakes' state: pending once writing
    // starts, synced once every write was made. A plan from an older fediblock carries no list;
    // the state is then left as it was.
    const cacheDir = config.fetch.cache_dir;
    const list = toRules(plan.desired_list)?.rules;
    const at = new Date().toISOString();
    const state = list ? await readDestinationState(cacheDir, dest.domain) : undefined;
    const markStart = list && state ? async () => void (await markPending(cacheDir, dest.domain, state, list, at)) : undefined;
    const applied = await applyWithCare(ctx, opened, dest, plan, current, { command: 'apply', cacheDir }, markStart);
    if (list && !applied.declined && !plan.holds?.length && appliedEverything(applied.code, applied.report)) await markSynced(cacheDir, dest.domain, list, at);
    if (applied.report) ctx.stdout.write(ctx.opts.json === true ? JSON.stringify(applied.report, null, 2) + '\n' : formatApplyReport(dest.domain, applied.report, applied.snapshot));
    await opened.store.close?.();
    if (applied.code === EXIT.OK && heldCode !== EXIT.OK) for (const h of plan.holds) ctx.stderr.write(`deletions held: ${h}\n`);
    return worstCode([applied.code, heldCode]);
  } finally {
    await lock.release();
  }
}
