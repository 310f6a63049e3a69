// Files a run writes besides its main output: the merged list alongside a sync (FediBlockHole's
// blocklist_savefile, or sync -o) and each source's parsed list (save_intermediate).
import { join } from 'node:path';
import { writeFileAtomic } from '../output/atomic-write.js';
import { formatList } from '../output/format-list.js';
import { formatMergedChunks } from '../output/format-merged.js';
import type { MergeRun } from './build-merge.js';

export async function saveMerged(run: MergeRun, path: string): Promise<void> {
  const { config } = run;
  await writeFileAtomic(path, formatMergedChunks(run.outcome, config.output.format, { exportFields: config.merge.export_fields, lineEnd: config.mode === 'fediblockhole' ? '\r\n' : '\n' }));
}

/** FediBlockHole's save_intermediate: one CSV per source in savedir, named after the source. */
export async function saveIntermediate(run: MergeRun): Promise<void> {
  const fbh = run.config.fbh;
  if (!fbh?.save_intermediate) return;
  for (const s of run.sources) {
    if (s.status === 'failed') continue;
    // A source named after its file ("list.csv") is saved as list.csv, not list.csv.csv.
    const file = join(fbh.savedir, `${s.list.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/\.csv$/i, '')}.csv`);
    await writeFileAtomic(file, formatList(s.list.blocks, 'csv', { exportFields: run.config.merge.export_fields, lineEnd: '\r\n' }));
  }
}
