// Follow caps (issue 3): a create or raise above max_followed_severity waits while local accounts
// and the domain follow each other, or when that could not be checked. Never suspend unchecked.
import { maxSeverity, severityRank, type FollowCap, type Severity } from '../model.js';
import type { DestinationPolicy } from './destination-policy.js';

export type FollowCheckResult = { follows: number; followers: number } | { error: string };

export const NOT_CHECKED = 'not checked';

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** The sentence for a follow cap. */
export function capReason(cap: FollowCap): string {
  if (cap.error !== undefined) {
    return cap.error === NOT_CHECKED
      ? `follows were not checked; capped at ${cap.to} to be safe`
      : `follow check failed: ${cap.error}; capped at ${cap.to} to be safe`;
  }
  const follows = cap.follows ?? 0;
  const followers = cap.followers ?? 0;
  return (
    `${plural(follows, 'local account follows', 'local accounts follow')} accounts there, ` +
    `${followers} follow${followers === 1 ? 's' : ''} back; capped at ${cap.to} until the follows are gone`
  );
}

/**
 * The follow cap for a create (no `currentSeverity`) or a change of a managed block: only when the
 * new severity is above max_followed_severity and above the current one. A cap never lowers a block.
 */
export function followCap(
  domain: string,
  severity: Severity,
  currentSeverity: Severity | undefined,
  policy: Pick<DestinationPolicy, 'max_followed_severity'>,
  follow: Map<string, FollowCheckResult>,
): FollowCap | undefined {
  const mf = policy.max_followed_severity;
  if (severityRank(severity) <= severityRank(mf)) return undefined;
  if (currentSeverity !== undefined && severityRank(currentSeverity) >= severityRank(severity)) return undefined;
  const to = currentSeverity === undefined ? mf : maxSeverity(mf, currentSeverity);
  const r = follow.get(domain);
  if (r === undefined) return { from: severity, to, error: NOT_CHECKED };
  if ('error' in r) return { from: severity, to, error: r.error };
  if (r.follows > 0 || r.followers > 0) return { from: severity, to, follows: r.follows, followers: r.followers };
  return undefined;
}
