// The journal's line format (PROTOCOL.md, "Journal"): one JSON object per line in
// `<cache_dir>/journal/<destination>.jsonl`, one line per write fediblock made and one per run end.
// Readers (log, restore, announce) go through read-journal.ts, never parse the file by hand.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { BlockFields, FollowCap } from '../model.js';
import { snapshotPrefix, snapshotStamp } from '../sync/snapshot.js';

export const JOURNAL_VERSION = 1;

export type JournalCommand = 'sync' | 'apply' | 'restore';
export type JournalAction = 'create' | 'update' | 'delete' | 'adopt';

/** A block as fediblock saw it just before or after a write: its own fields and the store's id. */
export type JournalBlock = BlockFields & { id: string };

interface LineBase {
  v: 1;
  /** ISO 8601, UTC. */
  time: string;
  run: string;
  command: JournalCommand;
  destination: string;
}

/** One write: `before` is null for a create, `after` null for a delete. */
export interface JournalEntry extends LineBase {
  action: JournalAction;
  domain: string;
  before: JournalBlock | null;
  after: JournalBlock | null;
  /** Sources that named the domain, config order ([] when not known, e.g. restore). */
  sources: string[];
  /** The merge rule that decided it ("max plan", "threshold 2 of 3"), or null. */
  rule: string | null;
  /** The plan's sentence for this write (adoption, follow cap, "no longer in the merged list"…), or null. */
  reason: string | null;
  cap: FollowCap | null;
  /**
   * The request went out but its answer was lost: the write may or may not have been made, and
   * `after` is what it asked for (a create's id is ''). Readers decide from the store's state.
   */
  uncertain?: true;
}

/** The last line of every run that started writing: how it ended. */
export interface JournalRunEnd extends LineBase {
  action: 'run_end';
  exit: number;
  /** Journal entries this run appended. */
  writes: number;
}

export type JournalLine = JournalEntry | JournalRunEnd;

export const isRunEnd = (l: JournalLine): l is JournalRunEnd => l.action === 'run_end';

/** `20261203T040000Z-3f9a`: sorts by start time, and two runs in one second still differ. */
export function newRunId(now: Date = new Date()): string {
  return `${snapshotStamp(now)}-${randomBytes(2).toString('hex')}`;
}

/** `<cache_dir>/journal/<destination>.jsonl`; the destination made file-name safe like snapshots'. */
export function journalPath(cacheDir: string, destination: string): string {
  return path.join(cacheDir, 'journal', `${snapshotPrefix(destination)}.jsonl`);
}
