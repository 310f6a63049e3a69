// `restore SNAPSHOT`: undo what fediblock wrote since the snapshot, from the journal
// (decisions.md, second round). Pure; apply walks the returned plan like any other.
//
// For each domain the journal names after the snapshot, its entries are undone newest first, as
// long as the block is still what fediblock left: a block fediblock created is deleted, an adopted
// block is handed back as the admin made it (marker removed, fields as before), an updated or
// deleted block is put back. Only the net change is written, once per domain: the block as it was
// before fediblock's first write since the snapshot. When the block now differs from what
// fediblock's last write left, the admin changed it since: it is left alone and reported.
// A domain the journal does not name — anything only the admin touched — is never written, even
// when it differs from the snapshot (a marked block that does is reported, since that points at
// writes the journal does not hold, e.g. by a fediblock older than the journal).
// Follow checks are not made: a restore puts back what was there before.
import { blockFields, type BlockFields, type Plan, type PlanEntry, type StoredBlock } from '../model.js';
import type { JournalBlock, JournalEntry } from '../journal/journal-record.js';
import { byDomain, isManaged } from './block-rules.js';
import { isOwned } from './ownership.js';
import type { DestinationPolicy } from './destination-policy.js';
import { diffFields } from './target-fields.js';

export interface RestoreInput {
  /** The snapshot's blocks (only used to report marked blocks the journal cannot explain). */
  snapshot: StoredBlock[];
  /** Journal writes after the snapshot, in file order (read-journal.ts `entriesAfter`). */
  entries: JournalEntry[];
  current: StoredBlock[];
  policy: Pick<DestinationPolicy, 'domain' | 'marker' | 'own_all'>;
  now?: string;
  storeFingerprint?: string;
}

export interface RestorePlan {
  plan: Plan;
  /** Domains that were also edited by hand between fediblock's writes (undone with them), in words. */
  notes: string[];
}

export const EDITED_SINCE = 'changed by hand since fediblock last wrote it; left alone';
export const NOT_IN_JOURNAL = 'marked block that differs from the snapshot, but the journal holds no fediblock write to it since; left alone';

type State = BlockFields & { id?: string };

const sameBlock = (a: State | null, b: State | null): boolean => {
  if (a === null || b === null) return a === b;
  if (a.id !== undefined && b.id !== undefined && a.id !== '' && b.id !== '' && a.id !== b.id) return false;
  return Object.keys(diffFields(blockFields(a), blockFields(b))).length === 0;
};

const sameFields = (a: BlockFields | undefined, b: BlockFields | undefined): boolean =>
  a === undefined || b === undefined ? a === b : Object.keys(diffFields(blockFields(a), blockFields(b))).length === 0;

const stateOf = (b: StoredBlock | JournalBlock | undefined | null): State | null => (b ? { id: b.id, ...blockFields(b) } : null);

export function planRestore(input: RestoreInput): RestorePlan {
  const { policy } = input;
  const curBy = new Map<string, StoredBlock>();
  for (const c of input.current) if (!curBy.has(c.domain)) curBy.set(c.domain, c);
  const history = new Map<string, JournalEntry[]>();
  for (const e of input.entries) {
    const h = history.get(e.domain);
    if (h) h.push(e);
    else history.set(e.domain, [e]);
  }
  const entries: PlanEntry[] = [];
  const notes: string[] = [];

  for (const [domain, all] of history) {
    const cur = curBy.get(domain);
    const writes = landedWrites(all, cur, policy.marker);
    if (writes.length === 0) {
      history.delete(domain);
      continue;
    }
    const newest = writes[writes.length - 1]!;
    if (!sameBlock(stateOf(cur), stateOf(newest.after))) {
      entries.push({ action: 'skip', domain, reason: EDITED_SINCE, ...(cur ? { current: cur } : {}) });
      continue;
    }
    // Undoing every write newest first ends at the oldest one's `before`. An edit by hand between
    // two of fediblock's writes (a later write started from something the earlier one did not
    // leave) was already overwritten by fediblock; it is undone with the rest, and said.
    const oldest = writes[0]!;
    const state: State | null = stateOf(oldest.before);
    for (let i = 1; i < writes.length; i++) {
      if (!sameBlock(stateOf(writes[i - 1]!.after), stateOf(writes[i]!.before))) {
        notes.push(`${domain}: changed by hand between fediblock's writes (before the one of ${writes[i]!.time}); restored to how it was before fediblock's first write since the snapshot`);
        break;
      }
    }
    const reason = reasonFor(oldest, state, cur, policy);
    if (state === null) {
      if (cur) entries.push({ action: 'delete', domain, reason, current: cur });
    } else if (!cur) {
      entries.push({ action: 'create', domain, reason, desired: blockFields(state) });
    } else {
      const desired = blockFields(state);
      const changes = diffFields(blockFields(cur), desired);
      if (Object.keys(changes).length === 0) entries.push({ action: 'unchanged', domain, current: cur });
      else entries.push({ action: 'update', domain, reason, desired, current: cur, changes });
    }
  }

  // Marked blocks that differ from the snapshot with no journal entry: say so, write nothing.
  const snapBy = new Map<string, StoredBlock>();
  for (const s of input.snapshot) if (!snapBy.has(s.domain)) snapBy.set(s.domain, s);
  for (const domain of new Set([...snapBy.keys(), ...curBy.keys()])) {
    if (history.has(domain)) continue;
    const s = snapBy.get(domain);
    const c = curBy.get(domain);
    const marked = (s !== undefined && isManaged(s, policy)) || (c !== undefined && isManaged(c, policy));
    if (!marked || sameFields(s, c)) continue;
    entries.push({ action: 'skip', domain, reason: NOT_IN_JOURNAL, ...(c ? { current: c } : {}) });
  }

  entries.sort(byDomain);
  return {
    plan: {
      version: 1,
      destination: policy.domain,
      created_at: input.now ?? new Date().toISOString(),
      store_fingerprint: input.storeFingerprint ?? '',
      entries,
      holds: [],
    },
    notes: notes.sort(),
  };
}

/**
 * The writes that took effect. A write whose answer was lost (`uncertain`) landed when what came
 * next shows its result: the `before` of fediblock's next write to the domain, or the block as it
 * is now. A create whose block is then found carrying fediblock's marker but edited by hand landed
 * too: nobody else makes marked blocks (fuzz seed 1203). One that did not land is no write of
 * fediblock's to undo.
 */
function landedWrites(writes: JournalEntry[], cur: StoredBlock | undefined, marker: string): JournalEntry[] {
  return writes.filter((w, i) => {
    if (w.uncertain !== true) return true;
    const next = writes[i + 1];
    const seen = next ? stateOf(next.before) : stateOf(cur);
    if (sameBlock(seen, stateOf(w.after))) return true;
    return w.before === null && seen !== null && isOwned(seen, marker);
  });
}

function reasonFor(oldest: JournalEntry, target: State | null, cur: StoredBlock | undefined, policy: Pick<DestinationPolicy, 'marker' | 'own_all'>): string {
  if (target === null) return `created by fediblock since the snapshot (${oldest.time.slice(0, 16).replace('T', ' ')}); deleting it`;
  if (!cur) return 'deleted by fediblock since the snapshot; putting it back';
  if (!isManaged({ ...target, domain: '', id: '' }, policy)) return 'adopted by fediblock since the snapshot; handing it back as it was made by hand';
  return 'changed by fediblock since the snapshot; putting it back';
}
