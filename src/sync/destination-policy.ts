// What a destination's [[destination]] settings mean to the planner, with decisions.md's defaults.
import type { OptionalField, Severity } from '../model.js';
import { DEFAULT_MARKER } from './ownership.js';

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
