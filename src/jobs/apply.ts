// `fediblock apply PLAN`: apply a reviewed plan, but only to the destination state it was made against.
import { readFile } from 'node:fs/promises';
import { EXIT, FediblockError, UnsafeError } from '../errors.js';
import type { Plan } from '../model.js';
import { checkBrakes } from '../sync/check-brakes.js';
import { storeFingerprint } from '../sync/fingerprint.js';
import { formatPlanTable } from '../sync/format-plan.js';
import { applyWithCare, formatApplyReport, requireYesOffTty } from './apply-with-care.js';
import type { JobContext } from './context.js';
import { openConfig } from './open-config.js';
import { openStore } from './open-store.js';
import { policyOf } from './plan-destination.js';

export async function runApply(ctx: JobContext): Promise<number> {
  requireYesOffTty(ctx, 'apply');
  const file = String(ctx.opts.plan);
  let plan: Plan;
  try {
    plan = JSON.parse(await readFile(file, 'utf8')) as Plan;
  } catch (e) {
    throw new FediblockError(`cannot read the plan ${file}: ${(e as Error).message}`);
  }
  if (plan?.version !== 1 || !Array.isArray(plan.entries) || typeof plan.destination !== 'string') {
    throw new FediblockError(`${file} is not a fediblock plan (write one with \`fediblock sync --plan-out ${file}\`)`);
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
    const brakes = checkBrakes(plan, current, policyOf(dest, config.merge.export_fields, []));
    if (!ctx.quiet) ctx.stdout.write(formatPlanTable(plan, { color: ctx.color, current }));
    if (!brakes.ok && ctx.opts.force !== true) {
      for (const r of brakes.reasons) ctx.stdout.write(`brake: ${r}\n`);
      return EXIT.UNSAFE;
    }
    const applied = await applyWithCare(ctx, opened, dest, plan, current, { command: 'apply', cacheDir: config.fetch.cache_dir });
    if (applied.report) ctx.stdout.write(ctx.opts.json === true ? JSON.stringify(applied.report, null, 2) + '\n' : formatApplyReport(dest.domain, applied.report, applied.snapshot));
    await opened.store.close?.();
    return applied.code;
  } finally {
    await lock.release();
  }
}
