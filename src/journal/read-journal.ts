// Reads a destination's journal (the only way log, restore and announce see it). A torn last
// line, left by a run killed while appending, is skipped and reported as a warning; any other
// unreadable line is an error naming the file and line, because a journal with a hole in the
// middle cannot be trusted to undo anything.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
// zod/mini (see config/schema.ts); a namespace import lets esbuild drop the parts never used.
import * as z from 'zod/mini';
import '../zod-messages.js';
import { FediblockError } from '../errors.js';
import { SEVERITIES } from '../model.js';
import { isRunEnd, journalPath, type JournalEntry, type JournalLine } from './journal-record.js';
import { blockFieldsSchema } from '../sync/snapshot.js';

export interface Journal {
  /** The file read (it may not exist: then everything is empty). */
  path: string;
  /** Every line in file order: writes and run ends. */
  lines: JournalLine[];
  /** The writes only, in file order. */
  entries: JournalEntry[];
  /** Things worth telling once (a torn last line). */
  warnings: string[];
}

// A create whose answer was lost is journaled with id '' (uncertain), hence no min(1) here.
const block = z.extend(blockFieldsSchema, { id: z.string() });
const nonEmpty = z.string().check(z.minLength(1));

const cap = z.object({
  from: z.enum(SEVERITIES),
  to: z.enum(SEVERITIES),
  follows: z.optional(z.number()),
  followers: z.optional(z.number()),
  error: z.optional(z.string()),
});

const base = {
  v: z.literal(1),
  time: nonEmpty,
  run: nonEmpty,
  command: z.enum(['sync', 'apply', 'restore']),
  destination: nonEmpty,
};

const entrySchema = z.object({
  ...base,
  action: z.enum(['create', 'update', 'delete', 'adopt']),
  domain: nonEmpty,
  before: z.nullable(block),
  after: z.nullable(block),
  sources: z.array(z.string()),
  rule: z.nullable(z.string()),
  reason: z.nullable(z.string()),
  cap: z.nullable(cap),
  uncertain: z.optional(z.literal(true)),
});

const runEndSchema = z.object({
  ...base,
  action: z.literal('run_end'),
  exit: z.number().check(z.int()),
  writes: z.number().check(z.int(), z.minimum(0)),
});

/**
 * The writes after a snapshot, in file order: from the first line of the run that took it (the
 * snapshot is written before that run's first write), or, for a snapshot that names no run or a
 * run the journal never saw (it wrote nothing), from its time on. Also says whether the journal
 * reaches back that far at all.
 */
export function entriesAfter(journal: Journal, mark: { run?: string; taken_at: string }): { entries: JournalEntry[]; covered: boolean } {
  let start = mark.run === undefined ? -1 : journal.lines.findIndex((l) => l.run === mark.run);
  const found = start !== -1;
  if (!found) {
    const t = Date.parse(mark.taken_at);
    start = journal.lines.findIndex((l) => Date.parse(l.time) >= t);
    if (start === -1) start = journal.lines.length;
  }
  const entries = journal.lines.slice(start).filter((l): l is JournalEntry => !isRunEnd(l));
  // Lines before the mark show the journal was already kept when the snapshot was taken.
  return { entries, covered: found || start > 0 };
}

/** The journal of `destination` under `cacheDir`; empty when fediblock never wrote there. */
export function readJournal(cacheDir: string, destination: string): Promise<Journal> {
  return readJournalFile(journalPath(cacheDir, destination));
}

/** Journal files under `cacheDir` (one per destination), sorted; [] when there are none. */
export async function listJournals(cacheDir: string): Promise<string[]> {
  const dir = path.join(cacheDir, 'journal');
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((n) => n.endsWith('.jsonl')).sort().map((n) => path.join(dir, n));
}

export async function readJournalFile(file: string): Promise<Journal> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { path: file, lines: [], entries: [], warnings: [] };
    throw new FediblockError(`cannot read the journal ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseJournal(text, file);
}

/** Parses journal text; exported for tests. */
export function parseJournal(text: string, file: string): Journal {
  const raw = text.split('\n');
  // A file that ends in a newline yields one empty string last; anything else there is unterminated.
  const unterminated = raw.pop() ?? '';
  const lines: JournalLine[] = [];
  const warnings: string[] = [];
  raw.forEach((t, i) => {
    if (t.trim() === '') return;
    const parsed = parseLine(t);
    if (typeof parsed === 'string') {
      throw new FediblockError(`the journal ${file} is damaged at line ${i + 1}: ${parsed}`, {
        hint: 'fediblock only appends to it; move the file aside to start a new journal (restore then cannot undo the writes it held)',
      });
    }
    lines.push(parsed);
  });
  if (unterminated.trim() !== '') {
    const parsed = parseLine(unterminated);
    if (typeof parsed === 'string') {
      warnings.push(`${file}: the last line (${raw.length + 1}) is incomplete, left by a run killed while writing it; ignored`);
    } else {
      lines.push(parsed);
    }
  }
  return { path: file, lines, entries: lines.filter((l): l is JournalEntry => !isRunEnd(l)), warnings };
}

function parseLine(t: string): JournalLine | string {
  let data: unknown;
  try {
    data = JSON.parse(t);
  } catch (err) {
    return `not JSON (${(err as Error).message})`;
  }
  const v = (data as { v?: unknown } | null)?.v;
  if (typeof v === 'number' && v > 1) return `written by a newer fediblock (journal version ${v})`;
  const isEnd = (data as { action?: unknown } | null)?.action === 'run_end';
  const r = isEnd ? runEndSchema.safeParse(data) : entrySchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue && issue.path.length ? issue.path.map(String).join('.') : 'line';
    return `${where}: ${issue?.message ?? 'invalid'}`;
  }
  return r.data as JournalLine;
}
