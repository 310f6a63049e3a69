// Plans one destination: list its blocks, run the follow checks the plan needs, plan, check brakes.
import pLimit from 'p-limit';
import type { DestinationConfig, LoadedConfig } from '../config/index.js';
import type { DomainBlock, OptionalField, Plan, StoredBlock } from '../model.js';
import { checkBrakes } from '../sync/check-brakes.js';
import type { ListChange } from '../sync/list-change.js';
import { domainsNeedingFollowCheck } from '../sync/follow-checks.js';
import type { FollowCheckResult } from '../sync/follow-cap.js';
import { storeFingerprint } from '../sync/fingerprint.js';
import type { DestinationPolicy } from '../sync/destination-policy.js';
import { planSync } from '../sync/plan-sync.js';
import { NO_FOLLOW_API, fitPlanToCapabilities, policyForCapabilities } from '../sync/fit-capabilities.js';
import { sayInterimWrites } from '../sync/order-writes.js';
import { capabilitiesOf, type Store } from '../sync/store.js';
import { getLogger } from '../log.js';
import { interruptSignal } from './interrupt.js';

export type BrakeResult = ReturnType<typeof checkBrakes>;

export interface DestinationPlan {
  plan: Plan;
  current: StoredBlock[];
  brakes: BrakeResult;
  policy: DestinationPolicy;
  followChecks: number;
}

export function policyOf(dest: DestinationConfig, fields: OptionalField[], allow: Iterable<string>, ownAll = false): DestinationPolicy {
  return {
    domain: dest.domain,
    max_severity: dest.max_severity,
    max_followed_severity: dest.max_followed_severity,
    remove: dest.remove,
    adopt: dest.adopt,
    marker: dest.marker,
    sync_comments: dest.sync_comments,
    fields,
    own_all: ownAll,
    allow: [...allow],
    brake_delete: dest.brake_delete,
    brake_create: dest.brake_create,
    brake_min_owned: dest.brake_min_owned,
  };
}

export async function planDestination(
  store: Store,
  live: boolean,
  desired: DomainBlock[],
  policy: DestinationPolicy,
  holds: string[],
  concurrency: number,
  opts: { followChecks?: boolean; /** How the sources changed since the destination was last synced (undefined: no state yet). */ change?: ListChange } = {},
): Promise<DestinationPlan> {
  const caps = capabilitiesOf(store);
  const configured = policy;
  policy = policyForCapabilities(policy, caps);
  const current = await store.list();
  const follow = new Map<string, FollowCheckResult>();
  const need = domainsNeedingFollowCheck(desired, current, policy);
  let followChecks = 0;
  if (need.length && live && store.followCounts) {
    const log = await getLogger();
    const limit = pLimit(concurrency);
    const counts = store.followCounts.bind(store);
    let notAsked = 0;
    await Promise.all(
      need.map((d) =>
        limit(async () => {
          followChecks++;
          try {
            follow.set(d, await counts(d));
          } catch (e) {
            // SIGTERM/SIGINT ends the run, not just this check.
            if (interruptSignal().aborted) throw interruptSignal().reason as Error;
            // Never abort the run over a follow check: cap the domain and say why (FediBlockHole #79).
            const message = e instanceof Error ? e.message : String(e);
            follow.set(d, { error: message });
            // A refused token is reported once (by the check that was refused), then counted.
            if ((e as { refusedEarlier?: unknown }).refusedEarlier === true) notAsked++;
            else log.warn({ event: 'follow_check_failed', destination: policy.domain, domain: d }, `follow check for ${d} failed; capped at ${policy.max_followed_severity} to be safe: ${message}`);
          }
        }),
      ),
    );
    if (notAsked) {
      log.warn({ event: 'follow_checks_refused', destination: policy.domain, domains: notAsked }, `${notAsked} more follow checks not made (the token was refused); those domains are capped at ${policy.max_followed_severity} too`);
    }
  } else if (need.length && live && !caps.followChecks) {
    // decisions.md: with follow_checks = true (the default) nothing is suspended unchecked where
    // follows cannot be checked; follow_checks = false accepts unchecked suspends.
    for (const d of need) follow.set(d, opts.followChecks === false ? { follows: 0, followers: 0 } : { error: NO_FOLLOW_API });
  } else if (need.length) {
    // A file cannot tell who follows whom; the cap applies to live instances only.
    for (const d of need) follow.set(d, { follows: 0, followers: 0 });
  }
  const planned = planSync({ desired, current, policy, follow, holdDeletes: holds, storeFingerprint: storeFingerprint(current) });
  const plan = sayInterimWrites(fitPlanToCapabilities(planned, caps, { desired, fields: configured.fields }), caps.writes === 'whole-setting');
  const brakes = checkBrakes(plan, current, policy, opts.change);
  return { plan, current, brakes, policy, followChecks };
}

export function selectDestinations(config: LoadedConfig, only: unknown): DestinationConfig[] {
  if (typeof only !== 'string') return config.destinations;
  const d = config.destinations.filter((x) => x.domain === only.toLowerCase());
  return d;
}
