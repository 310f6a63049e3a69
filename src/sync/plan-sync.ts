// The planner: compares the desired (merged) list with what a store holds and returns a plain,
// JSON-able plan. Pure: no I/O; follow counts come in already fetched (see follow-checks.ts).
//
// Rules (design.md "Sync: ownership and safety", decisions.md "Sync behaviour" and "Second round"):
// - only blocks carrying the marker (or every block, with own_all) are updated or deleted;
// - a hand-made block is adopted only with `adopt`, and adoption never lowers it nor blanks its
//   public comment;
// - creates and raises above max_followed_severity are capped while follows exist, when the check
//   failed, or when it was not made at all (never suspend unchecked); a cap never lowers a block;
// - private_comment is never compared except for the marker (Garden Fence re-stamps dates);
//   public_comment only with sync_comments, and an empty one in the list never blanks a block's;
// - reject_media/reject_reports differences on a block that stays `suspend` are ignored: they mean
//   nothing for a suspension, and a PUT re-runs the whole suspension (mastodon-api.md §1.6, §7);
// - the merged list keeps children; whether one is needed here is decided against the rule its
//   nearest parent will really have on this destination after the plan (a hand-made looser
//   parent, a capped parent, a parent deleted or lowered, a parent that cannot exist here such as
//   the destination's own domain's parent). A new child the parent's rule already covers is
//   skipped; any child written takes the parent's severity and reject flags where those are
//   stricter, so it never loosens its subdomain and Mastodon accepts it (block-rules.ts);
// - an owned block still in the list is never deleted, whatever its parent does.
import type { BlockFields, DomainBlock, Plan, PlanEntry, StoredBlock } from '../model.js';
import {
  byDomain,
  capSeverity,
  covers,
  depth,
  describeRule,
  exclusionReason,
  isManaged,
  parentDomains,
  withParentRule,
  wouldLower,
  type Rule,
} from './block-rules.js';
import type { DestinationPolicy } from './destination-policy.js';
import { capReason, followCap, type FollowCheckResult } from './follow-cap.js';
import { diffFields, keepSuspensionFlags, targetFields } from './target-fields.js';

// The rules and helpers used to live here; callers may still import them from the planner.
export { defaultDestinationPolicy, type DestinationPolicy } from './destination-policy.js';
export { capReason, followCap, NOT_CHECKED, type FollowCheckResult } from './follow-cap.js';
export { diffFields, targetFields } from './target-fields.js';
export { byDomain, capSeverity, covers, exclusionReason, isManaged, isOwnDomainOrParent, parentDomains, withParentRule, wouldLower, type Rule } from './block-rules.js';
/** Mastodon's `DomainBlock#stricter_than?` (mastodon-api.md §1.5); one implementation, shared with the file store. */
export { isStricter as stricterThan } from './stricter.js';

export interface PlanSyncInput {
  desired: DomainBlock[];
  current: StoredBlock[];
  policy: DestinationPolicy;
  follow: Map<string, FollowCheckResult>;
  holdDeletes: string[];
  now?: string;
  storeFingerprint: string;
}

const joinReasons = (...rs: (string | undefined | false)[]): string | undefined => {
  const out = rs.filter((r): r is string => typeof r === 'string' && r !== '');
  return out.length === 0 ? undefined : out.join('; ');
};

function entry(e: PlanEntry): PlanEntry {
  // Drop undefined keys so plans compare and serialise cleanly.
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (v !== undefined) out[k] = v;
  return out as unknown as PlanEntry;
}

/** What taking the parent's rule changed, in words, or undefined when it changed nothing. */
function parentRuleReason(before: Rule, after: Rule, parent: { domain: string; rule: Rule }): string | undefined {
  const added: string[] = [];
  if (after.severity !== before.severity) added.push(`severity ${after.severity}`);
  if (after.severity !== 'suspend') {
    if (after.reject_media && !before.reject_media) added.push('reject_media');
    if (after.reject_reports && !before.reject_reports) added.push('reject_reports');
  }
  if (added.length === 0) return undefined;
  return `${added.join(' and ')} from parent ${parent.domain} (${describeRule(parent.rule)}), so the subdomain is not loosened`;
}

export function planSync(input: PlanSyncInput): Plan {
  const { policy, follow } = input;
  const entries: PlanEntry[] = [];
  const currentBy = new Map<string, StoredBlock>();
  for (const c of input.current) if (!currentBy.has(c.domain)) currentBy.set(c.domain, c);
  const desiredBy = new Map<string, DomainBlock>();
  for (const d of input.desired) if (!desiredBy.has(d.domain)) desiredBy.set(d.domain, d);

  /** The rule each domain will have on the store after this plan. */
  const after = new Map<string, Rule>();
  const parentRule = (domain: string): { domain: string; rule: Rule } | undefined => {
    const p = parentDomains(domain).find((x) => after.has(x));
    return p === undefined ? undefined : { domain: p, rule: after.get(p)! };
  };

  // 1. Blocks the list does not want here. Their fate does not depend on any parent: hand-made
  //    ones stay; owned ones go, unless removal is off or held.
  for (const c of currentBy.values()) {
    const d = desiredBy.get(c.domain);
    const excluded = d === undefined ? undefined : exclusionReason(c.domain, policy);
    if (d !== undefined && excluded === undefined) continue;
    if (!isManaged(c, policy)) {
      after.set(c.domain, c);
      if (excluded !== undefined) entries.push(entry({ action: 'skip', domain: c.domain, reason: excluded, current: c }));
      // Hand-made and not in the list: not fediblock's business (summarizePlan counts them).
    } else if (!policy.remove) {
      after.set(c.domain, c);
      entries.push(entry({ action: 'skip', domain: c.domain, reason: joinReasons(excluded, 'remove = false'), current: c }));
    } else if (input.holdDeletes.length > 0) {
      after.set(c.domain, c);
      entries.push(entry({ action: 'skip', domain: c.domain, reason: joinReasons(excluded, `deletion held: ${input.holdDeletes.join('; ')}`), current: c }));
    } else {
      entries.push(entry({ action: 'delete', domain: c.domain, reason: excluded ?? 'no longer in the merged list', current: c }));
    }
  }

  // 2. Wanted domains, parents before children, each against its nearest parent's final rule.
  const wanted: DomainBlock[] = [];
  for (const d of desiredBy.values()) {
    const excluded = exclusionReason(d.domain, policy);
    if (excluded === undefined) wanted.push(d);
    else if (!currentBy.has(d.domain)) entries.push(entry({ action: 'skip', domain: d.domain, reason: excluded }));
  }
  wanted.sort((a, b) => depth(a.domain) - depth(b.domain) || byDomain(a, b));

  for (const d of wanted) {
    const c = currentBy.get(d.domain);
    const severity = capSeverity(d.severity, policy.max_severity);
    const parent = parentRule(d.domain);
    const cap = followCap(d.domain, severity, c?.severity, policy, follow);
    const listed = targetFields(c, d, cap?.to ?? severity, policy);
    const target: BlockFields = keepSuspensionFlags(c, withParentRule(listed, parent?.rule));
    let adopting = false;
    if (c !== undefined && !isManaged(c, policy)) {
      if (!policy.adopt) {
        after.set(c.domain, c);
        entries.push(entry({ action: 'skip', domain: d.domain, reason: 'hand-made; set adopt = true to manage it', current: c }));
        continue;
      }
      // Judged against what would really be written: a follow cap can turn a raise into a lowering
      // (a capped suspend drops the hand-made block's reject flags).
      if (wouldLower(c, target)) {
        after.set(c.domain, c);
        entries.push(entry({ action: 'skip', domain: d.domain, reason: 'hand-made block is stricter than the list; left as is', current: c }));
        continue;
      }
      adopting = true;
    }
    if (c === undefined && parent !== undefined && covers(parent.rule, listed)) {
      // Covered only because a follow cap lowered it to the parent's level: the cap is why it is
      // not at its listed severity, so the plan says so (I2, fuzz seed 11).
      const covered = `covered by parent ${parent.domain} (${describeRule(parent.rule)})`;
      entries.push(entry({ action: 'skip', domain: d.domain, reason: joinReasons(cap && capReason(cap), covered), cap }));
      continue;
    }
    after.set(d.domain, target);
    const reason = joinReasons(adopting && 'adopting hand-made block', cap && capReason(cap), parent && parentRuleReason(listed, target, parent));
    if (c === undefined) {
      entries.push(entry({ action: 'create', domain: d.domain, reason, desired: target, cap }));
      continue;
    }
    if (input.holdDeletes.length > 0 && !adopting && wouldLower(c, target)) {
      // A stale or shrunk source holds lowerings like deletions (issue 9, I3): the list it stands
      // for may be the one that would keep this block as strict as it is.
      after.set(c.domain, c);
      entries.push(entry({ action: 'skip', domain: d.domain, reason: `lowering held: ${input.holdDeletes.join('; ')}`, current: c }));
      continue;
    }
    const changes = diffFields(c, target);
    if (Object.keys(changes).length === 0) entries.push(entry({ action: 'unchanged', domain: d.domain, reason, current: c, cap }));
    else entries.push(entry({ action: 'update', domain: d.domain, reason, desired: target, current: c, changes, cap }));
  }

  entries.sort(byDomain);
  return {
    version: 1,
    destination: policy.domain,
    created_at: input.now ?? new Date().toISOString(),
    store_fingerprint: input.storeFingerprint,
    entries,
    holds: [...input.holdDeletes],
  };
}

