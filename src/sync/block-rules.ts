// The rules a destination's blocks obey, shared by the planner and the follow-check selection
// (which must agree on them, or a check would be skipped that the plan then needs). Pure.
//
// Mastodon applies the most specific block to a domain (`DomainBlock.rule_for`: the longest
// matching suffix), so a child block *replaces* its parent's rule for its subdomain. Two
// consequences shape everything here:
// - a child is only needed where its parent's rule does not already enforce it (`covers`);
// - a child must never be looser than its parent in any way, or writing it would loosen the
//   subdomain: it takes the parent's severity and reject flags where they are stricter
//   (`withParentRule`). That is also what Mastodon's `stricter_than?` demands of a new child.
import { maxSeverity, severityRank, type DomainBlock, type Severity, type StoredBlock } from '../model.js';
import type { DestinationPolicy } from './destination-policy.js';
import { isOwned } from './ownership.js';

/** The part of a block that decides what it does to a domain. */
export type Rule = Pick<DomainBlock, 'severity' | 'reject_media' | 'reject_reports'>;

export { parentDomains } from '../merge/parent-domains.js';

export const byDomain = (a: { domain: string }, b: { domain: string }): number =>
  a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0;

/** Labels in a domain: parents have fewer. */
export const depth = (domain: string): number => domain.split('.').length;

export const capSeverity = (s: Severity, max?: Severity): Severity =>
  max !== undefined && severityRank(s) > severityRank(max) ? max : s;

const bare = (d: string): string => d.trim().toLowerCase().replace(/\.$/, '');

/** The destination's own domain or one of its parents (blocking either would block ourselves). */
export function isOwnDomainOrParent(domain: string, own: string): boolean {
  const o = bare(own);
  return o !== '' && (domain === o || o.endsWith(`.${domain}`));
}

/** Why a desired domain can never be blocked on this destination, or undefined. */
export function exclusionReason(domain: string, policy: Pick<DestinationPolicy, 'domain' | 'allow'>): string | undefined {
  if (domain.includes('*')) return 'obfuscated entry; it cannot be blocked by name';
  if (isOwnDomainOrParent(domain, policy.domain)) return 'own domain';
  if (policy.allow?.some((a) => bare(a) === domain)) return 'allowlisted';
  return undefined;
}

/** fediblock manages this block (marker present, or the store is all fediblock's). */
export const isManaged = (b: StoredBlock, policy: Pick<DestinationPolicy, 'marker' | 'own_all'>): boolean =>
  policy.own_all === true || isOwned(b, policy.marker);

/**
 * Whether `parent`'s rule already does everything `child` would do to the child's domain. A
 * suspension does everything; otherwise the parent needs at least the severity and every reject
 * flag of the child.
 */
export function covers(parent: Rule, child: Rule): boolean {
  if (parent.severity === 'suspend') return true;
  if (child.severity === 'suspend') return false;
  return (
    severityRank(parent.severity) >= severityRank(child.severity) &&
    (parent.reject_media || !child.reject_media) &&
    (parent.reject_reports || !child.reject_reports)
  );
}

/**
 * `child` made at least as strict as `parent` in every way, so that writing it never loosens its
 * subdomain (Mastodon would apply the child's rule there instead of the parent's) and Mastodon's
 * `stricter_than?` accepts it. Reject flags mean nothing on a suspension and are left alone there
 * (changing them would make Mastodon re-run the suspension, mastodon-api.md §1.6).
 */
export function withParentRule<T extends Rule>(child: T, parent: Rule | undefined): T {
  if (parent === undefined || child.severity === 'suspend') return child;
  const severity = maxSeverity(child.severity, parent.severity);
  if (severity === 'suspend') return { ...child, severity };
  return { ...child, severity, reject_media: child.reject_media || parent.reject_media, reject_reports: child.reject_reports || parent.reject_reports };
}

/** Whether going from `current` to `target` loosens anything (severity, or a reject flag off a non-suspend). */
export function wouldLower(current: Rule, target: Rule): boolean {
  if (severityRank(target.severity) < severityRank(current.severity)) return true;
  if (target.severity === 'suspend') return false;
  return (current.reject_media && !target.reject_media) || (current.reject_reports && !target.reject_reports);
}

/** Whether going from `current` to `target` makes anything stricter (severity, or a reject flag on a non-suspend). */
export function wouldRaise(current: Rule, target: Rule): boolean {
  if (severityRank(target.severity) > severityRank(current.severity)) return true;
  if (severityRank(target.severity) < severityRank(current.severity) || target.severity === 'suspend') return false;
  return (!current.reject_media && target.reject_media) || (!current.reject_reports && target.reject_reports);
}

/** "noop + reject_media": a rule in a few words. */
export function describeRule(rule: Rule): string {
  const parts: string[] = [rule.severity];
  if (rule.severity !== 'suspend' && rule.reject_media) parts.push('reject_media');
  if (rule.severity !== 'suspend' && rule.reject_reports) parts.push('reject_reports');
  return parts.join(' + ');
}
