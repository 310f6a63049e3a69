// Brakes, as octoDNS has for DNS (decisions.md "Sync behaviour", second round): a plan that would
// delete or lower, or create or raise, a large share at once is refused (exit 2) unless --force.
//
// What is measured is how the *sources* changed since the destination was last synced (its
// state, destination-state.ts): creates and raises against the growth of the desired list,
// deletes and lowerings against its shrinkage (dropping a reject flag counts as lowering). A
// brake only fires for a kind of write the plan really makes. An instance that merely lags — an
// interrupted run, the next max_writes slice — is therefore never braked again.
//
// With no state yet (the first sync of a destination, or a cache that was wiped) there is no
// record of what the sources said before. The blocks fediblock owns on the instance are then the
// best record of it, so the plan itself is measured against their number, as before: more than
// brake_delete of them deleted or lowered, or more than brake_create of their number created or
// raised. A first sync onto an instance where fediblock owns fewer than brake_min_owned blocks is
// never braked (there is nothing yet to protect, and every block is new).
import type { Plan, PlanEntry, StoredBlock } from '../model.js';
import { isManaged, wouldLower, wouldRaise, type Rule } from './block-rules.js';
import type { DestinationPolicy } from './destination-policy.js';
import type { ListChange } from './list-change.js';

export interface BrakeResult {
  ok: boolean;
  /** One sentence per brake that fired, with the numbers and the way out. */
  reasons: string[];
  /** What was measured: the change of the sources since the last sync, or (no state yet) the plan against the owned blocks. */
  basis: 'sources' | 'owned';
  owned: number;
  deleting: number;
  lowering: number;
  creating: number;
  raising: number;
  /** The sources' change, when that was the basis. */
  change?: ListChange;
}

const ruleOf = (b: Rule): Rule => ({ severity: b.severity, reject_media: b.reject_media, reject_reports: b.reject_reports });

/** An update's direction: a change that raises one thing and drops another counts both ways. */
function direction(e: PlanEntry): { up: boolean; down: boolean } {
  if (e.current === undefined || e.desired === undefined) return { up: false, down: false };
  const from = ruleOf(e.current);
  const to = ruleOf(e.desired);
  return { up: wouldRaise(from, to), down: wouldLower(from, to) };
}

const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;

export function checkBrakes(
  plan: Plan,
  current: StoredBlock[],
  policy: Pick<DestinationPolicy, 'marker' | 'own_all' | 'brake_delete' | 'brake_create' | 'brake_min_owned'>,
  change?: ListChange,
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
      if (d.down) lowering++;
      if (d.up) raising++;
    }
  }
  const reasons: string[] = [];
  const down = deleting + lowering;
  const up = creating + raising;
  const dest = plan.destination;
  if (change !== undefined) {
    const n = change.base;
    if (n >= policy.brake_min_owned && n > 0) {
      const shrink = change.removed + change.lowered;
      if (down > 0 && shrink / n > policy.brake_delete) {
        reasons.push(
          `since ${dest} was last synced, the sources dropped ${change.removed} and lowered ${change.lowered} of its ${n} domains ` +
            `(${pct(shrink / n)}, more than brake_delete = ${pct(policy.brake_delete)}); the plan would delete ${deleting} and lower ${lowering}; ` +
            `check the sources, then re-run with --force, or raise brake_delete in [[destination]]`,
        );
      }
      const growth = change.added + change.raised;
      if (up > 0 && growth / n > policy.brake_create) {
        reasons.push(
          `since ${dest} was last synced, the sources added ${change.added} and raised ${change.raised} domains against its ${n} ` +
            `(${pct(growth / n)}, more than brake_create = ${pct(policy.brake_create)}); the plan would create ${creating} and raise ${raising}; ` +
            `check the sources, then re-run with --force, or raise brake_create in [[destination]]`,
        );
      }
    }
    return { ok: reasons.length === 0, reasons, basis: 'sources', owned, deleting, lowering, creating, raising, change };
  }
  if (owned >= policy.brake_min_owned && owned > 0) {
    if (down / owned > policy.brake_delete) {
      reasons.push(
        `the plan for ${dest} would delete ${deleting} and lower ${lowering} of the ${owned} blocks fediblock owns ` +
          `(${pct(down / owned)}, more than brake_delete = ${pct(policy.brake_delete)}); ` +
          `check the sources, then re-run with --force, or raise brake_delete in [[destination]]`,
      );
    }
    if (up / owned > policy.brake_create) {
      reasons.push(
        `the plan for ${dest} would create ${creating} and raise ${raising} blocks against the ${owned} fediblock owns ` +
          `(${pct(up / owned)}, more than brake_create = ${pct(policy.brake_create)}); ` +
          `check the sources, then re-run with --force, or raise brake_create in [[destination]]`,
      );
    }
  }
  return { ok: reasons.length === 0, reasons, basis: 'owned', owned, deleting, lowering, creating, raising };
}
