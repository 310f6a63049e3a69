// One sync/apply at a time: overlapping cron runs must never interleave their writes. The lock is
// a file holding {pid, started_at, host}; a lock whose process is gone (or that cannot be read)
// is stale and taken over with a notice.
import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync, unlinkSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXIT, FediblockError } from '../errors.js';
import { logLater } from '../log.js';

export interface LockInfo {
  pid: number;
  started_at: string;
  host: string;
}

export interface Lock {
  release(): Promise<void>;
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const parseInfo = (text: string): LockInfo | undefined => {
  try {
    const o = JSON.parse(text) as Partial<LockInfo>;
    if (typeof o.pid === 'number' && Number.isInteger(o.pid) && o.pid > 0 && typeof o.started_at === 'string') {
      return { pid: o.pid, started_at: o.started_at, host: typeof o.host === 'string' ? o.host : '' };
    }
  } catch {
    // unreadable
  }
  return undefined;
};

/** Whether the holder is still running. A lock from another host cannot be checked: assume it is. */
const holderAlive = (info: LockInfo): boolean => (info.host !== '' && info.host !== os.hostname() ? true : isAlive(info.pid));

/**
 * Take the lock at `file`, or throw FediblockError (exit 5) naming the file, the holder's PID and
 * its start time. The lock file appears complete or not at all (written aside, then hard-linked
 * into place), so another run never reads half of it.
 */
export async function acquireLock(file: string): Promise<Lock> {
  const mine: LockInfo = { pid: process.pid, started_at: new Date().toISOString(), host: os.hostname() };
  const body = JSON.stringify(mine) + '\n';
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });

  for (let attempt = 0; ; attempt++) {
    if (await tryCreate(file, body)) break;
    let text = '';
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile: try again
      throw err;
    }
    const held = parseInfo(text);
    if (held && holderAlive(held)) throw lockedError(file, held);
    if (attempt >= 3) throw lockedError(file, held);
    // Stale: move it aside (atomic), and make sure what we moved is what we judged stale.
    const aside = `${file}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
    try {
      await fs.rename(file, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const moved = await fs.readFile(aside, 'utf8').catch(() => '');
    if (moved !== text) {
      // Another run replaced the stale lock between our read and the rename: put its lock back.
      await fs.link(aside, file).catch(() => {});
      await fs.rm(aside, { force: true });
      const now = parseInfo(moved);
      if (now && holderAlive(now)) throw lockedError(file, now);
      continue;
    }
    await fs.rm(aside, { force: true });
    logLater(
      'warn',
      { event: 'lock_stale', lock: file, ...(held ? { pid: held.pid, started_at: held.started_at } : {}) },
      held ? `replacing stale lock ${file}: process ${held.pid} (started ${held.started_at}) is no longer running` : `replacing unreadable lock file ${file}`,
    );
  }

  let released = false;
  const ours = (text: string): boolean => {
    const info = parseInfo(text);
    return info !== undefined && info.pid === mine.pid && info.started_at === mine.started_at && info.host === mine.host;
  };
  // Best effort on exit (also reached after process.exit()); signals are the CLI's to handle.
  const onExit = () => {
    if (released) return;
    try {
      if (ours(readFileSync(file, 'utf8'))) unlinkSync(file);
    } catch {
      // gone already
    }
  };
  process.once('exit', onExit);

  return {
    async release() {
      if (released) return;
      released = true;
      process.removeListener('exit', onExit);
      try {
        if (ours(await fs.readFile(file, 'utf8'))) await fs.rm(file, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    },
  };
}

/** Create `file` with `body` only if it does not exist; false when it does. */
async function tryCreate(file: string, body: string): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, body, { flag: 'wx', mode: 0o644 });
  try {
    await fs.link(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
      // No hard links on this filesystem: fall back to an exclusive create.
      try {
        await fs.writeFile(file, body, { flag: 'wx', mode: 0o644 });
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw e;
      }
    }
    throw err;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

function lockedError(file: string, held: LockInfo | undefined): FediblockError {
  const who = held ? `pid ${held.pid}${held.host && held.host !== os.hostname() ? ` on ${held.host}` : ''}, started ${held.started_at}` : 'holder unknown';
  // Said once: the CLI reports it as a line, or (--log-format json) as a log line with event
  // lock_held, so a log collector can tell "skipped, still running" from a failure.
  return new FediblockError(`another fediblock run holds the lock ${file} (${who}); this run does nothing`, {
    exitCode: EXIT.LOCKED,
    event: 'lock_held',
    hint: `wait for it to finish; if no fediblock run is active, delete ${file}`,
  });
}
