// What members would notice, from a plan (what will be applied) or from journal entries (what was
// applied): each domain whose block changed in a way people see — suspended, limited, media
// rejected, or lifted — with its public reason. Changes only an admin sees (private comments,
// reject_reports, the ownership marker, an adoption that changed nothing) are left out, and so are
// hand-made blocks: the plan only skips them and the journal never holds them.
import { severityRank, type BlockFields, type FollowCap, type PlanEntry } from '../model.js';
import { publicDomain } from './public-domain.js';

export const GROUPS = ['suspended', 'limited', 'media', 'lifted'] as const;
export type Group = (typeof GROUPS)[number];

export interface AnnouncedChange {
  group: Group;
  /** The real domain (for sorting and JSON). */
  domain: string;
  /** As the public sees it: obfuscated exactly like Mastodon when the block says so. */
  shown: string;
  /** The public comment; '' when there is none (and always for lifted blocks). */
  reason: string;
  /** Extra words: a follow cap, or what the block was before. */
  note?: string;
}

type Fields = Pick<BlockFields, 'severity' | 'reject_media' | 'obfuscate' | 'public_comment'>;

/** The effect people see; undefined when there is none (no block, or a noop without media rejection). */
function effect(b: Fields | null | undefined): Exclude<Group, 'lifted'> | undefined {
  if (!b) return undefined;
  if (b.severity === 'suspend') return 'suspended';
  if (b.severity === 'silence') return 'limited';
  return b.reject_media ? 'media' : undefined;
}

const WAS: Record<Exclude<Group, 'lifted'>, string> = { suspended: 'was suspended', limited: 'was limited', media: 'media was rejected' };

/** One domain's change from `before` to `after`; undefined when members would see no difference. */
export function classifyChange(domain: string, before: Fields | null | undefined, after: Fields | null | undefined, cap?: FollowCap | null): AnnouncedChange | undefined {
  const was = effect(before);
  const now = effect(after);
  const mediaNow = !!after && after.severity === 'silence' && after.reject_media;
  const mediaWas = !!before && before.severity === 'silence' && before.reject_media;
  if (was === now && mediaNow === mediaWas) return undefined;
  const obfuscated = (after ?? before)?.obfuscate === true;
  const base = { domain, shown: obfuscated ? publicDomain(domain) : domain };
  if (now === undefined) return { ...base, group: 'lifted', reason: '', ...(was ? { note: WAS[was] } : {}) };
  const notes: string[] = [];
  if (now === 'limited' && mediaNow) notes.push('media rejected too');
  if (cap && severityRank(cap.to) < severityRank(cap.from) && after && after.severity === cap.to) {
    notes.push(cap.error ? 'limited for now, until we can check who follows accounts there' : 'limited for now: local accounts still follow accounts there');
  } else if (was && was !== now) notes.push(WAS[was]);
  return { ...base, group: now, reason: after?.public_comment.trim() ?? '', ...(notes.length ? { note: notes.join('; ') } : {}) };
}

const byDomain = (a: AnnouncedChange, b: AnnouncedChange) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0);

/** From a plan: creates, updates and deletes (skips and unchanged entries are not changes). */
export function changesFromPlan(entries: PlanEntry[]): AnnouncedChange[] {
  const out: AnnouncedChange[] = [];
  for (const e of entries) {
    if (e.action === 'create') push(out, classifyChange(e.domain, null, e.desired, e.cap));
    else if (e.action === 'update') push(out, classifyChange(e.domain, e.current, e.desired, e.cap));
    else if (e.action === 'delete') push(out, classifyChange(e.domain, e.current, null));
  }
  return out.sort(byDomain);
}

/** What announce needs of a journal entry (src/journal's JournalEntry has these fields). */
export interface JournalWrite {
  domain: string;
  action: string;
  before: Fields | null;
  after: Fields | null;
  cap: FollowCap | null;
  uncertain?: true;
}

/**
 * From journal writes in file order: per domain, from the block before its first write to the
 * block after its last, so a domain changed twice in the period is said once, as it stands now.
 */
export function changesFromJournal(writes: JournalWrite[]): AnnouncedChange[] {
  const span = new Map<string, { before: Fields | null; after: Fields | null; cap: FollowCap | null }>();
  for (const w of writes) {
    // A write whose answer was lost may not have happened: members are told only what surely did.
    if (w.uncertain === true) continue;
    const s = span.get(w.domain);
    if (s) {
      s.after = w.after;
      s.cap = w.cap;
    } else span.set(w.domain, { before: w.before, after: w.after, cap: w.cap });
  }
  const out: AnnouncedChange[] = [];
  for (const [domain, s] of span) push(out, classifyChange(domain, s.before, s.after, s.cap));
  return out.sort(byDomain);
}

function push(out: AnnouncedChange[], c: AnnouncedChange | undefined): void {
  if (c) out.push(c);
}
