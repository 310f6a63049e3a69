// Brakes, as octoDNS has for DNS (decisions.md "Sync behaviour"): once at least brake_min_owned
// blocks are owned, a plan deleting or lowering more than brake_delete of them, or creating or
// raising more than brake_create of their number, is refused (exit 2) unless --force.
import { severityRank, type Plan, type PlanEntry, type Severity, type StoredBlock } from '../model.js';
import { isManaged } from './block-rules.js';
import type { DestinationPolicy } from './destination-policy.js';

export interface BrakeResult {
  ok: boolean;
  /** One sentence per brake that fired, with the numbers and the way out. */
  reasons: string[];
  owned: number;
  deleting: number;
  lowering: number;
  creating: number;
  raising: number;
}

const sev = (v: unknown): number => severityRank(v as Severity);

/** -1 lowered, 1 raised, 0 same severity. */
function direction(e: PlanEntry): number {
  const c = e.changes?.severity;
  if (c === undefined) return 0;
  return Math.sign(sev(c.to) - sev(c.from));
}

const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;

export function checkBrakes(
  plan: Plan,
  current: StoredBlock[],
  policy: Pick<DestinationPolicy, 'marker' | 'own_all' | 'brake_delete' | 'brake_create' | 'brake_min_owned'>,
): BrakeResult {
  const owned = current.filter((b) => isManaged(b, policy)).length;
  let deleting = 0;
  let lowering = 0;
  let creating = 0;
  let raising = 0;
  for (const e of plan.entries) {
    if (e.action === 'delete') deleting++;
    else if (e.action === 'create') creating++;
    else if (e.action === 'update') {
      const d = direction(e);
      if (d < 0) lowering++;
      else if (d > 0) raising++;
    }
  }
  const reasons: string[] = [];
  if (owned >= policy.brake_min_owned && owned > 0) {
    const down = deleting + lowering;
    if (down / owned > policy.brake_delete) {
      reasons.push(
        `the plan for ${plan.destination} would delete ${deleting} and lower ${lowering} of the ${owned} blocks fediblock owns ` +
          `(${pct(down / owned)}, more than brake_delete = ${pct(policy.brake_delete)}); ` +
          `check the sources, then re-run with --force, or raise brake_delete in [[destination]]`,
      );
    }
    const up = creating + raising;
    if (up / owned > policy.brake_create) {
      reasons.push(
        `the plan for ${plan.destination} would create ${creating} and raise ${raising} blocks against the ${owned} fediblock owns ` +
          `(${pct(up / owned)}, more than brake_create = ${pct(policy.brake_create)}); ` +
          `check the sources, then re-run with --force, or raise brake_create in [[destination]]`,
      );
    }
  }
  return { ok: reasons.length === 0, reasons, owned, deleting, lowering, creating, raising };
}
