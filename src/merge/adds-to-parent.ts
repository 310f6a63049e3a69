// Mastodon's `DomainBlock#stricter_than?` (mastodon-api.md §1.5), minus its one quirk: Mastodon
// lets an *equal* child through, but an equal child changes nothing (`rule_for` would just pick
// an identical rule), so for the merged list it is redundant.
import { severityRank, type DomainBlock } from '../model.js';

type Rule = Pick<DomainBlock, 'severity' | 'reject_media' | 'reject_reports'>;

/** True when a child block with `child`'s rule does more than its parent's rule already does. */
export function addsToParent(child: Rule, parent: Rule): boolean {
  // A suspension already rejects media and reports, so only severity matters around suspend.
  if (parent.severity === 'suspend') return false;
  if (child.severity === 'suspend') return true;
  const c = severityRank(child.severity);
  const p = severityRank(parent.severity);
  if (c < p) return false;
  // Mastodon refuses a child that drops a reject the parent has, whatever its severity.
  if ((parent.reject_media && !child.reject_media) || (parent.reject_reports && !child.reject_reports)) return false;
  const addsFlag = (child.reject_media && !parent.reject_media) || (child.reject_reports && !parent.reject_reports);
  return c > p || addsFlag;
}
