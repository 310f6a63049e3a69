// Appends to a destination's journal as each write completes: its line is on disk before the
// write counts as done, so a run killed at any point leaves a journal that names every write it
// made (except, at worst, those in flight). Group commit: lines that arrive while a commit is in
// flight are written together by the next one, and each caller still waits until its own line is
// on disk. Where the system has O_DSYNC (Linux, macOS), the file is opened with it and each commit
// is one write that returns once the data is durable, as write + fdatasync would be; elsewhere it
// is write + fdatasync. A sync into 50 instances made 10,000 write + fsync pairs, queued behind
// each other in libuv's four threads, and handing each to a thread cost the main thread more than
// the request it recorded. Lines of one run are written in the order the writes completed; one
// run at a time holds the lock, so runs never interleave.
import nodeFs, { constants as fsConstants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { journalPath, JOURNAL_VERSION, type JournalCommand, type JournalEntry, type JournalRunEnd } from './journal-record.js';
import { fsyncDir } from '../output/atomic-write.js';

const { O_APPEND, O_CREAT, O_WRONLY, O_DSYNC } = fsConstants;
/** Whether each write is durable when it returns (else an fdatasync follows it). */
export const JOURNAL_DSYNC = O_DSYNC !== undefined;
const APPEND_FLAGS = O_APPEND | O_CREAT | O_WRONLY | (O_DSYNC ?? 0);

/** What a caller supplies for one write; the writer adds version, time, run, command and destination. */
export type JournalWrite = Omit<JournalEntry, 'v' | 'time' | 'run' | 'command' | 'destination'>;

export interface OpenJournalOptions {
  cacheDir: string;
  destination: string;
  command: JournalCommand;
  run: string;
  /** Told once when the file ended in a torn line (a killed run), which is cut off before appending. */
  onWarning?: (message: string) => void;
  /** For tests: the clock. */
  now?: () => Date;
}

export class JournalWriter {
  readonly path: string;
  readonly run: string;
  private readonly command: JournalCommand;
  private readonly destination: string;
  private readonly now: () => Date;
  private handle: fs.FileHandle | undefined;
  /** Lines waiting for the next commit, with their callers. */
  private pending: Pending[] = [];
  /** A commit loop is running; `idle` settles when it ends. */
  private committing = false;
  private idle: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private count = 0;

  private constructor(file: string, handle: fs.FileHandle, o: OpenJournalOptions) {
    this.path = file;
    this.handle = handle;
    this.run = o.run;
    this.command = o.command;
    this.destination = o.destination;
    this.now = o.now ?? (() => new Date());
  }

  /**
   * Opens (creating) the journal for appending. Done before a run's first write, so a journal that
   * cannot be written stops the run before it changes anything. The file is 0600: it holds
   * private comments, like snapshots.
   */
  static async open(o: OpenJournalOptions): Promise<JournalWriter> {
    const file = journalPath(o.cacheDir, o.destination);
    const dir = path.dirname(file);
    await fs.mkdir(dir, { recursive: true });
    const torn = await cutTornTail(file);
    if (torn !== undefined) o.onWarning?.(`${file}: the last line was incomplete (a run was killed while writing it) and was cut off: ${torn.slice(0, 200)}`);
    const handle = await fs.open(file, APPEND_FLAGS, 0o600);
    const writer = new JournalWriter(file, handle, o);
    await fsyncDir(dir);
    return writer;
  }

  /** Entries appended by this run so far. */
  get writes(): number {
    return this.count;
  }

  /** Appends one write; resolves once its line is on disk. Lines keep the order of the calls. */
  append(w: JournalWrite): Promise<void> {
    const line: JournalEntry = {
      v: JOURNAL_VERSION,
      time: this.now().toISOString(),
      run: this.run,
      command: this.command,
      destination: this.destination,
      action: w.action,
      domain: w.domain,
      before: w.before,
      after: w.after,
      sources: w.sources,
      rule: w.rule,
      reason: w.reason,
      cap: w.cap,
      ...(w.uncertain ? { uncertain: true as const } : {}),
    };
    return this.enqueue(line, () => this.count++);
  }

  /** Appends the run's `run_end` line and closes the file. */
  async end(exit: number): Promise<void> {
    const line: JournalRunEnd = {
      v: JOURNAL_VERSION,
      time: this.now().toISOString(),
      run: this.run,
      command: this.command,
      destination: this.destination,
      action: 'run_end',
      exit,
      writes: this.count,
    };
    try {
      await this.enqueue(line, () => {});
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    await this.idle;
    const h = this.handle;
    this.handle = undefined;
    await h?.close();
  }

  private enqueue(line: object, done: () => void): Promise<void> {
    const text = JSON.stringify(line) + '\n';
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ text, done, resolve, reject });
      if (!this.committing) {
        this.committing = true;
        this.idle = this.commitPending();
      }
    });
  }

  /**
   * Commits what is pending, batch after batch, until nothing is left. Never rejects:
   * each caller hears. `committing` drops in the same step that finds nothing left, so a line
   * queued by a caller woken by the last batch starts a new loop.
   */
  private async commitPending(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        try {
          if (this.failure) throw this.failure;
          if (!this.handle) throw new Error(`${this.path} is closed`);
          try {
            await writeAll(this.handle, batch.length === 1 ? batch[0]!.text : batch.map((p) => p.text).join(''));
            if (!JOURNAL_DSYNC) await this.handle.datasync();
          } catch (err) {
            this.failure = new Error(`cannot append to the journal ${this.path}: ${(err as Error).message}`, { cause: err });
            throw this.failure;
          }
          for (const p of batch) {
            p.done();
            p.resolve();
          }
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.committing = false;
    }
  }
}

interface Pending {
  text: string;
  done: () => void;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * The whole text, even if the kernel takes it in parts; O_APPEND puts each part at the end, and
 * one run at a time holds the lock. The callback form of fs.write: FileHandle's promise machinery
 * cost more than the write itself, once per commit.
 */
function writeAll(handle: fs.FileHandle, text: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let buf = Buffer.from(text, 'utf8');
    const step = () =>
      nodeFs.write(handle.fd, buf, 0, buf.length, null, (err, written) => {
        if (err) return reject(err);
        buf = buf.subarray(written);
        if (buf.length > 0) step();
        else resolve();
      });
    step();
  });
}

/**
 * When the file does not end in a newline, a run was killed mid-line: a complete JSON object just
 * gets its newline; anything else is cut off (it cannot be parsed, and appending after it would
 * spoil the next line too). Returns the text cut off, if any.
 */
async function cutTornTail(file: string): Promise<string | undefined> {
  let h: fs.FileHandle;
  try {
    h = await fs.open(file, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const { size } = await h.stat();
    if (size === 0) return undefined;
    const last = Buffer.alloc(1);
    await h.read(last, 0, 1, size - 1);
    if (last[0] === 0x0a) return undefined;
    // Find the start of the last line, reading backwards in chunks.
    const chunk = 64 * 1024;
    let start = 0;
    for (let end = size; end > 0; end -= chunk) {
      const from = Math.max(0, end - chunk);
      const buf = Buffer.alloc(end - from);
      await h.read(buf, 0, buf.length, from);
      const i = buf.lastIndexOf(0x0a);
      if (i !== -1) {
        start = from + i + 1;
        break;
      }
    }
    const tail = Buffer.alloc(size - start);
    await h.read(tail, 0, tail.length, start);
    const text = tail.toString('utf8');
    if (isJsonObject(text)) {
      await h.write('\n', size);
      await h.datasync();
      return undefined;
    }
    await h.truncate(start);
    await h.datasync();
    return text;
  } finally {
    await h.close();
  }
}

function isJsonObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

