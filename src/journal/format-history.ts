// The journal as a readable history, one line per write, in the words of Mastodon's interface
// ("limited" is its word for silence):
//   2026-12-03 04:00 suspended bad.example — tier0, gardenfence (max plan)
// Times are UTC, as stored. Pure.
import type { Severity } from '../model.js';
import { isRunEnd, type JournalBlock, type JournalEntry, type JournalLine } from './journal-record.js';

const SEVERITY_WORD: Record<Severity, string> = { suspend: 'suspended', silence: 'limited', noop: 'no severity' };

/** `2026-12-03T04:00:12.345Z` → `2026-12-03 04:00`. */
export const minuteOf = (iso: string): string => iso.slice(0, 16).replace('T', ' ');

const quote = (s: string): string => JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);

function rejected(b: Pick<JournalBlock, 'reject_media' | 'reject_reports'>): string | undefined {
  if (b.reject_media && b.reject_reports) return 'media and reports';
  if (b.reject_media) return 'media';
  if (b.reject_reports) return 'reports';
  return undefined;
}

/** "suspended bad.example", "limited bad.example (media rejected)", "rejected media from bad.example". */
function described(domain: string, b: JournalBlock): string {
  const notes: string[] = [];
  // Reject flags mean nothing on a suspension (mastodon-api.md §1.6); only say them otherwise.
  const r = b.severity === 'suspend' ? undefined : rejected(b);
  if (b.obfuscate) notes.push('obfuscated');
  if (b.severity === 'noop') {
    const head = r ? `rejected ${r} from ${domain}` : `added ${domain} with no severity`;
    return notes.length ? `${head} (${notes.join(', ')})` : head;
  }
  if (r) notes.unshift(`${r} rejected`);
  return `${SEVERITY_WORD[b.severity]} ${domain}${notes.length ? ` (${notes.join(', ')})` : ''}`;
}

/** What changed between two versions of a block, in words; the marker alone is not a change worth naming. */
export function changesOf(before: JournalBlock, after: JournalBlock, marker?: string): string[] {
  const out: string[] = [];
  if (before.severity !== after.severity) out.push(`${SEVERITY_WORD[before.severity]} → ${SEVERITY_WORD[after.severity]}`);
  const flag = (on: boolean, off: boolean, yes: string, no: string) => {
    if (!off && on) out.push(yes);
    if (off && !on) out.push(no);
  };
  flag(after.reject_media, before.reject_media, 'media rejected', 'media no longer rejected');
  flag(after.reject_reports, before.reject_reports, 'reports rejected', 'reports no longer rejected');
  flag(after.obfuscate, before.obfuscate, 'obfuscated', 'no longer obfuscated');
  if (before.public_comment !== after.public_comment) out.push(`public comment ${quote(before.public_comment)} → ${quote(after.public_comment)}`);
  const bare = (s: string) => (marker ? s.split(marker).join('').replace(/\s+/g, ' ').trim() : s);
  if (bare(before.private_comment) !== bare(after.private_comment)) out.push('private comment changed');
  return out;
}

/** The words for one write, without time or reasons. */
export function describeWrite(e: JournalEntry): string {
  const d = e.domain;
  switch (e.action) {
    case 'create':
      return e.after ? described(d, e.after) : `created ${d}`;
    case 'delete':
      return e.before ? `lifted ${d} (was ${e.before.severity === 'noop' ? 'a block with no severity' : SEVERITY_WORD[e.before.severity]})` : `lifted ${d}`;
    case 'adopt': {
      const ch = e.before && e.after ? changesOf(e.before, e.after, markerAdded(e.before, e.after)) : [];
      return `adopted ${d}, a block made by hand${ch.length ? `: ${ch.join(', ')}` : ''}`;
    }
    case 'update': {
      const ch = e.before && e.after ? changesOf(e.before, e.after, markerAdded(e.before, e.after) ?? markerAdded(e.after, e.before)) : [];
      return `updated ${d}${ch.length ? `: ${ch.join(', ')}` : ''}`;
    }
  }
}

/** The text appended to `before`'s private comment to give `after`'s, when that is all that changed there. */
function markerAdded(before: JournalBlock, after: JournalBlock): string | undefined {
  const a = before.private_comment.trim();
  const b = after.private_comment.trim();
  if (b.length <= a.length || !b.startsWith(a)) return undefined;
  const added = b.slice(a.length).trim();
  return added === '' ? undefined : added;
}

/** " — tier0, gardenfence (max plan); <reason>" or "" when the journal says nothing about why. */
export function whyOf(e: JournalEntry): string {
  const parts: string[] = [];
  if (e.sources.length) parts.push(`${e.sources.join(', ')}${e.rule ? ` (${e.rule})` : ''}`);
  else if (e.rule) parts.push(e.rule);
  if (e.reason) parts.push(e.reason);
  return parts.length ? ` — ${parts.join('; ')}` : '';
}

export function formatEntry(e: JournalEntry): string {
  const by = e.command === 'sync' ? '' : `(${e.command}) `;
  return `${minuteOf(e.time)} ${by}${describeWrite(e)}${whyOf(e)}`;
}

export interface HistoryOptions {
  /** Also say which runs failed or never finished (off for one domain's history). */
  runs: boolean;
}

/** Lines for a journal's lines (already filtered), in file order. */
export function formatHistory(lines: JournalLine[], opts: HistoryOptions): string[] {
  const out: string[] = [];
  const ended = new Set(lines.filter(isRunEnd).map((l) => l.run));
  const lastOfRun = new Map<string, number>();
  lines.forEach((l, i) => lastOfRun.set(l.run, i));
  lines.forEach((l, i) => {
    if (isRunEnd(l)) {
      if (opts.runs && l.exit !== 0) out.push(`${minuteOf(l.time)} ${l.command} run ${l.run} ended with exit ${l.exit} after ${l.writes} write${l.writes === 1 ? '' : 's'}`);
      return;
    }
    out.push(formatEntry(l));
    if (opts.runs && !ended.has(l.run) && lastOfRun.get(l.run) === i) {
      out.push(`${minuteOf(l.time)} ${l.command} run ${l.run} has not finished (still running, or it was killed; the next run completes it)`);
    }
  });
  return out;
}
