// `fediblock restore SNAPSHOT [-d DOMAIN]`: undo fediblock's own writes since a snapshot, from the
// journal (sync/plan-restore.ts has the rules). Blocks only the admin touched are never written.
// A suspension's purged data does not come back.
import { EXIT, FediblockError } from '../errors.js';
import { entriesAfter, readJournal } from '../journal/read-journal.js';
import { getLogger } from '../log.js';
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
  const json = ctx.opts.json === true;
  if (!dryRun) requireYesOffTty(ctx, 'restore');
  const file = String(ctx.opts.snapshot);
  const snap = await readSnapshot(file);
  const config = await openConfig(ctx);
  // Without -d, the destination the snapshot was taken of.
  const domain = typeof ctx.opts.destination === 'string' ? ctx.opts.destination.toLowerCase() : snap.destination;
  const dest = config.destinations.find((d) => d.domain === domain);
  if (!dest) throw new FediblockError(`no [[destination]] with domain = "${domain}" in ${config.path}`, typeof ctx.opts.destination === 'string' ? {} : { hint: `the snapshot ${file} was taken of ${snap.destination}` });
  if (snap.destination !== dest.domain) throw new FediblockError(`the snapshot was taken of ${snap.destination}, not ${dest.domain}`);
  const lock = dryRun ? undefined : await (await import('../sync/lock.js')).acquireLock(config.lock_file);
  try {
    const journal = await readJournal(config.fetch.cache_dir, dest.domain);
    const since = entriesAfter(journal, snap);
    const warnings = [...journal.warnings];
    if (!since.covered) {
      warnings.push(
        `the journal ${journal.path} does not reach back to this snapshot (${snap.taken_at}): only the writes it records are undone; marked blocks that differ from the snapshot are listed, not changed`,
      );
    }
    const log = await getLogger();
    for (const w of warnings) log.warn({ event: 'restore_journal', destination: dest.domain }, w);

    const opened = await openStore(config, dest);
    const current = await opened.store.list();
    const { plan, notes } = planRestore({
      snapshot: snap.blocks,
      entries: since.entries,
      current,
      policy: { domain: dest.domain, marker: dest.marker },
      storeFingerprint: storeFingerprint(current),
    });
    const out = json ? ctx.stderr : ctx.stdout;
    if (!json) {
      ctx.stdout.write(formatPlanTable(plan, { color: ctx.color, current }));
      for (const n of notes) ctx.stdout.write(`note: ${n}\n`);
    }
    if (dryRun) {
      if (json) ctx.stdout.write(JSON.stringify({ plan, notes, warnings }, null, 2) + '\n');
      else ctx.stdout.write('dry run: nothing was written\n');
      return EXIT.OK;
    }
    const applied = await applyWithCare(ctx, opened, dest, plan, current, { command: 'restore', cacheDir: config.fetch.cache_dir });
    if (json) ctx.stdout.write(JSON.stringify({ plan, notes, warnings, applied: applied.report ?? null, snapshot: applied.snapshot ?? null }, null, 2) + '\n');
    else if (applied.report) out.write(formatApplyReport(dest.domain, applied.report, applied.snapshot));
    await opened.store.close?.();
    return applied.code;
  } finally {
    await lock?.release();
  }
}
