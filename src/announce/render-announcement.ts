// The announcement's words: short, plain, no jargon — what a member reading the instance's
// account needs. Rendered as plain text (for posting), Markdown (for a blog or forum) or JSON, and
// as sections the thread splitter can pack without breaking a group apart unannounced.
import { escapeMarkdown } from '../output/changelog.js';
import { GROUPS, type AnnouncedChange, type Group } from './collect-changes.js';

export interface Announcement {
  destination: string;
  /** Applied (journal) or planned (a plan file). */
  kind: 'applied' | 'planned';
  /** When it was applied or planned. */
  date: Date;
  /** For --since: the start of the period. */
  since?: Date;
  changes: AnnouncedChange[];
}

const HEADINGS: Record<Group, string> = {
  suspended: 'Suspended — no contact between us and these servers',
  limited: 'Limited — hidden here unless you follow them',
  media: 'Media rejected — we no longer store their images and videos',
  lifted: 'Lifted — no longer suspended or limited',
};

export interface Section {
  heading: string;
  /** The group's name alone ("Suspended"), for a continuation in a thread. */
  label: string;
  lines: string[];
}

const day = (d: Date) => d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

export function titleOf(a: Announcement): string {
  if (a.kind === 'planned') return `Coming moderation changes on ${a.destination}:`;
  if (a.since) return `Moderation changes on ${a.destination} since ${day(a.since)}:`;
  return `Moderation update from ${a.destination}, ${day(a.date)}:`;
}

function itemText(c: AnnouncedChange, markdown: boolean): string {
  const esc = markdown ? escapeMarkdown : (s: string) => s.replace(/\s+/g, ' ').trim();
  const name = markdown ? `\`${c.shown}\`` : c.shown;
  return `- ${name}${c.reason ? `: ${esc(c.reason)}` : ''}${c.note ? ` (${c.note})` : ''}`;
}

export function sectionsOf(a: Announcement, markdown = false): Section[] {
  const out: Section[] = [];
  for (const g of GROUPS) {
    const items = a.changes.filter((c) => c.group === g);
    if (items.length) {
      out.push({ heading: markdown ? `**${HEADINGS[g]}:**` : `${HEADINGS[g]}:`, label: HEADINGS[g].split(' — ')[0]!, lines: items.map((c) => itemText(c, markdown)) });
    }
  }
  return out;
}

export function renderText(a: Announcement): string {
  return [titleOf(a), ...sectionsOf(a).map((s) => `\n${s.heading}\n${s.lines.join('\n')}`)].join('\n') + '\n';
}

export function renderMarkdown(a: Announcement): string {
  return [`## ${escapeMarkdown(titleOf(a).replace(/:$/, ''))}`, ...sectionsOf(a, true).map((s) => `\n${s.heading}\n\n${s.lines.join('\n')}`)].join('\n') + '\n';
}

export function renderJson(a: Announcement, posts?: string[]): string {
  const groups = Object.fromEntries(GROUPS.map((g) => [g, a.changes.filter((c) => c.group === g).map(({ group: _g, ...rest }) => rest)]));
  return (
    JSON.stringify(
      {
        destination: a.destination,
        kind: a.kind,
        date: a.date.toISOString(),
        ...(a.since ? { since: a.since.toISOString() } : {}),
        title: titleOf(a),
        changes: groups,
        ...(posts ? { posts } : {}),
      },
      null,
      2,
    ) + '\n'
  );
}
