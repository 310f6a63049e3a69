// A new child block that Mastodon refuses under its parent's current rule (the child is not
// stricter, mastodon-api.md §1.5) can only be created once the parent is looser. When the same
// plan deletes or lowers that parent, deleting first would leave the subdomain with no rule at all
// between the two requests. Instead the parent is first lowered just enough for the child to be
// accepted — to what both its old rule and the child do, and no less than the parent's new rule —
// then the child is created, then the parent gets its final write. At every moment the subdomain,
// the parent domain and its other subdomains keep at least what both their rule before and their
// rule after the run enforce. This costs one more request per such parent (none when the parent's
// own lowering is already enough). Pure.
import { blockFields, type BlockFields, type PlanEntry } from '../model.js';
import { parentDomains, withParentRule, type Rule } from './block-rules.js';
import { isStricter } from './stricter.js';

export interface Handover {
  /** Parent domain → the write that makes room for its children: a lowering made for them, or the parent's own lowering when that is enough. */
  interim: Map<string, PlanEntry>;
  /** Child domain (a create) → the parent it waits for. */
  parentOf: Map<string, string>;
  /** Parent domain → the children created in between; the parent's final write waits for them. */
  children: Map<string, string[]>;
}

const ruleOf = (r: Rule): Rule => ({ severity: r.severity, reject_media: r.reject_media, reject_reports: r.reject_reports });

/** What both rules do (a suspension does everything, its flags included). */
export function sharedRule(a: Rule, b: Rule): Rule {
  if (a.severity === 'suspend') return ruleOf(b);
  if (b.severity === 'suspend') return ruleOf(a);
  return {
    severity: a.severity === 'noop' || b.severity === 'noop' ? 'noop' : 'silence',
    reject_media: a.reject_media && b.reject_media,
    reject_reports: a.reject_reports && b.reject_reports,
  };
}

const sameRule = (a: Rule, b: Rule): boolean => a.severity === b.severity && a.reject_media === b.reject_media && a.reject_reports === b.reject_reports;

/**
 * For every create that must wait for a parent this plan deletes or lowers (`loosened`: the
 * loosening writes by domain), the write that makes room for it.
 */
export function makeRoomForChildren(creates: PlanEntry[], loosened: Map<string, PlanEntry>): Handover {
  const handover: Handover = { interim: new Map(), parentOf: new Map(), children: new Map() };
  const waiting = new Map<string, PlanEntry[]>();
  for (const e of creates) {
    if (e.action !== 'create' || e.desired === undefined) continue;
    const p = parentDomains(e.domain).find((d) => loosened.has(d));
    const parent = p === undefined ? undefined : loosened.get(p);
    if (p === undefined || parent?.current === undefined || isStricter(e.desired, parent.current)) continue;
    waiting.set(p, [...(waiting.get(p) ?? []), e]);
  }
  for (const [p, kids] of waiting) {
    const parent = loosened.get(p)!;
    const before = parent.current!;
    const after: Rule | undefined = parent.action === 'update' && parent.desired ? parent.desired : undefined;
    // What every child and the old rule do: each child is accepted under it (it is no stricter
    // than any of them), and each subdomain keeps what its rule before and after both enforce.
    // (Children of one parent with different reject flags share fewer flags than each keeps: for
    // the moment before its create, such a subdomain has only the flags all of them share. No
    // single parent rule can do better, as each child must be accepted under it.)
    const shared = kids.reduce<Rule>((r, k) => sharedRule(r, k.desired!), ruleOf(before));
    const room = after ? withParentRule(shared, after) : shared;
    // A child not accepted under the room made for it (it would be refused whatever), waits as before.
    const fit = kids.filter((k) => isStricter(k.desired!, room));
    if (fit.length === 0) continue;
    for (const k of fit) handover.parentOf.set(k.domain, p);
    handover.children.set(p, fit.map((k) => k.domain).sort());
    if (after && sameRule(room, after)) {
      handover.interim.set(p, parent);
      continue;
    }
    const desired: BlockFields = { ...blockFields(before), ...ruleOf(room) };
    const changes: NonNullable<PlanEntry['changes']> = {};
    for (const f of ['severity', 'reject_media', 'reject_reports'] as const) if (before[f] !== desired[f]) changes[f] = { from: before[f], to: desired[f] };
    handover.interim.set(p, {
      action: 'update',
      domain: p,
      current: before,
      desired,
      changes,
      reason: `lowered for now so that ${fit.map((k) => k.domain).sort().join(', ')} can be created under it before its ${parent.action === 'delete' ? 'delete' : 'lowering'}`,
      ...(parent.sources ? { sources: parent.sources } : {}),
      ...(parent.rule ? { rule: parent.rule } : {}),
    });
  }
  return handover;
}
