// The planner: compares the desired (merged) list with what a store holds and returns a plain,
// JSON-able plan. Pure: no I/O; follow counts come in already fetched (see follow-checks.ts).
//
// Rules (design.md "Sync: ownership and safety", decisions.md "Sync behaviour"):
// - only blocks carrying the marker (or every block, with own_all) are updated or deleted;
// - a hand-made block is adopted only with `adopt`, and adoption never lowers it;
// - creates and raises above max_followed_severity are capped while follows exist, when the check
//   failed, or when it was not made at all (never suspend unchecked); a cap never lowers a block;
// - private_comment is never compared except for the marker (Garden Fence re-stamps dates);
//   public_comment only with sync_comments;
// - reject_media/reject_reports differences on a block that stays `suspend` are ignored: they mean
//   nothing for a suspension, and a PUT re-runs the whole suspension (mastodon-api.md §1.6, §7);
// - a new block under a parent rule at least as strict is skipped (redundant, or Mastodon would 422).
import { isStricter as stricterThan } from './stricter.js';
import {
  blockFields,
  maxSeverity,
  severityRank,
  type BlockFields,
  type DomainBlock,
  type FieldChange,
  type FollowCap,
  type OptionalField,
  type Plan,
  type PlanEntry,
  type Severity,
  type StoredBlock,
} from '../model.js';
import type { FollowCheckResult } from './follow-checks.js';
import { DEFAULT_MARKER, isOwned, withMarker } from './ownership.js';

export interface DestinationPolicy {
  /** The destination's own domain: never blocked, nor any parent of it. */
  domain: string;
  /** Caps everything. */
  max_severity?: Severity;
  /** Creates and raises above this need a follow check (default 'silence'). */
  max_followed_severity: Severity;
  /** Delete owned blocks that left the merged list. */
  remove: boolean;
  /** Take over matching hand-made blocks (adds the marker). */
  adopt: boolean;
  /** Ownership tag in private_comment (default '[fediblock]'). */
  marker: string;
  /** public_comment changes count as updates when true. */
  sync_comments: boolean;
  /** Which optional fields the destination manages (export_fields). */
  fields: OptionalField[];
  /** File stores that fediblock itself publishes: every block counts as owned; no marker is written. */
  own_all?: boolean;
  /** Domains never blocked here (allowlists); merge normally removed them already. */
  allow?: string[];
  brake_delete: number;
  brake_create: number;
  brake_min_owned: number;
}

/** decisions.md defaults for a `[[destination]]`. */
export function defaultDestinationPolicy(domain: string, overrides: Partial<DestinationPolicy> = {}): DestinationPolicy {
  return {
    domain,
    max_followed_severity: 'silence',
    remove: true,
    adopt: false,
    marker: DEFAULT_MARKER,
    sync_comments: true,
    fields: ['reject_media', 'reject_reports', 'public_comment', 'obfuscate'],
    brake_delete: 0.3,
    brake_create: 0.5,
    brake_min_owned: 10,
    ...overrides,
  };
}

export interface PlanSyncInput {
  desired: DomainBlock[];
  current: StoredBlock[];
  policy: DestinationPolicy;
  follow: Map<string, FollowCheckResult>;
  holdDeletes: string[];
  now?: string;
  storeFingerprint: string;
}

/** The part of a block Mastodon's `stricter_than?` looks at. */
export type Rule = Pick<DomainBlock, 'severity' | 'reject_media' | 'reject_reports'>;

// ---- small shared helpers (follow-checks.ts and plan-restore.ts use them too) ----

export const byDomain = (a: { domain: string }, b: { domain: string }): number =>
  a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0;

export const capSeverity = (s: Severity, max?: Severity): Severity =>
  max !== undefined && severityRank(s) > severityRank(max) ? max : s;

const bare = (d: string): string => d.trim().toLowerCase().replace(/\.$/, '');

/** Parent domains, most specific first: `a.b.c` → `['b.c', 'c']`. */
export function parentDomains(domain: string): string[] {
  const out: string[] = [];
  let i = domain.indexOf('.');
  while (i !== -1) {
    out.push(domain.slice(i + 1));
    i = domain.indexOf('.', i + 1);
  }
  return out;
}

/** The destination's own domain or one of its parents (blocking either would block ourselves). */
export function isOwnDomainOrParent(domain: string, own: string): boolean {
  const o = bare(own);
  return o !== '' && (domain === o || o.endsWith(`.${domain}`));
}

/** Mastodon's `DomainBlock#stricter_than?` (mastodon-api.md §1.5); one implementation, shared with the file store. */
export { isStricter as stricterThan } from './stricter.js';

/**
 * Whether a new child block would be pointless or refused under an existing parent rule: Mastodon
 * refuses it (`!stricterThan`), or the parent is already at least as strict (an equal child is
 * accepted by Mastodon but redundant, design.md "Domain blocks").
 */
export function coveredByParent(child: Rule, parent: Rule): boolean {
  if (!stricterThan(child, parent)) return true;
  if (severityRank(parent.severity) < severityRank(child.severity)) return false;
  if (child.severity === 'suspend') return true;
  return (parent.reject_media || !child.reject_media) && (parent.reject_reports || !child.reject_reports);
}

/** Whether going from `current` to `target` loosens anything (severity, or a reject flag off a non-suspend). */
export function wouldLower(current: Rule, target: Rule): boolean {
  if (severityRank(target.severity) < severityRank(current.severity)) return true;
  if (target.severity === 'suspend') return false;
  return (current.reject_media && !target.reject_media) || (current.reject_reports && !target.reject_reports);
}

/** fediblock manages this block (marker present, or the store is all fediblock's). */
export const isManaged = (b: StoredBlock, policy: Pick<DestinationPolicy, 'marker' | 'own_all'>): boolean =>
  policy.own_all === true || isOwned(b, policy.marker);

/** Why a desired domain can never be blocked on this destination, or undefined. */
export function exclusionReason(domain: string, policy: Pick<DestinationPolicy, 'domain' | 'allow'>): string | undefined {
  if (domain.includes('*')) return 'obfuscated entry; it cannot be blocked by name';
  if (isOwnDomainOrParent(domain, policy.domain)) return 'own domain';
  if (policy.allow?.some((a) => bare(a) === domain)) return 'allowlisted';
  return undefined;
}

const FIELD_ORDER: (keyof BlockFields)[] = ['severity', 'reject_media', 'reject_reports', 'obfuscate', 'public_comment', 'private_comment'];

const fieldsOf = blockFields;

/**
 * What fediblock wants the store to hold for `d` at `severity`: a new block (no `current`) or the
 * managed `current` block with the list's values written over the fields the destination manages.
 */
export function targetFields(current: StoredBlock | undefined, d: DomainBlock, severity: Severity, policy: DestinationPolicy): BlockFields {
  const has = (f: OptionalField): boolean => policy.fields.includes(f);
  if (current === undefined) {
    const pc = has('private_comment') ? d.private_comment ?? '' : '';
    return {
      severity,
      reject_media: has('reject_media') ? d.reject_media : false,
      reject_reports: has('reject_reports') ? d.reject_reports : false,
      obfuscate: has('obfuscate') ? d.obfuscate : false,
      public_comment: has('public_comment') ? d.public_comment ?? '' : '',
      private_comment: policy.own_all === true ? pc : withMarker(pc, policy.marker),
    };
  }
  const t = fieldsOf(current);
  t.severity = severity;
  const staysSuspended = current.severity === 'suspend' && severity === 'suspend';
  if (has('reject_media') && !staysSuspended) t.reject_media = d.reject_media;
  if (has('reject_reports') && !staysSuspended) t.reject_reports = d.reject_reports;
  if (has('obfuscate')) t.obfuscate = d.obfuscate;
  if (has('public_comment') && policy.sync_comments) t.public_comment = d.public_comment ?? '';
  if (policy.own_all !== true) t.private_comment = withMarker(t.private_comment, policy.marker);
  return t;
}

/** Field-by-field differences, only for fields that differ. */
export function diffFields(from: BlockFields, to: BlockFields): Partial<Record<keyof BlockFields, FieldChange>> {
  const a = fieldsOf(from);
  const out: Partial<Record<keyof BlockFields, FieldChange>> = {};
  for (const k of FIELD_ORDER) if (a[k] !== to[k]) out[k] = { from: a[k], to: to[k] };
  return out;
}

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

export const NOT_CHECKED = 'not checked';

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

export function planSync(input: PlanSyncInput): Plan {
  const { policy, follow } = input;
  const entries: PlanEntry[] = [];
  const currentBy = new Map<string, StoredBlock>();
  for (const c of input.current) if (!currentBy.has(c.domain)) currentBy.set(c.domain, c);
  const desiredBy = new Map<string, DomainBlock>();
  for (const d of input.desired) if (!desiredBy.has(d.domain)) desiredBy.set(d.domain, d);

  /** The rules the store will hold after this plan, for the parent check of new blocks. */
  const effective = new Map<string, Rule>();
  const creates: { d: DomainBlock; severity: Severity }[] = [];

  for (const d of desiredBy.values()) {
    const c = currentBy.get(d.domain);
    const excluded = exclusionReason(d.domain, policy);
    if (excluded !== undefined) {
      if (c !== undefined && isManaged(c, policy)) continue; // removed below, like any owned block not wanted
      if (c !== undefined) effective.set(c.domain, c);
      entries.push(entry({ action: 'skip', domain: d.domain, reason: excluded, current: c }));
      continue;
    }
    const severity = capSeverity(d.severity, policy.max_severity);
    if (c === undefined) {
      creates.push({ d, severity });
      continue;
    }
    const cap = followCap(d.domain, severity, c.severity, policy, follow);
    const target = targetFields(c, d, cap?.to ?? severity, policy);
    let adopting = false;
    if (!isManaged(c, policy)) {
      if (!policy.adopt) {
        effective.set(c.domain, c);
        entries.push(entry({ action: 'skip', domain: d.domain, reason: 'hand-made; set adopt = true to manage it', current: c }));
        continue;
      }
      // Judged against what would really be written: a follow cap can turn a raise into a lowering
      // (a capped suspend drops the hand-made block's reject flags).
      if (wouldLower(c, target)) {
        effective.set(c.domain, c);
        entries.push(entry({ action: 'skip', domain: d.domain, reason: 'hand-made block is stricter than the list; left as is', current: c }));
        continue;
      }
      adopting = true;
    }
    if (input.holdDeletes.length > 0 && !adopting && wouldLower(c, target)) {
      // A stale or shrunk source holds lowerings like deletions (issue 9, I3): the list it stands
      // for may be the one that would keep this block as strict as it is.
      effective.set(c.domain, c);
      entries.push(entry({ action: 'skip', domain: d.domain, reason: `lowering held: ${input.holdDeletes.join('; ')}`, current: c }));
      continue;
    }
    const changes = diffFields(c, target);
    const reason = joinReasons(adopting && 'adopting hand-made block', cap && capReason(cap));
    effective.set(c.domain, target);
    if (Object.keys(changes).length === 0) {
      entries.push(entry({ action: 'unchanged', domain: d.domain, reason, current: c, cap }));
    } else {
      entries.push(entry({ action: 'update', domain: d.domain, reason, desired: target, current: c, changes, cap }));
    }
  }

  for (const c of currentBy.values()) {
    const wanted = desiredBy.has(c.domain) && exclusionReason(c.domain, policy) === undefined;
    if (wanted) continue;
    if (!isManaged(c, policy)) {
      // Hand-made and not in the list: not fediblock's business (summarizePlan counts them).
      effective.set(c.domain, c);
      continue;
    }
    const excluded = desiredBy.has(c.domain) ? exclusionReason(c.domain, policy) : undefined;
    if (!policy.remove) {
      effective.set(c.domain, c);
      entries.push(entry({ action: 'skip', domain: c.domain, reason: joinReasons(excluded, 'remove = false'), current: c }));
    } else if (input.holdDeletes.length > 0) {
      effective.set(c.domain, c);
      entries.push(entry({ action: 'skip', domain: c.domain, reason: joinReasons(excluded, `deletion held: ${input.holdDeletes.join('; ')}`), current: c }));
    } else {
      entries.push(entry({ action: 'delete', domain: c.domain, reason: excluded ?? 'no longer in the merged list', current: c }));
    }
  }

  // Parents before children, so a child sees the parent rules this plan creates.
  const depth = (d: string): number => d.split('.').length;
  creates.sort((a, b) => depth(a.d.domain) - depth(b.d.domain) || byDomain(a.d, b.d));
  for (const { d, severity } of creates) {
    const cap = followCap(d.domain, severity, undefined, policy, follow);
    const target = targetFields(undefined, d, cap?.to ?? severity, policy);
    const parent = parentDomains(d.domain).find((p) => effective.has(p));
    const rule = parent === undefined ? undefined : effective.get(parent);
    if (parent !== undefined && rule !== undefined && coveredByParent(target, rule)) {
      entries.push(entry({ action: 'skip', domain: d.domain, reason: `covered by parent ${parent} (${rule.severity})` }));
      continue;
    }
    effective.set(d.domain, target);
    entries.push(entry({ action: 'create', domain: d.domain, reason: cap && capReason(cap), desired: target, cap }));
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
