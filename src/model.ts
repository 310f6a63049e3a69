// The shared vocabulary of every stage: sources → merge → plan → apply.
// Plain data only (JSON-serialisable), so plans and merge results can be printed, saved and
// asserted on as they are. (A parsed source may also carry its rows in columns, not enumerable.)
import type { BlockColumns } from './sources/block-columns.js';

export const SEVERITIES = ['noop', 'silence', 'suspend'] as const;
export type Severity = (typeof SEVERITIES)[number];

const RANK: Record<Severity, number> = { noop: 0, silence: 1, suspend: 2 };
export const severityRank = (s: Severity): number => RANK[s];
export const maxSeverity = (a: Severity, b: Severity): Severity => (RANK[a] >= RANK[b] ? a : b);
export const minSeverity = (a: Severity, b: Severity): Severity => (RANK[a] <= RANK[b] ? a : b);
export const isSeverity = (s: string): s is Severity => s === 'noop' || s === 'silence' || s === 'suspend';

/** Boolean fields a block carries besides its severity. */
export const FLAG_FIELDS = ['reject_media', 'reject_reports', 'obfuscate'] as const;
export type FlagField = (typeof FLAG_FIELDS)[number];

/** Fields a source may contribute beyond domain and severity (`import_fields`/`export_fields`). */
export const OPTIONAL_FIELDS = ['public_comment', 'private_comment', 'reject_media', 'reject_reports', 'obfuscate'] as const;
export type OptionalField = (typeof OPTIONAL_FIELDS)[number];

export interface DomainBlock {
  /** Normalised: lowercase ASCII (punycode), no trailing dot. Contains `*` only when obfuscated. */
  domain: string;
  severity: Severity;
  reject_media: boolean;
  reject_reports: boolean;
  obfuscate: boolean;
  /** '' when the source had none. */
  public_comment: string;
  private_comment: string;
  /** SHA-256 hex of the real domain, when the source gave one (Mastodon's public list). */
  digest?: string;
}

export const emptyBlock = (domain: string, severity: Severity = 'suspend'): DomainBlock => ({
  domain,
  severity,
  reject_media: false,
  reject_reports: false,
  obfuscate: false,
  public_comment: '',
  private_comment: '',
});

/** A row that could not become a block. `line` is 1-based in the source text (0 when unknown). */
export interface Reject {
  source: string;
  line: number;
  reason: string;
  /** The offending value, shortened, for the message. */
  value?: string;
  /** Where, when a line means nothing (a FIRES change: `change <uuid>`). */
  at?: string;
}

/** Something worth telling the admin that is not an error (canary dropped, duplicate header…). */
export interface Notice {
  source: string;
  line?: number;
  /** Where, when a line means nothing (a FIRES change: `change <uuid>`). */
  at?: string;
  message: string;
}

/** The record that decided what a source says about a domain: for FIRES, the latest change. */
export interface SourceEvidence {
  kind: 'fires';
  /** Recommendation, Advisory, Retraction. */
  type: string;
  policy?: string;
  filters?: string[];
  /** Label names (or the label URL's last segment). */
  labels: string[];
  published?: string;
  /** The change's id (URL). */
  change: string;
}

export interface ParseResult {
  blocks: DomainBlock[];
  /** The same rows in columns, when the parser made them (the merge reads these; `blocks` is then made on first read). */
  columns?: BlockColumns | undefined;
  rejects: Reject[];
  notices: Notice[];
  /** Data rows seen (blocks + rejects + dropped rows such as canaries), for the reject ratio. */
  rows: number;
}

export const LIST_FORMATS = ['csv', 'mastodon_csv', 'json', 'rapidblock_json', 'rapidblock_csv', 'text', 'mastodon_api', 'fediseer'] as const;
export type ListFormat = (typeof LIST_FORMATS)[number];

/** How a source's latest fetch went; anything but `fresh` holds deletions (design.md). */
export type SourceStatus = 'fresh' | 'stale' | 'shrunk' | 'failed';

/** One source after fetching and parsing: the merge's input. */
export interface SourceList {
  /** Position in the config; provenance refers to sources by this index. */
  index: number;
  name: string;
  blocks: DomainBlock[];
  /** The same rows in columns (see ParseResult). */
  columns?: BlockColumns | undefined;
  /** Cap applied to this source's severities before merging. */
  max_severity?: Severity;
  /** Which optional fields this source contributes; undefined = the merge's import_fields. */
  import_fields?: OptionalField[];
  status: SourceStatus;
  /** Per domain, the record that decided it (FIRES sources), for `explain`. */
  evidence?: Record<string, SourceEvidence>;
}

export type MergePlan = 'max' | 'min';

export interface MergeSettings {
  plan: MergePlan;
  threshold: { type: 'count' | 'pct'; value: number };
  import_fields: OptionalField[];
  /** Normalised allowlisted domains (lists, --allow, the destination's own domain). */
  allow: Set<string>;
}

export interface MergedBlock extends DomainBlock {
  /** Indexes (SourceList.index) of the sources that named this domain, in config order. */
  sources: number[];
}

export type DropReason = 'threshold' | 'allowlist' | 'redundant' | 'obfuscated';

export interface DroppedDomain {
  domain: string;
  reason: DropReason;
  detail: string;
}

export interface MergeResult {
  /** Sorted by domain (byte order), deterministic. */
  blocks: MergedBlock[];
  dropped: DroppedDomain[];
  sourceCount: number;
}

/** A block as a store (Mastodon instance, snapshot file) holds it. */
export interface StoredBlock extends DomainBlock {
  id: string;
  created_at?: string;
}

export type PlanAction = 'create' | 'update' | 'delete' | 'unchanged' | 'skip';

export type BlockFields = Omit<DomainBlock, 'domain' | 'digest'>;

/** A block's own fields in a fixed order, comments never missing: what plans compare and stores write. */
export const blockFields = (b: BlockFields): BlockFields => ({
  severity: b.severity,
  reject_media: b.reject_media,
  reject_reports: b.reject_reports,
  obfuscate: b.obfuscate,
  public_comment: b.public_comment ?? '',
  private_comment: b.private_comment ?? '',
});

export interface FieldChange<T = unknown> {
  from: T;
  to: T;
}

export interface FollowCap {
  from: Severity;
  to: Severity;
  /** Local accounts following accounts on the domain (instance_follows). */
  follows?: number;
  /** Accounts on the domain following local accounts (instance_followers). */
  followers?: number;
  /** Set when the check failed and the cap was applied to be safe. */
  error?: string;
}

export interface PlanEntry {
  action: PlanAction;
  domain: string;
  /** Why: for skips, holds and caps, a sentence an admin can act on. */
  reason?: string;
  /** What the store should hold after this entry (create/update). */
  desired?: BlockFields;
  /** The store's block before (update/delete/unchanged/skip of an existing block). */
  current?: StoredBlock;
  changes?: Partial<Record<keyof BlockFields, FieldChange>>;
  cap?: FollowCap;
  /** Create/update/delete: names of the sources that named the domain, config order (the journal records why). */
  sources?: string[];
  /** Create/update/delete: the merge rule that decided it, e.g. "max plan", or why the merge left it out. */
  rule?: string;
}

export interface Plan {
  version: 1;
  destination: string;
  created_at: string;
  /** Hash of the store's blocks when planned; `apply` refuses if the store changed since. */
  store_fingerprint: string;
  entries: PlanEntry[];
  /** Why deletions are held this run (stale/shrunk/failed sources), empty when none. */
  holds: string[];
  /** Sources or allowlists that had failed with no usable copy when the plan was made: `apply` refuses such a plan. */
  failed_sources?: string[];
  /** What the destination could not express of the writes planned (fields left out), grouped; absent when nothing. */
  notes?: string[];
}
