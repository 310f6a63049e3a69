import type { BlockFields, DomainBlock, FlagField, Severity, StoredBlock } from '../model.js';

/**
 * What a destination can hold, so the planner adapts to it without knowing its software's name
 * (style.md, "Destinations as folders behind capabilities"; octoDNS's SUPPORTS).
 */
export interface StoreCapabilities {
  /** Severities it can express. Entries planned at another severity are listed as "unsupported here". */
  severities: readonly Severity[];
  /** Whether a noop block with no reject flag can exist (it cannot where a block is only its flags). */
  bareNoop: boolean;
  /** Flags it can express; the planner leaves the others out of what it writes and says so. */
  flags: readonly FlagField[];
  /** Comment fields it keeps. */
  comments: readonly ('public_comment' | 'private_comment')[];
  /** Where the ownership marker lives: a private comment, or the one reason text an entry has. */
  marker: 'private_comment' | 'reason';
  /** Whether it can tell who follows whom (follow checks before a suspend). */
  followChecks: boolean;
  /** Whether a block can be changed in place; without it, updates are listed and not written. */
  updates: boolean;
  /**
   * One request per block, or the whole setting rewritten once per run: then create/update/remove
   * only collect changes, and nothing is made until `flush()` succeeds (apply journals them only then).
   */
  writes: 'per-block' | 'whole-setting';
  /** A word or two naming what the destination is, for plan sentences ("GoToSocial 0.19.2"). */
  label?: string;
}

/** Mastodon's admin API (and the file store standing in for it) expresses everything. */
export const FULL_CAPABILITIES: StoreCapabilities = {
  severities: ['noop', 'silence', 'suspend'],
  bareNoop: true,
  flags: ['reject_media', 'reject_reports', 'obfuscate'],
  comments: ['public_comment', 'private_comment'],
  marker: 'private_comment',
  followChecks: true,
  updates: true,
  writes: 'per-block',
};

/**
 * Where blocks live: a Mastodon instance through its admin API, or a snapshot file. The planner
 * only needs `list`; `apply` needs the writes. Implementations never log or echo tokens.
 */
export interface Store {
  /** The destination's domain, or the file path for a file store. */
  readonly name: string;
  /** What it can express; absent means everything (Mastodon, files). */
  readonly capabilities?: StoreCapabilities;
  list(): Promise<StoredBlock[]>;
  /** Throws ExistingBlockConflict when the store already has a rule for the domain (or a parent at least as strict). */
  create(block: DomainBlock): Promise<StoredBlock>;
  /** Partial update; callers never send a no-op (Mastodon reprocesses every PUT). */
  update(id: string, fields: Partial<BlockFields>): Promise<StoredBlock>;
  remove(id: string): Promise<void>;
  /** Follow relationships between local accounts and the domain (incl. subdomains). Absent on stores that cannot tell. */
  followCounts?(domain: string): Promise<{ follows: number; followers: number }>;
  /**
   * Persist buffered writes (whole-setting stores: Akkoma, the file store); a no-op for per-block
   * live stores. When it throws, none of the buffered writes is known to be made; a `FlushUncertain`
   * says they may have been (the answer was lost and the store could not tell).
   */
  flush?(): Promise<void>;
  /** Write requests a whole-setting store's flush sent so far (absent: one per flush that had changes). */
  readonly writeCount?: number;
}

export const capabilitiesOf = (store: Pick<Store, 'capabilities'>): StoreCapabilities => store.capabilities ?? FULL_CAPABILITIES;

/**
 * A whole-setting store's one write went out but its answer was lost, and the store could not
 * read back whether it was made: every buffered write may or may not have landed.
 */
export class FlushUncertain extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'FlushUncertain';
  }
}

/**
 * Whether a failed request may still have been made: only an answer in the 4xx range proves the
 * server refused it. No answer, or a 5xx, may come after the server committed the change.
 */
export function mayHaveLanded(err: unknown): boolean {
  const status = (err as { status?: unknown } | null)?.status;
  return !(typeof status === 'number' && status >= 400 && status < 500);
}

/** Mastodon's 422 with `existing_domain_block`: the domain (or a parent at least as strict) already has a rule. */
export class ExistingBlockConflict extends Error {
  readonly existing: StoredBlock;
  constructor(domain: string, existing: StoredBlock) {
    super(`${domain}: the destination already has a rule for ${existing.domain} (${existing.severity})`);
    this.name = 'ExistingBlockConflict';
    this.existing = existing;
  }
}
