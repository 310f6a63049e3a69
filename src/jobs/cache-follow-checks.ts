// Follow checks cost one request each against a 300-per-5-minutes budget, and Mastodon itself
// caches the measures behind them for 5 minutes. So a result is kept for those 5 minutes, per
// destination and domain, in `<cache_dir>/follow-checks/<destination>.json`: the README's "diff,
// then sync" spends one set of checks, not two. Failed checks are not kept (they are retried).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Mastodon's own cache of admin measures. */
export const FOLLOW_CHECK_TTL_MS = 5 * 60_000;

type Counts = { follows: number; followers: number };
type Entry = Counts & { at: number };

/** Wraps `check` with the cache; results are written when the process exits. */
export function cacheFollowChecks(cacheDir: string, destination: string, check: (domain: string) => Promise<Counts>, now: () => number = Date.now): (domain: string) => Promise<Counts> {
  const dir = join(cacheDir, 'follow-checks');
  const file = join(dir, `${destination.replace(/[^A-Za-z0-9._-]+/g, '_')}.json`);
  let entries: Record<string, Entry> = {};
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (raw && typeof raw === 'object' && !Array.isArray(raw)) entries = raw as Record<string, Entry>;
  } catch {
    // No cache yet, or an unreadable one: start empty.
  }
  const fresh = (e: Entry | undefined): e is Entry =>
    e !== undefined && typeof e.at === 'number' && now() - e.at < FOLLOW_CHECK_TTL_MS && e.at <= now() && Number.isFinite(e.follows) && Number.isFinite(e.followers);
  const save = () => {
    const kept = Object.fromEntries(Object.entries(entries).filter(([, e]) => fresh(e)));
    try {
      if (!existsSync(cacheDir)) return; // the cache dir went away (a test's temp dir): leave it gone
      mkdirSync(dir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(kept) + '\n');
      renameSync(tmp, file);
    } catch {
      // A cache that cannot be written costs the next run its checks, nothing more.
    }
  };
  return async (domain) => {
    const hit = entries[domain];
    if (fresh(hit)) return { follows: hit.follows, followers: hit.followers };
    const counts = await check(domain);
    entries[domain] = { follows: counts.follows, followers: counts.followers, at: now() };
    saveAtExit(file, save);
    return counts;
  };
}

// Written once, when the process ends (also after SIGTERM's exit), not after every check; one
// listener for every cache a process opened.
const pending = new Map<string, () => void>();
function saveAtExit(file: string, save: () => void): void {
  if (pending.size === 0) process.once('exit', () => {
    for (const s of pending.values()) s();
    pending.clear();
  });
  pending.set(file, save);
}
