import type { BlockFields, DomainBlock, StoredBlock } from '../model.js';

/**
 * Where blocks live: a Mastodon instance through its admin API, or a snapshot file. The planner
 * only needs `list`; `apply` needs the writes. Implementations never log or echo tokens.
 */
export interface Store {
  /** The destination's domain, or the file path for a file store. */
  readonly name: string;
  list(): Promise<StoredBlock[]>;
  /** Throws ExistingBlockConflict when the store already has a rule for the domain (or a parent at least as strict). */
  create(block: DomainBlock): Promise<StoredBlock>;
  /** Partial update; callers never send a no-op (Mastodon reprocesses every PUT). */
  update(id: string, fields: Partial<BlockFields>): Promise<StoredBlock>;
  remove(id: string): Promise<void>;
  /** Follow relationships between local accounts and the domain (incl. subdomains). Absent on stores that cannot tell. */
  followCounts?(domain: string): Promise<{ follows: number; followers: number }>;
  /** Persist buffered writes (file store); a no-op for live stores. */
  flush?(): Promise<void>;
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
