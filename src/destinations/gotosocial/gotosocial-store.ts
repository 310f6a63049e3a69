// A Store backed by GoToSocial's admin API. It holds suspensions only (capabilities say so, and
// the planner lists silence and noop entries as unsupported); the marker lives in the private
// comment as on Mastodon; there is no follow-check API.
import { FediblockError } from '../../errors.js';
import type { BlockFields, DomainBlock, StoredBlock } from '../../model.js';
import { ExistingBlockConflict, type Store, type StoreCapabilities } from '../../sync/store.js';
import { GtsBusyError, gtsCanUpdate, type GoToSocialClient, type GtsFields } from './client.js';

export interface GoToSocialStoreOptions {
  name: string;
  version: string;
  /** Ownership marker: a POST answered with a block without it found a block that was already there. */
  marker: string;
  /** Wait before the one retry after a 409 (default 2 s). */
  busyWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class GoToSocialStore implements Store {
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  readonly client: GoToSocialClient;
  private readonly marker: string;
  private readonly busyWaitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(client: GoToSocialClient, opts: GoToSocialStoreOptions) {
    this.client = client;
    this.name = opts.name;
    this.marker = opts.marker;
    this.busyWaitMs = opts.busyWaitMs ?? 2000;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.capabilities = {
      severities: ['suspend'],
      bareNoop: false,
      flags: ['obfuscate'],
      comments: ['public_comment', 'private_comment'],
      marker: 'private_comment',
      followChecks: false,
      updates: gtsCanUpdate(opts.version),
      writes: 'per-block',
      label: `GoToSocial${opts.version ? ` ${opts.version}` : ''}`,
    };
  }

  list(): Promise<StoredBlock[]> {
    return this.client.listDomainBlocks();
  }

  async create(block: DomainBlock): Promise<StoredBlock> {
    // Every GoToSocial block is a full block: a silence sent here would become a suspension.
    if (block.severity !== 'suspend') throw new FediblockError(`${block.domain}: GoToSocial holds suspensions only; refusing to create a ${block.severity} block`);
    const sent: GtsFields = { obfuscate: block.obfuscate, public_comment: block.public_comment, private_comment: block.private_comment };
    let got: StoredBlock;
    try {
      got = await this.client.createDomainBlock(block.domain, sent);
    } catch (e) {
      if (!(e instanceof GtsBusyError)) throw e;
      got = await this.afterBusy(block.domain, () => this.client.createDomainBlock(block.domain, sent));
    }
    // 200 with a block lacking the marker: the domain was blocked already, by hand.
    if (!this.ours(got)) throw new ExistingBlockConflict(block.domain, got);
    // Create strips HTML from the comments, update does not: put the list's text back, so the
    // next run finds what it asked for (and writes nothing). Not possible before 0.19.
    if (this.capabilities.updates && (got.public_comment !== sent.public_comment || got.private_comment !== sent.private_comment)) {
      const fix: Partial<GtsFields> = {};
      if (got.public_comment !== sent.public_comment) fix.public_comment = sent.public_comment;
      if (got.private_comment !== sent.private_comment) fix.private_comment = sent.private_comment;
      got = await this.client.updateDomainBlock(got.id, fix);
    }
    return got;
  }

  async update(id: string, fields: Partial<BlockFields>): Promise<StoredBlock> {
    const f: Partial<GtsFields> = {};
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined) continue;
      if (k === 'obfuscate' && typeof v === 'boolean') f.obfuscate = v;
      else if ((k === 'public_comment' || k === 'private_comment') && typeof v === 'string') f[k] = v;
      else if (k === 'severity' && v === 'suspend') continue;
      else throw new FediblockError(`GoToSocial cannot change ${k} of a domain block (only obfuscate and the comments)`);
    }
    try {
      return await this.client.updateDomainBlock(id, f);
    } catch (e) {
      if (!(e instanceof GtsBusyError)) throw e;
      return this.afterBusy(undefined, () => this.client.updateDomainBlock(id, f), id, f);
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.client.deleteDomainBlock(id);
    } catch (e) {
      if (!(e instanceof GtsBusyError)) throw e;
      const now = await this.client.listDomainBlocks();
      if (!now.some((b) => b.id === id)) return; // the delete had happened after all
      await this.sleep(this.busyWaitMs);
      await this.client.deleteDomainBlock(id).catch((e2: unknown) => {
        throw e2 instanceof GtsBusyError ? retryLater(e2) : e2;
      });
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private ours(b: StoredBlock): boolean {
    return this.marker !== '' && b.private_comment.includes(this.marker);
  }

  /** 409: re-read (the write may already have happened), else wait once and retry, else give up for this run. */
  private async afterBusy(domain: string | undefined, retry: () => Promise<StoredBlock>, id?: string, wanted?: Partial<GtsFields>): Promise<StoredBlock> {
    const now = await this.client.listDomainBlocks();
    const found = now.find((b) => (domain !== undefined ? b.domain === domain : b.id === id));
    if (found && domain !== undefined) return found;
    if (found && wanted && Object.entries(wanted).every(([k, v]) => found[k as keyof GtsFields] === v)) return found;
    await this.sleep(this.busyWaitMs);
    try {
      return await retry();
    } catch (e) {
      throw e instanceof GtsBusyError ? retryLater(e) : e;
    }
  }
}

function retryLater(e: GtsBusyError): GtsBusyError {
  return new GtsBusyError(`${e.message}; the next run retries`, { status: 409, host: e.host, method: e.method, path: e.path });
}
