// What `announce --post` has already posted for a destination, so an unattended
// `sync --yes && announce --thread --post --yes` posts each change once: a run that changed nothing
// leaves the journal as it was, its last run is found already posted, and nothing is posted again
// (Mastodon's own Idempotency-Key memory lasts only an hour). `<cache_dir>/announce/<dest>.json`.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../output/atomic-write.js';

export interface PostedAnnouncement {
  /** What was announced: `run:<id>`, `since:<time>:<n>` or `plan:<created_at>:<fingerprint>`. */
  key: string;
  time: string;
  /** Status ids in thread order. */
  ids: string[];
  url: string | null;
}

const KEEP = 200;
const recordPath = (cacheDir: string, destination: string) => join(cacheDir, 'announce', `${destination.replace(/[^a-z0-9.-]/gi, '_')}.json`);

export async function readPosted(cacheDir: string, destination: string): Promise<PostedAnnouncement[]> {
  try {
    const data = JSON.parse(await readFile(recordPath(cacheDir, destination), 'utf8')) as unknown;
    return Array.isArray(data) ? (data as PostedAnnouncement[]) : [];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    // A damaged record must not block posting: it only prevents repeats.
    return [];
  }
}

export async function recordPosted(cacheDir: string, destination: string, entry: PostedAnnouncement): Promise<void> {
  const all = [...(await readPosted(cacheDir, destination)), entry].slice(-KEEP);
  await writeFileAtomic(recordPath(cacheDir, destination), JSON.stringify(all, null, 2) + '\n');
}
