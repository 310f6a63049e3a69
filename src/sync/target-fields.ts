// What fediblock wants a store to hold for one domain, and how that differs from what it holds.
import { blockFields, type BlockFields, type DomainBlock, type FieldChange, type OptionalField, type Severity, type StoredBlock } from '../model.js';
import type { DestinationPolicy } from './destination-policy.js';
import { withMarker } from './ownership.js';

const FIELD_ORDER: (keyof BlockFields)[] = ['severity', 'reject_media', 'reject_reports', 'obfuscate', 'public_comment', 'private_comment'];

/**
 * What fediblock wants the store to hold for `d` at `severity`: a new block (no `current`) or the
 * `current` block (managed, or being adopted) with the list's values written over the fields the
 * destination manages.
 *
 * On an instance, a list without a public comment never blanks one a block already has (issue 14
 * item 11): an adopted block keeps the admin's words, and so does a block whose source dropped its
 * reason. The marker is appended once.
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
  const t = blockFields(current);
  t.severity = severity;
  const staysSuspended = current.severity === 'suspend' && severity === 'suspend';
  if (has('reject_media') && !staysSuspended) t.reject_media = d.reject_media;
  if (has('reject_reports') && !staysSuspended) t.reject_reports = d.reject_reports;
  if (has('obfuscate')) t.obfuscate = d.obfuscate;
  const listComment = d.public_comment ?? '';
  // A published file (own_all) is the list itself: there an empty comment is the list's value.
  if (has('public_comment') && policy.sync_comments && (listComment !== '' || policy.own_all === true)) t.public_comment = listComment;
  if (policy.own_all !== true) t.private_comment = withMarker(t.private_comment, policy.marker);
  return t;
}

/**
 * A block that is a suspension and stays one keeps its own reject flags: they mean nothing for a
 * suspension, and a PUT re-runs the whole suspension (mastodon-api.md §1.6, §7). Applied after a
 * parent's rule has raised the target, so a child raised to suspend by its parent is judged the
 * same way (an adopted hand-made suspend once lost its reject_reports that way: I1).
 */
export function keepSuspensionFlags<T extends BlockFields>(current: StoredBlock | undefined, target: T): T {
  if (current === undefined || current.severity !== 'suspend' || target.severity !== 'suspend') return target;
  return { ...target, reject_media: current.reject_media, reject_reports: current.reject_reports };
}

/** Field-by-field differences, only for fields that differ. */
export function diffFields(from: BlockFields, to: BlockFields): Partial<Record<keyof BlockFields, FieldChange>> {
  const a = blockFields(from);
  const out: Partial<Record<keyof BlockFields, FieldChange>> = {};
  for (const k of FIELD_ORDER) if (a[k] !== to[k]) out[k] = { from: a[k], to: to[k] };
  return out;
}
