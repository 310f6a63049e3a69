// The journal's file contract (PROTOCOL.md): one fsync'd JSON line per write plus a run_end line,
// read back through read-journal.ts; a torn last line is tolerated and reported.
import nodeFs, { constants, existsSync, promises as fs, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JOURNAL_DSYNC, JournalWriter, type JournalWrite } from '../../src/journal/append-journal.js';
import { journalPath, newRunId } from '../../src/journal/journal-record.js';
import { parseJournal, readJournal } from '../../src/journal/read-journal.js';
import { emptyBlock } from '../../src/model.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});
async function tmp(): Promise<string> {
  const d = await fs.mkdtemp(path.join(tmpdir(), 'fediblock-journal-'));
  dirs.push(d);
  return d;
}

const { domain: _d, digest: _g, ...suspend } = emptyBlock('x', 'suspend');
const write = (domain: string, o: Partial<JournalWrite> = {}): JournalWrite => ({
  action: 'create',
  domain,
  before: null,
  after: { id: `id-${domain}`, ...suspend, private_comment: '[fediblock]' },
  sources: ['tier0', 'gardenfence'],
  rule: 'max plan',
  reason: null,
  cap: null,
  ...o,
});

/** FileHandle's prototype (the class is not exported), to watch its writes and fsyncs. */
async function fileHandleProto(file: string): Promise<{ write: (...a: unknown[]) => Promise<unknown>; datasync: () => Promise<void> }> {
  const h = await fs.open(file, 'r');
  await h.close();
  return Object.getPrototypeOf(h) as { write: (...a: unknown[]) => Promise<unknown>; datasync: () => Promise<void> };
}

let tick = 0;
const clock = () => new Date(Date.UTC(2026, 11, 3, 4, 0, tick++));

describe('journal', () => {
  it('appends one line per write and a run_end, with exactly the contract fields, 0600', async () => {
    const cache = await tmp();
    const w = await JournalWriter.open({ cacheDir: cache, destination: 'my.social', command: 'sync', run: '20261203T040000Z-3f9a', now: clock });
    await w.append(write('a.example'));
    await w.append(write('b.example', { action: 'delete', before: { id: '7', ...suspend, private_comment: '[fediblock]' }, after: null, sources: [], rule: null, reason: 'no longer in the merged list' }));
    await w.end(0);

    const file = journalPath(cache, 'my.social');
    expect(file).toBe(path.join(cache, 'journal', 'my.social.jsonl'));
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    const text = await fs.readFile(file, 'utf8');
    const raw = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(raw).toHaveLength(3);
    expect(Object.keys(raw[0]!)).toEqual(['v', 'time', 'run', 'command', 'destination', 'action', 'domain', 'before', 'after', 'sources', 'rule', 'reason', 'cap']);
    expect(raw[0]).toMatchObject({ v: 1, run: '20261203T040000Z-3f9a', command: 'sync', destination: 'my.social', action: 'create', domain: 'a.example', before: null, sources: ['tier0', 'gardenfence'], rule: 'max plan' });
    expect(raw[2]).toEqual({ v: 1, time: expect.any(String), run: '20261203T040000Z-3f9a', command: 'sync', destination: 'my.social', action: 'run_end', exit: 0, writes: 2 });

    const j = await readJournal(cache, 'my.social');
    expect(j.warnings).toEqual([]);
    expect(j.lines.map((l) => l.action)).toEqual(['create', 'delete', 'run_end']);
    expect(j.entries.map((e) => e.domain)).toEqual(['a.example', 'b.example']);
    expect(j.entries[1]!.before).toEqual({ id: '7', ...suspend, private_comment: '[fediblock]' });
  });

  it('keeps every line whole when writes complete at once, and later runs append after earlier ones', async () => {
    const cache = await tmp();
    const w = await JournalWriter.open({ cacheDir: cache, destination: 'my.social', command: 'sync', run: 'r1' });
    await Promise.all(Array.from({ length: 40 }, (_, i) => w.append(write(`d${i}.example`, { reason: 'x'.repeat(i * 50) }))));
    await w.end(0);
    const w2 = await JournalWriter.open({ cacheDir: cache, destination: 'my.social', command: 'restore', run: 'r2' });
    await w2.append(write('d0.example', { action: 'delete', after: null }));
    await w2.end(1);
    const j = await readJournal(cache, 'my.social');
    expect(j.entries).toHaveLength(41);
    expect(new Set(j.entries.slice(0, 40).map((e) => e.domain)).size).toBe(40);
    expect(j.lines.filter((l) => l.action === 'run_end').map((l) => [l.run, 'exit' in l ? l.exit : -1, 'writes' in l ? l.writes : -1])).toEqual([
      ['r1', 0, 40],
      ['r2', 1, 1],
    ]);
  });

  it('group commit: appends arriving during a commit share the next one, and none resolves before its line is on disk', async () => {
    const cache = await tmp();
    const w = await JournalWriter.open({ cacheDir: cache, destination: 'my.social', command: 'sync', run: 'r1' });
    const file = journalPath(cache, 'my.social');
    // A commit is durable when its write returns (O_DSYNC) or when the fdatasync after it does:
    // record how many lines the file held at that moment.
    const proto = await fileHandleProto(file);
    const real = { write: nodeFs.write, datasync: proto.datasync };
    const durable: number[] = [];
    const lines = () => readFileSync(file, 'utf8').split('\n').length - 1;
    let commits = 0;
    (nodeFs as { write: unknown }).write = (...args: unknown[]) => {
      const cb = args.pop() as (err: Error | null, n: number) => void;
      (real.write as (...a: unknown[]) => void)(...args, (err: Error | null, n: number) => {
        commits++;
        if (!err && JOURNAL_DSYNC) durable.push(lines());
        cb(err, n);
      });
    };
    proto.datasync = async function (this: unknown) {
      const n = lines();
      await real.datasync.call(this);
      durable.push(n);
    };
    try {
      await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          await w.append(write(`d${i}.example`));
          // Resolved: its line is in the file and a commit covering it has finished.
          const at = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(`"d${i}.example"`));
          expect(at).toBeGreaterThanOrEqual(0);
          expect(Math.max(0, ...durable)).toBeGreaterThan(at);
        }),
      );
      await w.end(0);
      expect(commits).toBeLessThan(40);
      const j = await readJournal(cache, 'my.social');
      expect(j.entries.map((e) => e.domain)).toEqual(Array.from({ length: 40 }, (_, i) => `d${i}.example`));
      expect(j.lines.at(-1)).toMatchObject({ action: 'run_end', writes: 40 });
    } finally {
      proto.datasync = real.datasync;
      nodeFs.write = real.write;
    }
  });

  it.runIf(existsSync('/proc/self/fdinfo'))('on Linux the journal is opened O_DSYNC|O_APPEND, so each write is durable when it returns', async () => {
    const cache = await tmp();
    const w = await JournalWriter.open({ cacheDir: cache, destination: 'my.social', command: 'sync', run: 'r1' });
    const fd = (w as unknown as { handle: { fd: number } }).handle.fd;
    const flags = parseInt(/^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!, 8);
    expect(JOURNAL_DSYNC).toBe(true);
    expect(flags & constants.O_DSYNC).toBe(constants.O_DSYNC);
    expect(flags & constants.O_APPEND).toBe(constants.O_APPEND);
    await w.close();
  });

  it('a failed commit fails every line of its batch and every later one, and the count stays at what is on disk', async () => {
    const cache = await tmp();
    const w = await JournalWriter.open({ cacheDir: cache, destination: 'my.social', command: 'sync', run: 'r1' });
    await w.append(write('a.example'));
    const real = nodeFs.write;
    (nodeFs as { write: unknown }).write = (...args: unknown[]) => (args.pop() as (err: Error) => void)(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }));
    try {
      const got = await Promise.allSettled([w.append(write('b.example')), w.append(write('c.example'))]);
      expect(got.map((g) => g.status)).toEqual(['rejected', 'rejected']);
      expect(String((got[0] as PromiseRejectedResult).reason)).toMatch(/cannot append to the journal .*EIO/);
    } finally {
      nodeFs.write = real;
    }
    await expect(w.append(write('d.example'))).rejects.toThrow(/cannot append to the journal/);
    expect(w.writes).toBe(1);
    await w.close();
  });

  it('a torn last line is skipped and reported when read, then cut off (and reported once) by the next run', async () => {
    const cache = await tmp();
    const w = await JournalWriter.open({ cacheDir: cache, destination: 'my.social', command: 'sync', run: 'r1' });
    await w.append(write('a.example'));
    await w.close();
    const file = journalPath(cache, 'my.social');
    // A run killed half way through its next line.
    const full = JSON.stringify({ ...JSON.parse((await fs.readFile(file, 'utf8')).trim()), domain: 'b.example' });
    await fs.appendFile(file, full.slice(0, 57));

    const j = await readJournal(cache, 'my.social');
    expect(j.entries.map((e) => e.domain)).toEqual(['a.example']);
    expect(j.warnings).toHaveLength(1);
    expect(j.warnings[0]).toMatch(/last line \(2\) is incomplete/);

    const warned: string[] = [];
    const w2 = await JournalWriter.open({ cacheDir: cache, destination: 'my.social', command: 'sync', run: 'r2', onWarning: (m) => warned.push(m) });
    await w2.append(write('c.example'));
    await w2.end(0);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/incomplete .* cut off/);
    const j2 = await readJournal(cache, 'my.social');
    expect(j2.warnings).toEqual([]);
    expect(j2.entries.map((e) => `${e.run} ${e.domain}`)).toEqual(['r1 a.example', 'r2 c.example']);

    // Opening again finds nothing to repair.
    const w3 = await JournalWriter.open({ cacheDir: cache, destination: 'my.social', command: 'sync', run: 'r3', onWarning: (m) => warned.push(m) });
    await w3.close();
    expect(warned).toHaveLength(1);
  });

  it('a complete last line without its newline is kept, and the next line starts on its own', async () => {
    const cache = await tmp();
    const w = await JournalWriter.open({ cacheDir: cache, destination: 'my.social', command: 'sync', run: 'r1' });
    await w.append(write('a.example'));
    await w.close();
    const file = journalPath(cache, 'my.social');
    await fs.writeFile(file, (await fs.readFile(file, 'utf8')).trimEnd());
    expect((await readJournal(cache, 'my.social')).entries).toHaveLength(1);
    const w2 = await JournalWriter.open({ cacheDir: cache, destination: 'my.social', command: 'sync', run: 'r2', onWarning: () => expect.unreachable() });
    await w2.append(write('b.example'));
    await w2.close();
    expect((await readJournal(cache, 'my.social')).entries.map((e) => e.domain)).toEqual(['a.example', 'b.example']);
  });

  it('a damaged line in the middle is an error naming the file and line; a newer version is refused', () => {
    const good = JSON.stringify({ v: 1, time: 't', run: 'r', command: 'sync', destination: 'd', action: 'run_end', exit: 0, writes: 0 });
    expect(() => parseJournal(`${good}\n{"v":1,"tim\n${good}\n`, '/j.jsonl')).toThrow(/\/j\.jsonl is damaged at line 2: not JSON/);
    expect(() => parseJournal(`${good}\n${good.replace('"writes":0', '"writes":-1')}\n`, '/j.jsonl')).toThrow(/line 2: writes/);
    expect(() => parseJournal(`${good.replace('"v":1', '"v":2')}\n`, '/j.jsonl')).toThrow(/newer fediblock/);
  });

  it('a destination never written to has an empty journal', async () => {
    const j = await readJournal(await tmp(), 'never.example');
    expect(j).toMatchObject({ lines: [], entries: [], warnings: [] });
  });

  it('run ids are a UTC stamp and a short random part', () => {
    const id = newRunId(new Date('2026-12-03T04:00:00.123Z'));
    expect(id).toMatch(/^20261203T040000Z-[0-9a-f]{4}$/);
    expect(newRunId(new Date('2026-12-03T04:00:00Z'))).not.toBe(newRunId(new Date('2026-12-03T04:00:00Z')));
  });
});
