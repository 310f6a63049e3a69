// A Store backed by Akkoma/Pleroma's :mrf_simple setting: one read-modify-write per run. Writes
// are collected by create/update/remove and sent by flush() as one POST of the subkeys that
// changed. The setting is re-read just before writing (and by checkUnchanged() before the run
// starts writing at all); if it differs from what was planned against, the run is refused
// (exit 2) and nothing is written — someone edited it by hand in between.
//
// When the POST's answer is lost (no answer, or a 5xx), the setting is read back to tell whether
// it was made: showing every sent subkey as sent, it was; unchanged, it was not; anything else (or
// no answer to the read either) and flush() throws FlushUncertain, so apply journals the writes
// as uncertain and restore undoes them only if they landed.
import { FediblockError, UnsafeError } from '../../errors.js';
import { blockFields, type BlockFields, type DomainBlock, type StoredBlock } from '../../model.js';
import { ExistingBlockConflict, FlushUncertain, mayHaveLanded, type Store, type StoreCapabilities } from '../../sync/store.js';
import type { AkkomaClient } from './client.js';
import { blocksFromSetting, changedSubkeys, domainKey, entriesOf, mrfSimpleValue, simplePolicyEnabled } from './mrf-simple.js';

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
    try {
      await this.client.writeMrfSimple(subkeys);
    } catch (err) {
      if (!mayHaveLanded(err)) throw err;
      const landed = await this.readBack(now, subkeys);
      if (landed === false) throw err;
      if (landed === undefined) {
        const said = err instanceof Error ? err.message : String(err);
        throw new FlushUncertain(`${said}; the write may have been made, and reading the setting back could not tell`, err);
      }
      this.onWarning(`${this.name}: the write of :mrf_simple got no proper answer (${err instanceof Error ? err.message : String(err)}), but the setting read back shows it was made`);
    }
  }

  /** After a lost answer: true when the setting shows every sent subkey as sent, false when it is as before, else undefined. */
  private async readBack(before: unknown[], sent: Array<{ tuple: [string, unknown[]] }>): Promise<boolean | undefined> {
    let value: unknown[];
    try {
      value = await this.read();
    } catch {
      return undefined;
    }
    if (sent.every((t) => JSON.stringify(entriesOf(value, t.tuple[0])) === JSON.stringify(t.tuple[1]))) return true;
    if (JSON.stringify(value) === JSON.stringify(before)) return false;
    return undefined;
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
