// `fediblock restore SNAPSHOT -d DOMAIN`: reverse fediblock's own changes since a snapshot. Blocks
// made by hand (then or since) are left alone. A suspension's purged data does not come back.
import { EXIT, FediblockError } from '../errors.js';
import { storeFingerprint } from '../sync/fingerprint.js';
import { formatPlanTable } from '../sync/format-plan.js';
import { planRestore } from '../sync/plan-restore.js';
import { readSnapshot } from '../sync/snapshot.js';
import { applyWithCare, formatApplyReport, requireYesOffTty } from './apply-with-care.js';
import type { JobContext } from './context.js';
import { openConfig } from './open-config.js';
import { openStore } from './open-store.js';

export async function runRestore(ctx: JobContext): Promise<number> {
  const dryRun = ctx.opts.dryRun === true;
  if (!dryRun) requireYesOffTty(ctx, 'restore');
  const snap = await readSnapshot(String(ctx.opts.snapshot));
  const config = await openConfig(ctx);
  const domain = String(ctx.opts.destination).toLowerCase();
  const dest = config.destinations.find((d) => d.domain === domain);
  if (!dest) throw new FediblockError(`no [[destination]] with domain = "${domain}" in ${config.path}`);
  if (snap.destination !== dest.domain) throw new FediblockError(`the snapshot was taken of ${snap.destination}, not ${dest.domain}`);
  const lock = dryRun ? undefined : await (await import('../sync/lock.js')).acquireLock(config.lock_file);
  try {
    const opened = await openStore(config, dest);
    const current = await opened.store.list();
    const plan = planRestore(snap.blocks, current, { domain: dest.domain, marker: dest.marker }, { storeFingerprint: storeFingerprint(current) });
    ctx.stdout.write(ctx.opts.json === true && dryRun ? JSON.stringify(plan, null, 2) + '\n' : formatPlanTable(plan, { color: ctx.color, current }));
    if (dryRun) return EXIT.OK;
    const applied = await applyWithCare(ctx, opened, dest, plan, current, { command: 'restore', cacheDir: config.fetch.cache_dir });
    if (applied.report) ctx.stdout.write(formatApplyReport(dest.domain, applied.report, applied.snapshot));
    await opened.store.close?.();
    return applied.code;
  } finally {
    await lock?.release();
  }
}
