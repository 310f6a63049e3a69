// A Store backed by Akkoma/Pleroma's :mrf_simple setting: one read-modify-write per run. Writes
// are collected by create/update/remove and sent by flush() as one POST of the subkeys that
// changed. The setting is re-read just before writing (and by checkUnchanged() before the run
// starts writing at all); if it differs from what was planned against, the run is refused
// (exit 2) and nothing is written — someone edited it by hand in between.
import { FediblockError, UnsafeError } from '../../errors.js';
import { blockFields, type BlockFields, type DomainBlock, type StoredBlock } from '../../model.js';
import { ExistingBlockConflict, type Store, type StoreCapabilities } from '../../sync/store.js';
import type { AkkomaClient } from './client.js';
import { blocksFromSetting, changedSubkeys, domainKey, mrfSimpleValue, simplePolicyEnabled } from './mrf-simple.js';

export interface AkkomaStoreOptions {
  name: string;
  marker: string;
  /** "Akkoma 3.16.0", for plan sentences. */
  label?: string;
  /** Told once per read when SimplePolicy is not among the :mrf policies. */
  onWarning?: (message: string) => void;
}

export class AkkomaStore implements Store {
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  readonly client: AkkomaClient;
  private readonly marker: string;
  private readonly onWarning: (m: string) => void;
  /** The :mrf_simple value the plan was made against (JSON), set by list(). */
  private base: unknown[] | undefined;
  private known = new Map<string, StoredBlock>();
  private pending = new Map<string, BlockFields | null>();
  private warned = false;
  /** POST requests sent (at most one per run). */
  writeCount = 0;

  constructor(client: AkkomaClient, opts: AkkomaStoreOptions) {
    if (opts.marker.startsWith(':')) throw new FediblockError(`${opts.name}: a marker starting with ":" would turn Akkoma reasons into atoms; choose another marker`);
    this.client = client;
    this.name = opts.name;
    this.marker = opts.marker;
    this.onWarning = opts.onWarning ?? (() => {});
    this.capabilities = {
      severities: ['noop', 'silence', 'suspend'],
      bareNoop: false,
      flags: ['reject_media', 'reject_reports'],
      comments: ['public_comment'],
      marker: 'reason',
      followChecks: false,
      updates: true,
      writes: 'whole-setting',
      ...(opts.label ? { label: opts.label } : {}),
    };
  }

  async list(): Promise<StoredBlock[]> {
    const value = await this.read();
    this.base = value;
    const blocks = blocksFromSetting(value, this.marker);
    this.known = new Map(blocks.map((b) => [b.id, b]));
    return blocks;
  }

  async create(block: DomainBlock): Promise<StoredBlock> {
    const k = domainKey(block.domain);
    const existing = this.known.get(k);
    if (existing && this.pending.get(k) !== null) throw new ExistingBlockConflict(block.domain, existing);
    const f = blockFields(block);
    this.pending.set(k, f);
    return { ...f, id: k, domain: k };
  }

  async update(id: string, fields: Partial<BlockFields>): Promise<StoredBlock> {
    const cur = this.pending.get(id) ?? this.known.get(id);
    if (!cur) throw new FediblockError(`${this.name} has no :mrf_simple entry for ${id} any more; run again to re-plan`);
    const f = blockFields({ ...cur, ...fields });
    this.pending.set(id, f);
    return { ...f, id, domain: id };
  }

  async remove(id: string): Promise<void> {
    this.pending.set(id, null);
  }

  /** Refuse (exit 2) when the setting changed since list(); called before the first write and by flush(). */
  async checkUnchanged(): Promise<unknown[]> {
    if (this.base === undefined) throw new FediblockError(`${this.name}: the setting must be read before writing (planner bug)`);
    const now = await this.read();
    if (JSON.stringify(now) !== JSON.stringify(this.base)) {
      throw new UnsafeError(
        `${this.name}: the :mrf_simple setting changed since the plan was made (someone edited it); nothing was written`,
        'run fediblock again to plan against the setting as it is now',
      );
    }
    return now;
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const now = await this.checkUnchanged();
    const subkeys = changedSubkeys(now, this.pending, this.marker);
    this.pending = new Map();
    if (subkeys.length === 0) return;
    this.writeCount++;
    await this.client.writeMrfSimple(subkeys);
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private async read(): Promise<unknown[]> {
    const configs = await this.client.readConfig();
    if (simplePolicyEnabled(configs) === false && !this.warned) {
      this.warned = true;
      this.onWarning(`${this.name}: SimplePolicy is not among the :mrf policies, so the :mrf_simple lists do nothing there; add Pleroma.Web.ActivityPub.MRF.SimplePolicy to them (fediblock never changes :mrf itself)`);
    }
    return mrfSimpleValue(configs);
  }
}
