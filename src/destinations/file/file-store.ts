// A file standing in for an instance: a JSON snapshot (a Mastodon admin API dump, or fediblock's
// own snapshot format) or a CSV (FediBlockHole `domain,severity,…` or Mastodon's `#domain,…`).
// The same planner serves it as a live instance; `apply` writes into memory and `flush()`
// persists atomically, in the format and style the file was read in.
//
// Follow checks: a file cannot tell who follows whom, so FileStore has no `followCounts`; the CLI
// treats follow-aware caps as not applicable to file destinations (nothing is capped for them).
//
// Self-contained on purpose (a small CSV mapping, not the source adapters): a store must read
// back exactly what it wrote, and must fail loudly on a row it does not understand rather than
// drop it (a dropped row would be re-created, or an owned block forgotten).
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
// zod/mini (see config/schema.ts); a namespace import lets esbuild drop the parts never used.
import * as z from 'zod/mini';
import '../../zod-messages.js';
import { FediblockError } from '../../errors.js';
import { isSeverity } from '../../model.js';
import type { BlockFields, DomainBlock, Severity, StoredBlock } from '../../model.js';
import { writeFileAtomic } from '../../output/atomic-write.js';
import { ExistingBlockConflict, FULL_CAPABILITIES } from '../../sync/store.js';
import type { Store, StoreCapabilities } from '../../sync/store.js';
import { isStricter } from '../../sync/stricter.js';

export type FileStoreFormat = 'json' | 'csv' | 'mastodon_csv';

export interface FileStoreOptions {
  /** Default `auto`: by content (JSON, `#domain` header) then by extension. */
  format?: 'auto' | FileStoreFormat;
  /** The store's name in messages and plans; default the path. */
  name?: string;
  /** A missing file is an empty store (first publish of a list in CI); else an error. */
  allowMissing?: boolean;
}

type Field = 'domain' | 'severity' | 'reject_media' | 'reject_reports' | 'obfuscate' | 'public_comment' | 'private_comment' | 'id' | 'created_at' | 'digest';
const KNOWN: ReadonlySet<string> = new Set<Field>(['domain', 'severity', 'reject_media', 'reject_reports', 'obfuscate', 'public_comment', 'private_comment', 'id', 'created_at', 'digest']);
/** Fields that must be written even when the file lacked their column, if any block needs them. */
const DATA_FIELDS = ['severity', 'reject_media', 'reject_reports', 'public_comment', 'obfuscate', 'private_comment'] as const;
const FBH_COLUMNS = ['domain', 'severity', 'reject_media', 'reject_reports', 'private_comment', 'public_comment', 'obfuscate'];
const MASTODON_COLUMNS = ['#domain', '#severity', '#reject_media', '#reject_reports', '#public_comment', '#obfuscate'];
/** Mastodon's import defaults when a column is absent (mastodon-api.md §5). */
const DEFAULTS: Pick<DomainBlock, (typeof DATA_FIELDS)[number]> = {
  severity: 'suspend',
  reject_media: false,
  reject_reports: false,
  public_comment: '',
  obfuscate: false,
  private_comment: '',
};

interface CsvStyle {
  /** Header cells as written in the file (`domain` or `#domain`). */
  header: string[];
  fields: Array<Field | undefined>;
  hash: boolean;
  trueWord: string;
  falseWord: string;
  eol: '\n' | '\r\n';
  /** Values of unknown columns, by domain, kept so a rewrite loses nothing. */
  extras: Map<string, Map<number, string>>;
}

interface JsonStyle {
  /** The wrapper object (snapshot format, `{ blocks: [...] }`), or undefined for a plain array. */
  wrapper?: Record<string, unknown>;
}

const FALSE_WORDS = new Set(['false', 'f', '0', 'off', 'no', 'n', '']);
/** Rails' boolean cast, as Mastodon's CSV import uses it: false/f/0/off (and empty) are false, anything else true. */
export const parseBool = (v: unknown): boolean => {
  if (typeof v === 'boolean') return v;
  if (v === null || v === undefined) return false;
  if (typeof v === 'number') return v !== 0;
  return !FALSE_WORDS.has(String(v).trim().toLowerCase());
};

const normDomain = (d: string): string => {
  let s = d.trim().toLowerCase();
  if (s.endsWith('.')) s = s.slice(0, -1);
  return s;
};

const optText = z.optional(z.nullable(z.string()));

const jsonBlockSchema = z.object({
  id: z.nullable(z.optional(z.union([z.string(), z.number()]))),
  domain: z.string().check(z.refine((s) => s.trim() !== '', 'must not be empty')),
  severity: z.pipe(z.string(), z.transform((s) => s.trim().toLowerCase())).check(z.refine(isSeverity, 'must be noop, silence or suspend')),
  reject_media: z.optional(z.unknown()),
  reject_reports: z.optional(z.unknown()),
  obfuscate: z.optional(z.unknown()),
  public_comment: optText,
  private_comment: optText,
  digest: optText,
  created_at: optText,
});

const byDomain = (a: { domain: string }, b: { domain: string }): number => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0);

export class FileStore implements Store {
  readonly name: string;
  /** Holds everything Mastodon does; the file is rewritten whole by flush(), so writes are made (and journaled) only then. */
  readonly capabilities: StoreCapabilities = { ...FULL_CAPABILITIES, writes: 'whole-setting' };
  readonly path: string;
  readonly format: FileStoreFormat;
  private readonly blocks = new Map<string, StoredBlock>(); // by domain
  private readonly csv: CsvStyle | undefined;
  private readonly json: JsonStyle | undefined;
  private dirty: boolean;

  private constructor(file: string, name: string, format: FileStoreFormat, blocks: StoredBlock[], style: { csv?: CsvStyle; json?: JsonStyle }, missing: boolean) {
    this.path = file;
    this.name = name;
    this.format = format;
    for (const b of blocks) this.blocks.set(b.domain, b);
    this.csv = style.csv;
    this.json = style.json;
    this.dirty = missing;
  }

  static async open(file: string, opts: FileStoreOptions = {}): Promise<FileStore> {
    const name = opts.name ?? file;
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && opts.allowMissing) {
        const format = opts.format && opts.format !== 'auto' ? opts.format : path.extname(file).toLowerCase() === '.json' ? 'json' : 'csv';
        return new FileStore(file, name, format, [], format === 'json' ? { json: {} } : { csv: newCsvStyle(format === 'mastodon_csv') }, true);
      }
      throw new FediblockError(`cannot read the file store ${file}: ${(err as Error).message}`, {
        cause: err,
        ...((err as NodeJS.ErrnoException).code === 'ENOENT' ? { hint: 'check the destination\'s `file` path (or create an empty file to start from nothing)' } : {}),
      });
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const format = opts.format && opts.format !== 'auto' ? opts.format : sniff(file, text);
    if (format === 'json') {
      const { blocks, style } = readJson(file, text);
      return new FileStore(file, name, format, blocks, { json: style }, false);
    }
    const { blocks, style } = readCsv(file, text, format);
    return new FileStore(file, name, format, blocks, { csv: style }, false);
  }

  async list(): Promise<StoredBlock[]> {
    return [...this.blocks.values()].sort(byDomain).map((b) => ({ ...b }));
  }

  /** Mastodon's create rules (mastodon-api.md §1.5): same domain → conflict; a parent at least as strict → conflict. */
  async create(block: DomainBlock): Promise<StoredBlock> {
    const domain = normDomain(block.domain);
    if (!isSeverity(block.severity)) throw new FediblockError(`${domain}: invalid severity ${JSON.stringify(block.severity)}`);
    const same = this.blocks.get(domain);
    if (same) throw new ExistingBlockConflict(domain, { ...same });
    const parent = this.ruleFor(domain);
    if (parent && !isStricter(block, parent)) throw new ExistingBlockConflict(domain, { ...parent });
    let id = `file:${domain}`;
    const ids = new Set([...this.blocks.values()].map((b) => b.id));
    for (let n = 2; ids.has(id); n++) id = `file:${domain}:${n}`;
    const stored: StoredBlock = {
      id,
      domain,
      severity: block.severity,
      reject_media: block.reject_media === true,
      reject_reports: block.reject_reports === true,
      obfuscate: block.obfuscate === true,
      public_comment: block.public_comment ?? '',
      private_comment: block.private_comment ?? '',
      created_at: new Date().toISOString(),
    };
    if (this.json && [...this.blocks.values()].some((b) => b.digest !== undefined)) stored.digest = createHash('sha256').update(domain).digest('hex');
    this.blocks.set(domain, stored);
    this.dirty = true;
    return { ...stored };
  }

  /** Partial update; `domain` cannot change (as in Mastodon, it is ignored). */
  async update(id: string, fields: Partial<BlockFields>): Promise<StoredBlock> {
    const b = this.byId(id);
    if (fields.severity !== undefined) {
      if (!isSeverity(fields.severity)) throw new FediblockError(`${b.domain}: invalid severity ${JSON.stringify(fields.severity)}`);
      b.severity = fields.severity;
    }
    for (const f of ['reject_media', 'reject_reports', 'obfuscate'] as const) if (fields[f] !== undefined) b[f] = fields[f] === true;
    for (const f of ['public_comment', 'private_comment'] as const) if (fields[f] !== undefined) b[f] = fields[f] ?? '';
    this.dirty = true;
    return { ...b };
  }

  async remove(id: string): Promise<void> {
    const b = this.byId(id);
    this.blocks.delete(b.domain);
    this.csv?.extras.delete(b.domain);
    this.dirty = true;
  }

  /**
   * Write the blocks back (atomically), in the format and style they were read in. No-op when
   * nothing changed. A failure leaves the file as it was (the rename is the only change).
   */
  async flush(): Promise<void> {
    if (!this.dirty) return;
    const blocks = [...this.blocks.values()].sort(byDomain);
    const text = this.csv ? writeCsv(blocks, this.csv) : writeJson(blocks, this.json ?? {});
    await writeFileAtomic(this.path, text);
    this.dirty = false;
  }

  private byId(id: string): StoredBlock {
    for (const b of this.blocks.values()) if (b.id === id) return b;
    throw new FediblockError(`${this.name}: no block with id ${id} (404)`);
  }

  /** The most specific rule on a strict parent of `domain` (Mastodon's `rule_for`, parents only). */
  private ruleFor(domain: string): StoredBlock | undefined {
    const labels = domain.split('.');
    for (let i = 1; i < labels.length; i++) {
      const b = this.blocks.get(labels.slice(i).join('.'));
      if (b) return b;
    }
    return undefined;
  }
}

function sniff(file: string, text: string): FileStoreFormat {
  const t = text.trimStart();
  if (t.startsWith('[') || t.startsWith('{')) return 'json';
  if (t.startsWith('#domain') || t.startsWith('"#domain"')) return 'mastodon_csv';
  if (path.extname(file).toLowerCase() === '.json') return 'json';
  return 'csv';
}

function readJson(file: string, text: string): { blocks: StoredBlock[]; style: JsonStyle } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new FediblockError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  let items: unknown;
  const style: JsonStyle = {};
  if (Array.isArray(data)) items = data;
  else if (data !== null && typeof data === 'object' && Array.isArray((data as { blocks?: unknown }).blocks)) {
    items = (data as { blocks: unknown }).blocks;
    style.wrapper = data as Record<string, unknown>;
  } else throw new FediblockError(`${file}: expected a JSON array of domain blocks (or an object with a "blocks" array)`);
  const blocks: StoredBlock[] = [];
  (items as unknown[]).forEach((item, i) => {
    const r = jsonBlockSchema.safeParse(item);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new FediblockError(`${file}: block ${i + 1}: ${issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : 'invalid'}`);
    }
    const v = r.data;
    const domain = normDomain(v.domain);
    const b: StoredBlock = {
      id: v.id === undefined || v.id === null || v.id === '' ? `file:${domain}` : String(v.id),
      domain,
      severity: v.severity as Severity,
      reject_media: parseBool(v.reject_media),
      reject_reports: parseBool(v.reject_reports),
      obfuscate: parseBool(v.obfuscate),
      public_comment: v.public_comment ?? '',
      private_comment: v.private_comment ?? '',
    };
    if (v.digest) b.digest = v.digest;
    if (v.created_at) b.created_at = v.created_at;
    blocks.push(b);
  });
  checkUnique(file, blocks);
  return { blocks, style };
}

function checkUnique(file: string, blocks: StoredBlock[]): void {
  const domains = new Set<string>();
  const ids = new Set<string>();
  for (const b of blocks) {
    if (domains.has(b.domain)) throw new FediblockError(`${file}: ${b.domain} appears twice; a store holds one rule per domain`, { hint: 'remove the duplicate row' });
    if (ids.has(b.id)) throw new FediblockError(`${file}: id ${b.id} appears twice`);
    domains.add(b.domain);
    ids.add(b.id);
  }
}

function writeJson(blocks: StoredBlock[], style: JsonStyle): string {
  const out = blocks.map((b) => ({
    id: b.id,
    domain: b.domain,
    ...(b.digest !== undefined ? { digest: b.digest } : {}),
    ...(b.created_at !== undefined ? { created_at: b.created_at } : {}),
    severity: b.severity,
    reject_media: b.reject_media,
    reject_reports: b.reject_reports,
    private_comment: b.private_comment,
    public_comment: b.public_comment,
    obfuscate: b.obfuscate,
  }));
  const data = style.wrapper ? { ...style.wrapper, blocks: out } : out;
  return JSON.stringify(data, null, 2) + '\n';
}

function newCsvStyle(mastodon: boolean): CsvStyle {
  const header = mastodon ? [...MASTODON_COLUMNS] : [...FBH_COLUMNS];
  return { header, fields: header.map(fieldOf), hash: mastodon, trueWord: 'true', falseWord: 'false', eol: '\n', extras: new Map() };
}

function fieldOf(cell: string): Field | undefined {
  const k = cell.trim().replace(/^#/, '').toLowerCase();
  return KNOWN.has(k) ? (k as Field) : undefined;
}

function readCsv(file: string, text: string, format: 'csv' | 'mastodon_csv'): { blocks: StoredBlock[]; style: CsvStyle } {
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];
  } catch (err) {
    throw new FediblockError(`${file}: not a readable CSV: ${(err as Error).message}`);
  }
  if (rows.length === 0) return { blocks: [], style: newCsvStyle(format === 'mastodon_csv') };
  const header = rows[0] ?? [];
  const fields = header.map(fieldOf);
  if (!fields.includes('domain')) {
    throw new FediblockError(`${file}: no header row with a domain column`, {
      hint: 'a file store needs a header: domain,severity,reject_media,… (FediBlockHole) or #domain,#severity,… (Mastodon export)',
    });
  }
  const style: CsvStyle = {
    header,
    fields,
    hash: header[0]?.trim().startsWith('#') ?? false,
    trueWord: 'true',
    falseWord: 'false',
    eol: /\r\n/.test(text.slice(0, text.indexOf('\n') + 1)) ? '\r\n' : '\n',
    extras: new Map(),
  };
  let styleSeen = false;
  const blocks: StoredBlock[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r] ?? [];
    if (row.every((c) => c.trim() === '')) continue;
    const b: StoredBlock = { id: '', domain: '', ...DEFAULTS };
    const extras = new Map<number, string>();
    fields.forEach((f, i) => {
      const v = row[i] ?? '';
      switch (f) {
        case undefined:
          if (v !== '') extras.set(i, v);
          break;
        case 'domain':
          b.domain = normDomain(v);
          break;
        case 'severity': {
          const s = v.trim().toLowerCase();
          if (s === '') break;
          if (!isSeverity(s)) throw new FediblockError(`${file}: row ${r + 1}: invalid severity ${JSON.stringify(v)} (expected noop, silence or suspend)`);
          b.severity = s;
          break;
        }
        case 'reject_media':
        case 'reject_reports':
        case 'obfuscate':
          b[f] = parseBool(v);
          if (!styleSeen && v.trim() !== '') {
            styleSeen = true;
            const t = v.trim();
            if (t === 'True' || t === 'False') [style.trueWord, style.falseWord] = ['True', 'False'];
            else if (t === '1' || t === '0') [style.trueWord, style.falseWord] = ['1', '0'];
          }
          break;
        case 'public_comment':
        case 'private_comment':
          b[f] = v;
          break;
        case 'id':
        case 'created_at':
        case 'digest':
          if (v !== '') b[f] = v;
          break;
      }
    });
    if (b.domain === '') throw new FediblockError(`${file}: row ${r + 1}: empty domain`);
    if (b.id === '') b.id = `file:${b.domain}`;
    if (extras.size) style.extras.set(b.domain, extras);
    blocks.push(b);
  }
  checkUnique(file, blocks);
  return { blocks, style };
}

function writeCsv(blocks: StoredBlock[], style: CsvStyle): string {
  const header = [...style.header];
  const fields = [...style.fields];
  // A column the file lacked is added when a block needs it (e.g. the ownership marker in
  // private_comment of a Mastodon-style CSV; Mastodon's importer ignores extra columns).
  for (const f of DATA_FIELDS) {
    if (fields.includes(f)) continue;
    if (blocks.some((b) => b[f] !== DEFAULTS[f])) {
      header.push(style.hash ? `#${f}` : f);
      fields.push(f);
    }
  }
  const bool = (v: boolean) => (v ? style.trueWord : style.falseWord);
  const rows: string[][] = [header];
  for (const b of blocks) {
    const extras = style.extras.get(b.domain);
    rows.push(
      fields.map((f, i) => {
        switch (f) {
          case undefined:
            return extras?.get(i) ?? '';
          case 'reject_media':
          case 'reject_reports':
          case 'obfuscate':
            return bool(b[f]);
          case 'id':
            return b.id.startsWith('file:') ? '' : b.id;
          default:
            return String(b[f] ?? '');
        }
      }),
    );
  }
  return stringify(rows, { record_delimiter: style.eol === '\r\n' ? 'windows' : 'unix' });
}
