// Which domains need a follow check (admin measures) before planning, so the caller queries only
// those (issue 3: "Query only the domains that need it"). Pure: the caller does the requests and
// hands the results to planSync as a Map<domain, FollowCheckResult>.
//
// A domain needs a check when the plan may create or raise it above max_followed_severity: its
// desired severity (after max_severity) is above that, and its current block, if any, is below the
// desired severity. Entries currently capped are therefore re-checked on every run, so the cap is
// lifted once the follows are gone; a no-change re-run checks nothing. The set is a superset of
// what planSync will need: a new child is left out only when a parent rule that certainly exists
// after the plan (block-rules.ts `covers`) already does everything the child would.
import { minSeverity, severityRank, type DomainBlock, type StoredBlock } from '../model.js';
import { capSeverity, covers, exclusionReason, isManaged, parentDomains, wouldLower, type Rule } from './block-rules.js';
import type { DestinationPolicy } from './destination-policy.js';
import { targetFields } from './target-fields.js';

export type { FollowCheckResult } from './follow-cap.js';

export function domainsNeedingFollowCheck(desired: DomainBlock[], current: StoredBlock[], policy: DestinationPolicy): string[] {
  const mf = severityRank(policy.max_followed_severity);
  const currentBy = new Map<string, StoredBlock>();
  for (const c of current) if (!currentBy.has(c.domain)) currentBy.set(c.domain, c);
  const desiredBy = new Map<string, DomainBlock>();
  for (const d of desired) if (!desiredBy.has(d.domain) && exclusionReason(d.domain, policy) === undefined) desiredBy.set(d.domain, d);

  // The least strict each existing rule can be after the plan, whatever the follow checks say:
  // hand-made blocks stay (adoption never lowers them); owned blocks still wanted end at least at
  // the lower of now and the list; owned blocks not wanted may be deleted, so they cover nothing.
  const floor = new Map<string, Rule>();
  for (const c of currentBy.values()) {
    if (!isManaged(c, policy)) {
      floor.set(c.domain, c);
      continue;
    }
    const d = desiredBy.get(c.domain);
    if (d === undefined) continue;
    const t = targetFields(c, d, capSeverity(d.severity, policy.max_severity), policy);
    floor.set(c.domain, {
      severity: minSeverity(c.severity, t.severity),
      reject_media: c.reject_media && t.reject_media,
      reject_reports: c.reject_reports && t.reject_reports,
    });
  }

  const out: string[] = [];
  for (const d of desiredBy.values()) {
    const severity = capSeverity(d.severity, policy.max_severity);
    if (severityRank(severity) <= mf) continue;
    const c = currentBy.get(d.domain);
    if (c !== undefined) {
      if (!isManaged(c, policy)) {
        if (!policy.adopt) continue;
        if (wouldLower(c, targetFields(c, d, severity, policy))) continue;
      }
      if (severityRank(c.severity) >= severityRank(severity)) continue;
      out.push(d.domain);
      continue;
    }
    // A new block: skipped when a parent rule certainly covers it. Only trust the most specific
    // parent that could exist after the plan; if a longer one might appear, check anyway.
    const candidate = parentDomains(d.domain).find((p) => floor.has(p) || desiredBy.has(p) || currentBy.has(p));
    const rule = candidate === undefined ? undefined : floor.get(candidate);
    if (rule !== undefined && covers(rule, targetFields(undefined, d, severity, policy))) continue;
    out.push(d.domain);
  }
  return out.sort();
}
