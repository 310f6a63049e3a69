// The loaded configuration: plain data, every default applied, every path absolute, durations in
// ms and sizes in bytes. Field names follow the config keys (snake_case) where there is one.
import type { ListFormat, MergePlan, OptionalField, Severity } from '../model.js';
import type { ListLocation, SourceLocation } from './locations.js';
import type { AllowlistFormat, OutputFormat, SourceFormat } from './schema.js';

export type ConfigMode = 'native' | 'fediblockhole';

/** What resolveToken needs; paths in it are absolute. */
export interface TokenSpec {
  domain: string;
  token_env?: string;
  token_file?: string;
  /** Written inline in the config (warned about by resolveToken when the file is readable by others). */
  token?: string;
}

export interface SourceConfig {
  /** 0-based position among [[source]]; SourceList.index. */
  index: number;
  /** Unique among sources: given, else derived from the file/URL name or instance host. */
  name: string;
  location: SourceLocation;
  /** `mastodon_api` for instance sources. */
  format: SourceFormat | Extract<ListFormat, 'mastodon_api'>;
  /**
   * What entries without a severity of their own are read as (plain lists, Fediseer censures);
   * undefined = suspend. A Fediseer hesitations source always has `silence` here.
   */
  severity?: Severity;
  max_severity?: Severity;
  /** Undefined: use merge.import_fields. */
  import_fields?: OptionalField[];
  /** Instance sources, and Fediseer sources (the `apikey` header). */
  auth?: TokenSpec;
  /** Base64 Ed25519 public key; URL sources only. */
  verify_key?: string;
}

export interface AllowlistConfig {
  index: number;
  name: string;
  location: ListLocation;
  format: AllowlistFormat;
}

export type DestinationStore = { kind: 'api'; apiBase: string } | { kind: 'file'; path: string };

export type DestinationSoftware = 'auto' | 'mastodon' | 'gotosocial' | 'akkoma' | 'pleroma';

export interface DestinationConfig {
  index: number;
  /** Normalised host; also always allowlisted for this destination. */
  domain: string;
  store: DestinationStore;
  auth: TokenSpec;
  /** announce_token_env / announce_token_file: the write:statuses token for `announce --post`. */
  announce_auth?: TokenSpec;
  /** Server software of an api destination; "auto" detects it (instance API, then nodeinfo). */
  software: DestinationSoftware;
  /** Without a follow-check API: true = no unchecked suspends, false = accept them. */
  follow_checks: boolean;
  max_severity: Severity;
  max_followed_severity: Severity;
  remove: boolean;
  adopt: boolean;
  marker: string;
  concurrency: number;
  reserve: number;
  brake_delete: number;
  brake_create: number;
  brake_min_owned: number;
  /** 0 = no limit. */
  max_writes: number;
  sync_comments: boolean;
  snapshot_dir: string;
}

/** FediBlockHole's own runtime settings, kept so the CLI can honour them in FediBlockHole mode. */
export interface FediBlockHoleOptions {
  no_fetch_url: boolean;
  no_fetch_instance: boolean;
  no_push_instance: boolean;
  save_intermediate: boolean;
  /** Absolute; FediBlockHole's default is /tmp. */
  savedir: string;
  blocklist_auditfile?: string;
  override_private_comment?: string;
}

export interface LoadedConfig {
  /** Absolute path of the file read. */
  path: string;
  mode: ConfigMode;
  merge: {
    plan: MergePlan;
    threshold: { type: 'count' | 'pct'; value: number };
    import_fields: OptionalField[];
    export_fields: OptionalField[];
    /** Trimmed, lowercased; the merge normalises them like any domain. */
    allow: string[];
    /** Leave out children a blocked parent already covers; off by default, as in FediBlockHole. */
    drop_redundant: boolean;
  };
  fetch: {
    cache_dir: string;
    timeout_ms: number;
    max_bytes: number;
    max_stale_ms: number;
    shrink_guard: number;
    reject_ratio: number;
    concurrency: number;
  };
  output: { path?: string; format: OutputFormat; feed_entries: number };
  sync: { destinations_concurrency: number };
  sources: SourceConfig[];
  allowlists: AllowlistConfig[];
  destinations: DestinationConfig[];
  /** <cache_dir>/fediblock.lock: one run at a time per cache. */
  lock_file: string;
  /** Present in FediBlockHole mode only. */
  fbh?: FediBlockHoleOptions;
  /** Things worth telling the admin (translation notes, deprecated spellings…). */
  warnings: string[];
}
