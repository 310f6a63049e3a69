// Fits a plan to what its destination can express (Store capabilities), so the planner itself
// stays software-blind: planSync plans as for a destination that can hold anything, then this
// module turns every entry the destination cannot hold into a listed, never-written skip, and
// says which fields it left out. Pure.
//
// Choices (decisions.md "Other destinations"; where it is silent, what an admin would expect):
// - a create or update at a severity the destination lacks (GoToSocial's silence and noop) is
//   "unsupported here"; an owned block the list lowered to such a severity is kept as it is,
//   since removing it would loosen more than the list asks;
// - with no follow-check API and follow_checks on, a suspend is capped like an unchecked one, and
//   the plan says the destination cannot check rather than that a check failed;
// - without in-place updates (GoToSocial before 0.19) an update is listed with a notice, not sent.
import type { BlockFields, DomainBlock, OptionalField, Plan, PlanEntry } from '../model.js';
import type { DestinationPolicy } from './destination-policy.js';
import { capReason } from './follow-cap.js';
import type { StoreCapabilities } from './store.js';

/** The follow-check "error" for a destination that has no way to check (see planDestination). */
export const NO_FOLLOW_API = 'this destination has no follow-check API';

/** The policy with the fields the destination cannot hold taken out of what fediblock manages. */
export function policyForCapabilities(policy: DestinationPolicy, caps: StoreCapabilities): DestinationPolicy {
  const keeps = (f: OptionalField): boolean =>
    f === 'public_comment' || f === 'private_comment' ? caps.comments.includes(f) : caps.flags.includes(f);
  const fields = policy.fields.filter(keeps);
  return fields.length === policy.fields.length ? policy : { ...policy, fields };
}

function expressible(d: BlockFields, caps: StoreCapabilities): string | undefined {
  if (!caps.severities.includes(d.severity)) return `${d.severity} cannot be expressed (this destination holds ${caps.severities.join(', ')} only)`;
  if (d.severity === 'noop' && !caps.bareNoop) {
    const flags = (['reject_media', 'reject_reports'] as const).filter((f) => d[f] && caps.flags.includes(f));
    if (flags.length === 0) return 'a noop without reject_media or reject_reports has no form here';
  }
  return undefined;
}

/** Sentences for the fields a desired block asks for and the destination cannot hold. */
function droppedFields(d: DomainBlock | undefined, fields: OptionalField[], caps: StoreCapabilities): string[] {
  if (d === undefined) return [];
  const out: string[] = [];
  if (fields.includes('obfuscate') && d.obfuscate && !caps.flags.includes('obfuscate')) out.push('obfuscate has no place here (not written)');
  if (fields.includes('private_comment') && d.private_comment !== '' && !caps.comments.includes('private_comment')) out.push('the private comment has no place here (not written)');
  if (d.severity !== 'suspend') {
    for (const f of ['reject_media', 'reject_reports'] as const) if (fields.includes(f) && d[f] && !caps.flags.includes(f)) out.push(`${f} cannot be expressed here (not written)`);
  }
  if (fields.includes('public_comment') && d.public_comment !== '' && !caps.comments.includes('public_comment')) out.push('the public comment has no place here (not written)');
  return out;
}

const join = (...rs: (string | undefined)[]): string | undefined => {
  const out = rs.filter((r): r is string => r !== undefined && r !== '');
  return out.length ? out.join('; ') : undefined;
};

function clean(e: PlanEntry): PlanEntry {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (v !== undefined) out[k] = v;
  return out as unknown as PlanEntry;
}

export interface FitOptions {
  /** The merged list the plan was made from (for the fields it asked for). */
  desired: DomainBlock[];
  /** The fields the destination's config manages before capabilities took some out. */
  fields: OptionalField[];
}

export function fitPlanToCapabilities(plan: Plan, caps: StoreCapabilities, opts: FitOptions): Plan {
  const desiredBy = new Map<string, DomainBlock>();
  for (const d of opts.desired) if (!desiredBy.has(d.domain)) desiredBy.set(d.domain, d);
  const notes = new Map<string, string[]>();
  const entries = plan.entries.map((e) => {
    let reason = e.reason;
    if (e.cap?.error === NO_FOLLOW_API && reason !== undefined) {
      reason = reason.replace(capReason(e.cap), `no follow-check API here, so no suspend is made unchecked (set follow_checks = false to accept that); capped at ${e.cap.to}`);
    }
    if ((e.action !== 'create' && e.action !== 'update') || e.desired === undefined) return reason === e.reason ? e : clean({ ...e, reason });
    const unsupported = expressible(e.desired, caps);
    if (unsupported !== undefined) {
      const kept = e.action === 'update' ? 'the current block is kept as it is' : undefined;
      return clean({ action: 'skip', domain: e.domain, reason: join(reason, `unsupported here: ${unsupported}`, kept), current: e.current, cap: e.cap });
    }
    if (e.action === 'update' && !caps.updates) {
      const what = Object.keys(e.changes ?? {}).join(', ');
      return clean({
        action: 'skip',
        domain: e.domain,
        reason: join(reason, `this destination cannot change a block in place${caps.label ? ` (${caps.label})` : ''}; ${what || 'the change'} not written`),
        current: e.current,
        cap: e.cap,
      });
    }
    const dropped = droppedFields(desiredBy.get(e.domain), opts.fields, caps);
    for (const n of dropped) notes.set(n, [...(notes.get(n) ?? []), e.domain]);
    return clean({ ...e, reason: join(reason, ...dropped) });
  });
  if (notes.size === 0) return { ...plan, entries };
  return { ...plan, entries, notes: [...notes].map(([n, ds]) => `${n}: ${ds.length > 10 ? `${ds.slice(0, 10).join(', ')} …and ${ds.length - 10} more` : ds.join(', ')}`) };
}
