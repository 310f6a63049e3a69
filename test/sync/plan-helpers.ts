// Shared fixtures for the planner tests (not a test file itself).
import { emptyBlock, type DomainBlock, type Plan, type PlanEntry, type Severity, type StoredBlock } from '../../src/model.js';
import type { FollowCheckResult } from '../../src/sync/follow-checks.js';
import { defaultDestinationPolicy, planSync, type DestinationPolicy } from '../../src/sync/plan-sync.js';

export const NOW = '2026-11-25T08:00:00.000Z';
export const M = '[fediblock]';

export const policy = (o: Partial<DestinationPolicy> = {}): DestinationPolicy => defaultDestinationPolicy('my.social', o);

export const want = (domain: string, severity: Severity = 'suspend', o: Partial<DomainBlock> = {}): DomainBlock => ({
  ...emptyBlock(domain, severity),
  ...o,
});

let nextId = 1;
export const stored = (domain: string, severity: Severity, o: Partial<StoredBlock> = {}): StoredBlock => ({
  ...emptyBlock(domain, severity),
  id: String(nextId++),
  ...o,
});
/** A block fediblock owns (marker in private_comment). */
export const owned = (domain: string, severity: Severity, o: Partial<StoredBlock> = {}): StoredBlock =>
  stored(domain, severity, { private_comment: M, ...o });
/** A hand-made block (no marker). */
export const hand = (domain: string, severity: Severity, o: Partial<StoredBlock> = {}): StoredBlock =>
  stored(domain, severity, { private_comment: 'added by alice', ...o });

/** Follow checks that found nobody on any of `domains`. */
export const noFollows = (...domains: string[]): Map<string, FollowCheckResult> => new Map(domains.map((d) => [d, { follows: 0, followers: 0 }]));

/** The planner with the test policy, no follows unless given, nothing held. */
export function plan(desired: DomainBlock[], current: StoredBlock[], o: { policy?: Partial<DestinationPolicy>; follow?: Map<string, FollowCheckResult>; hold?: string[] } = {}): Plan {
  return planSync({
    desired,
    current,
    policy: policy(o.policy),
    follow: o.follow ?? noFollows(...desired.map((d) => d.domain)),
    holdDeletes: o.hold ?? [],
    now: NOW,
    storeFingerprint: 'fp',
  });
}

/** A plan's entries by domain. */
export const entriesByDomain = (p: Plan): Record<string, PlanEntry> => Object.fromEntries(p.entries.map((e) => [e.domain, e]));
