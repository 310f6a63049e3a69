// The change log of a published list (`merge --changelog FILE --against PREVIOUS`): what a new
// merge adds, removes and changes compared with the list published before, as a dated Markdown
// section put at the top of a CHANGELOG.md-style file. Pure: the job reads and writes the files.
import type { DomainBlock, DroppedDomain, MergedBlock } from '../model.js';

export interface ListChange {
  domain: string;
  /** The published block before (removed, changed). */
  before?: DomainBlock;
  /** The merged block now (added, changed). */
  after?: DomainBlock;
  /** Names of the sources that name the domain now (config order). */
  sources: string[];
  /** Why a removed domain left the list, when the merge dropped it on purpose. */
  dropped?: string;
}

export interface ListChanges {
  added: ListChange[];
  removed: ListChange[];
  changed: ListChange[];
  /** Domains in the new list. */
  total: number;
  /** No previous list: everything is new, and the section says so instead of listing it all. */
  first: boolean;
}

/** Severity and flags, as a published list's reader would name them ("silence, reject media"). */
export function describeBlock(b: Pick<DomainBlock, 'severity' | 'reject_media' | 'reject_reports'>): string {
  const parts: string[] = [b.severity];
  // reject_media/reject_reports mean nothing under a suspension (Mastodon ignores them).
  if (b.severity !== 'suspend') {
    if (b.reject_media) parts.push('reject media');
    if (b.reject_reports) parts.push('reject reports');
  }
  return parts.join(', ');
}

export function diffLists(
  previous: DomainBlock[] | undefined,
  merged: MergedBlock[],
  sourceNames: (index: number) => string,
  dropped: DroppedDomain[] = [],
): ListChanges {
  const now = new Map(merged.map((b) => [b.domain, b] as const));
  const names = (b: MergedBlock | undefined) => (b ? b.sources.map(sourceNames) : []);
  if (previous === undefined) return { added: [], removed: [], changed: [], total: merged.length, first: true };
  const before = new Map(previous.map((b) => [b.domain, b] as const));
  const why = new Map(dropped.map((d) => [d.domain, d.detail] as const));
  const added: ListChange[] = [];
  const changed: ListChange[] = [];
  for (const b of merged) {
    const old = before.get(b.domain);
    if (!old) added.push({ domain: b.domain, after: b, sources: names(b) });
    else if (describeBlock(old) !== describeBlock(b)) changed.push({ domain: b.domain, before: old, after: b, sources: names(b) });
  }
  const removed = [...before.values()]
    .filter((b) => !now.has(b.domain))
    .sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0))
    .map((b): ListChange => ({ domain: b.domain, before: b, sources: [], ...(why.has(b.domain) ? { dropped: why.get(b.domain)! } : {}) }));
  return { added, removed, changed, total: merged.length, first: false };
}

export const hasChanges = (c: ListChanges): boolean => c.first || c.added.length + c.removed.length + c.changed.length > 0;

/** "2026-12-02 06:23 UTC": minutes are enough for a list published a few times a day. */
export function sectionHeading(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The heading back as a date (for the feed); undefined when a line is not one of ours. */
export function parseSectionHeading(heading: string): Date | undefined {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d) UTC$/.exec(heading.trim());
  if (!m) return undefined;
  const d = new Date(`${m[1]}T${m[2]}:00Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** One line that sums a section up: its feed entry's title. */
export function summarizeChanges(c: ListChanges): string {
  if (c.first) return `first publication: ${count(c.total, 'domain')}`;
  const parts = [`${c.added.length} added`, `${c.removed.length} removed`, `${c.changed.length} changed`];
  return `${parts.join(', ')} (${count(c.total, 'domain')} in the list)`;
}

/**
 * Markdown special characters in a source's free text are escaped, so a comment cannot turn into
 * a link, a heading or markup in a rendered changelog; line breaks become spaces.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/([\\`*_[\]<>#|~!])/g, '\\$1');
}

const reasonOf = (b: DomainBlock | undefined) => (b && b.public_comment.trim() ? `: ${escapeMarkdown(b.public_comment)}` : '');
const sourcesOf = (c: ListChange) => (c.sources.length ? ` (${c.sources.length === 1 ? 'source' : 'sources'}: ${c.sources.map(escapeMarkdown).join(', ')})` : '');

export function renderChangelogSection(c: ListChanges, date: Date): string {
  const lines = [`## ${sectionHeading(date)}`, '', `${capitalise(summarizeChanges(c))}.`];
  const group = (title: string, items: ListChange[], line: (x: ListChange) => string) => {
    if (!items.length) return;
    lines.push('', `### ${title}`, '', ...items.map(line));
  };
  group('Added', c.added, (x) => `- \`${x.domain}\` — ${describeBlock(x.after!)}${reasonOf(x.after)}${sourcesOf(x)}`);
  group('Removed', c.removed, (x) => `- \`${x.domain}\` — was ${describeBlock(x.before!)}${reasonOf(x.before)}${x.dropped ? ` (${escapeMarkdown(x.dropped)})` : ' (no source names it now)'}`);
  group('Severity changed', c.changed, (x) => `- \`${x.domain}\` — ${describeBlock(x.before!)} → ${describeBlock(x.after!)}${reasonOf(x.after)}${sourcesOf(x)}`);
  return lines.join('\n') + '\n';
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export const CHANGELOG_INTRO = (listName: string) =>
  `# Changelog\n\nChanges to ${listName}, newest first. Written by fediblock; each section compares a new merge with the list published before it.\n`;

/**
 * The file with `section` inserted before its first `## ` section (below the title and any intro
 * the publisher wrote), or a new file when there is none yet.
 */
export function prependSection(existing: string | undefined, section: string, listName: string): string {
  if (existing === undefined || existing.trim() === '') return `${CHANGELOG_INTRO(listName)}\n${section}`;
  const text = existing.replace(/\r\n/g, '\n');
  const at = /^## /m.exec(text);
  if (!at) return `${text.replace(/\n*$/, '\n')}\n${section}`;
  return `${text.slice(0, at.index)}${section}\n${text.slice(at.index)}`;
}

export interface ChangelogSection {
  heading: string;
  date: Date;
  /** Markdown below the heading, trimmed. */
  body: string;
}

/** The sections fediblock wrote (headings it can read back as dates), newest first as in the file. */
export function readChangelogSections(text: string): ChangelogSection[] {
  const out: ChangelogSection[] = [];
  const parts = text.replace(/\r\n/g, '\n').split(/^## /m).slice(1);
  for (const part of parts) {
    const nl = part.indexOf('\n');
    const heading = (nl < 0 ? part : part.slice(0, nl)).trim();
    const date = parseSectionHeading(heading);
    if (date) out.push({ heading, date, body: (nl < 0 ? '' : part.slice(nl + 1)).trim() });
  }
  return out;
}
