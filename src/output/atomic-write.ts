// Every file fediblock writes (merged lists, plans, snapshots, cache entries, file stores) goes
// through here: a reader (or a cron run that dies half way) sees either the old file or the new
// one, never a truncated mix.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * Write `data` to `target` atomically: a uniquely named temp file in the same directory is
 * written and fsynced, renamed over the target, then the directory is fsynced where the platform
 * allows it. Parent directories are created. On failure the temp file is removed and the old
 * target (if any) is left as it was. `data` may be chunks, written as they come (a large merged
 * list is never whole in memory).
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array | Iterable<Uint8Array>, opts: { mode?: number } = {}): Promise<void> {
  const abs = path.resolve(target);
  const dir = path.dirname(abs);
  await fs.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(abs)}.${process.pid}.${tempSuffix()}.tmp`);
  let mode = opts.mode;
  if (mode === undefined) {
    // Keep the permissions of the file being replaced (a chmod 600 snapshot stays 600).
    try {
      mode = (await fs.stat(abs)).mode & 0o7777;
    } catch {
      mode = undefined;
    }
  }
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, 'wx', mode ?? 0o666);
    if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
    // Each writeFile continues from where the last one ended.
    else for (const chunk of data) await handle.writeFile(chunk);
    await handle.sync();
    await handle.close();
    handle = undefined;
    // `open`'s mode is filtered by the umask; an explicit mode is applied exactly.
    if (mode !== undefined) await fs.chmod(tmp, mode);
    await fs.rename(tmp, abs);
  } catch (err) {
    if (handle) await handle.close().catch(() => {});
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
  await fsyncDir(dir);
}

/**
 * Unique within this process by the counter, and unlikely to meet another process's name; the
 * temp file is opened with `wx`, so a clash fails the write rather than sharing a file. (Not
 * node:crypto, which would cost every start ~4 ms.)
 */
let written = 0;
const tempSuffix = (): string => `${(written++).toString(36)}${Math.random().toString(36).slice(2, 10)}`;

/** Make the rename durable; not possible on every platform (Windows), so failures are ignored. */
export async function fsyncDir(dir: string): Promise<void> {
  let h: fs.FileHandle | undefined;
  try {
    h = await fs.open(dir, 'r');
    await h.sync();
  } catch {
    // best effort
  } finally {
    await h?.close().catch(() => {});
  }
}
