// A Store backed by a Mastodon instance's admin API (see client.ts for rate limits and retries).
import type { BlockFields, DomainBlock, StoredBlock } from '../../model.js';
import type { Store } from '../../sync/store.js';
import type { MastodonClient } from './client.js';

export class MastodonStore implements Store {
  readonly name: string;
  readonly client: MastodonClient;

  /** `name` defaults to the client's host (the destination domain). */
  constructor(client: MastodonClient, name?: string) {
    this.client = client;
    this.name = name ?? client.host;
  }

  /** How many calls may usefully be in flight at once (the client queues the rest). */
  get concurrency(): number {
    return this.client.concurrency;
  }

  list(): Promise<StoredBlock[]> {
    return this.client.listDomainBlocks();
  }

  /** Throws ExistingBlockConflict (from src/sync/store.ts) on Mastodon's 422 with existing_domain_block. */
  create(block: DomainBlock): Promise<StoredBlock> {
    return this.client.createDomainBlock(block);
  }

  update(id: string, fields: Partial<BlockFields>): Promise<StoredBlock> {
    return this.client.updateDomainBlock(id, fields);
  }

  remove(id: string): Promise<void> {
    return this.client.deleteDomainBlock(id);
  }

  /** Throws MeasuresError on any failure: callers cap the severity and warn. */
  followCounts(domain: string): Promise<{ follows: number; followers: number }> {
    return this.client.followCounts(domain);
  }

  async flush(): Promise<void> {
    // Live store: every write is already applied.
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
