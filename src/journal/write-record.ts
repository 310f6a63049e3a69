// What the journal says about one write that took effect: the plan entry that asked for it, the
// block before (from the plan's listing) and after (as the store answered). Pure.
import { blockFields, type StoredBlock } from '../model.js';
import type { WriteOutcome } from '../sync/apply-plan.js';
import type { JournalAction, JournalBlock } from './journal-record.js';
import type { JournalWrite } from './append-journal.js';

/** Who owns a block on this destination (the marker, or every block on a store fediblock publishes). */
export type IsManaged = (b: Pick<StoredBlock, 'private_comment'>) => boolean;


export const journalBlock = (b: StoredBlock): JournalBlock => ({ id: b.id, ...blockFields(b) });

/**
 * The journal line for a write, or undefined when nothing is fediblock's to record: a create that
 * found a hand-made block already there wrote nothing. A create that found the domain already
 * blocked *with* the marker is recorded as the create it was (an earlier attempt of this POST had
 * landed), so `restore` knows to undo it.
 */
export function writeRecord(w: WriteOutcome, isManaged: IsManaged): JournalWrite | undefined {
  const e = w.entry;
  let action: JournalAction = w.entry.action;
  let reason = e.reason ?? null;
  const before = w.entry.action === 'create' ? null : e.current ? journalBlock(e.current) : null;
  if (w.existed) {
    if (w.after === null || !isManaged(w.after)) return undefined;
    reason = joined(reason, 'found already there with the marker: an earlier attempt of this create had landed');
  } else if (w.uncertain) {
    reason = joined(reason, 'no answer came back: the instance may or may not have made this write');
  } else if (e.action === 'update' && e.current && !isManaged(e.current) && w.after !== null && isManaged(w.after)) {
    // The marker added to a block made by hand: `before` is the admin's block, handed back on restore.
    action = 'adopt';
  }
  return {
    action,
    domain: e.domain,
    before,
    after: w.after ? journalBlock(w.after) : null,
    sources: Array.isArray(e.sources) ? [...e.sources] : [],
    rule: typeof e.rule === 'string' ? e.rule : null,
    reason,
    cap: e.cap ?? null,
    ...(w.uncertain ? { uncertain: true as const } : {}),
  };
}

const joined = (a: string | null, b: string): string => (a ? `${a}; ${b}` : b);
