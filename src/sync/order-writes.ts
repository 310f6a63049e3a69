// The order of a plan's writes is the safety (decisions.md, second round): whatever makes the
// instance stricter goes first, whatever loosens it goes last, so a run cut short (interrupt,
// max_writes, a failure) never leaves a domain open that was blocked before and is meant to stay
// blocked after:
//   1. creates and raises, parents before children (a child sees its parent's new rule);
//   2. other updates (comments, obfuscate);
//   3. lowerings and deletes, children before parents (apply-plan.ts holds back a lowering or
//      delete under a parent this plan creates or raises until that parent's write succeeded).
// One exception (make-room-for-children.ts): a new child Mastodon refuses under its parent's rule
// while this plan deletes or lowers that parent. The parent is first lowered just enough, then the
// child created, then the parent's own write sent — all before phase 3 — so that no moment leaves
// the subdomain looser than both its rule before and after the run. Pure.
import { isSeverity, type Plan, type PlanEntry } from '../model.js';
import { depth, describeRule, parentDomains, wouldLower, wouldRaise, type Rule } from './block-rules.js';
import { makeRoomForChildren, type Handover } from './make-room-for-children.js';
import { isStricter } from './stricter.js';

export interface WriteOrder {
  /** Entries to send, phase by phase; each phase finishes before the next starts. */
  phases: PlanEntry[][];
  handover: Handover;
  /** The writes that make room for children (an added lowering, or the parent's own). */
  interims: Set<PlanEntry>;
  /** Domains this plan creates or raises (a loosening under one of them waits for it). */
  stricterDomains: Set<string>;
}

/** An update's rule before and after, from its changes (the entry's `current` fills the rest). */
function rulesOf(e: PlanEntry): { before: Rule; after: Rule } | undefined {
  const c = e.current;
  if (c === undefined) return undefined;
  const before: Rule = { severity: c.severity, reject_media: c.reject_media, reject_reports: c.reject_reports };
  const after: Rule = { ...before };
  const sev = e.changes?.severity?.to;
  if (typeof sev === 'string' && isSeverity(sev)) after.severity = sev;
  for (const f of ['reject_media', 'reject_reports'] as const) {
    const to = e.changes?.[f]?.to;
    if (typeof to === 'boolean') after[f] = to;
  }
  return { before, after };
}

/** Creates and updates that make the domain stricter: they go first. */
function isStricterWrite(e: PlanEntry): boolean {
  if (e.action === 'create') return true;
  if (e.action !== 'update') return false;
  const r = rulesOf(e);
  return r !== undefined && wouldRaise(r.before, r.after);
}

/** Deletes and updates that loosen the domain (severity down, or a reject flag dropped): they go last. */
export function isLooserWrite(e: PlanEntry): boolean {
  if (e.action === 'delete') return true;
  if (e.action !== 'update' || isStricterWrite(e)) return false;
  const r = rulesOf(e);
  return r !== undefined && wouldLower(r.before, r.after);
}

const byDomain = (a: PlanEntry, b: PlanEntry): number => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0);

/** The phases of a plan's writes (create/update/delete entries). `buffered`: a whole-setting store. */
export function orderWrites(writes: PlanEntry[], buffered: boolean): WriteOrder {
  // A create that Mastodon would refuse under its parent's rule as it stands (not stricter), while
  // this plan loosens or deletes that parent, can only be made once the parent has changed (fuzz
  // seed 11: x.b.test noop+reject_reports under b.test, which the list lowers from suspend to noop,
  // was refused and never made). On a per-block store the parent is lowered just enough first
  // (make-room-for-children.ts); on a whole-setting store nothing is made before the one flush, so
  // such a create simply comes after the loosening writes.
  const loosened = new Map(writes.filter(isLooserWrite).flatMap((e) => (e.current ? [[e.domain, e] as const] : [])));
  const waitsForParent = (e: PlanEntry): boolean => {
    if (e.action !== 'create' || e.desired === undefined) return false;
    const p = parentDomains(e.domain).find((d) => loosened.has(d));
    return p !== undefined && !isStricter(e.desired, loosened.get(p)!.current!);
  };
  const handover = makeRoomForChildren(buffered ? [] : writes.filter(waitsForParent), loosened);
  const interims = new Set<PlanEntry>(handover.interim.values());
  const handedOver = writes.filter((e) => handover.parentOf.has(e.domain));
  const late = writes.filter((e) => waitsForParent(e) && !handover.parentOf.has(e.domain));
  const stricter = writes.filter((e) => isStricterWrite(e) && !waitsForParent(e));
  const looser = writes.filter((e) => isLooserWrite(e) && !interims.has(e));
  const others = writes.filter((e) => !isStricterWrite(e) && !isLooserWrite(e));
  const depths = [...new Set(stricter.map((e) => depth(e.domain)))].sort((a, b) => a - b);
  const deepestFirst = (a: PlanEntry, b: PlanEntry): number => depth(b.domain) - depth(a.domain) || byDomain(a, b);
  const shallowFirst = (a: PlanEntry, b: PlanEntry): number => depth(a.domain) - depth(b.domain) || byDomain(a, b);
  const phases: PlanEntry[][] = [
    ...depths.map((d) => stricter.filter((e) => depth(e.domain) === d).sort(byDomain)),
    [...others].sort(byDomain),
    [...interims].sort(deepestFirst),
    [...handedOver].sort(shallowFirst),
    [...looser].sort(deepestFirst),
    [...late].sort(shallowFirst),
  ].filter((p) => p.length > 0);
  return { phases, handover, interims, stricterDomains: new Set(stricter.map((e) => e.domain)) };
}

const isWrite = (e: PlanEntry): boolean => e.action === 'create' || e.action === 'update' || e.action === 'delete';

/**
 * The plan with the writes apply adds said where a reader sees them: a parent lowered for now so
 * that its children can be created under it is one more write request than the plan lists, named
 * in that parent's entry.
 */
export function sayInterimWrites(plan: Plan, buffered: boolean): Plan {
  const writes = plan.entries.filter(isWrite);
  const { handover } = orderWrites(writes, buffered);
  const listed = new Set(writes);
  const said = new Map<string, string>();
  for (const [parent, interim] of handover.interim) {
    if (listed.has(interim) || !interim.desired) continue;
    const kids = handover.children.get(parent) ?? [];
    said.set(parent, `first lowered to ${describeRule(interim.desired)} for ${kids.join(', ')} (one more write)`);
  }
  if (said.size === 0) return plan;
  return {
    ...plan,
    entries: plan.entries.map((e) => {
      const note = isWrite(e) ? said.get(e.domain) : undefined;
      return note === undefined ? e : { ...e, reason: e.reason ? `${e.reason}; ${note}` : note };
    }),
  };
}
