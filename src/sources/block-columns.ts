// One source's parsed rows, kept as columns rather than an object per row. A source's rows live
// from its parse until the merge has folded them, long enough for the garbage collector to move
// them to the old generation: at a million rows, objects there were most of the merge's peak
// memory and collection time. A row here is its domain, a rule byte (rule-byte.ts) and two
// comment ids into the source's own pool of distinct comments (lists repeat a few dozen reasons
// over thousands of rows). Most domains are not even strings: they are a span of the source's
// text, cut again when read, so a row leaves nothing on the heap for the collector to carry.
// `block(i)` makes the DomainBlock object for callers that want one; the merge reads the columns.
import type { DomainBlock } from '../model.js';
import { ruleOf, severityOfRule, MEDIA, REPORTS, OBFUSCATE } from '../rule-byte.js';

export class BlockColumns {
  length = 0;
  rules: Uint8Array;
  publicIds: Int32Array;
  privateIds: Int32Array;
  /** Distinct comments of this source; id 0 is the empty comment. */
  readonly comments: string[] = [''];
  private readonly commentIds = new Map<string, number>([['', 0]]);
  /** Where each row's domain is in `text` (start, end), when it is there as written. */
  private starts: Int32Array;
  private ends: Int32Array;
  private text = '';
  /** Domains that are not a span of the text (normalised, or from csv-parse's cells), by row. */
  private named: (string | undefined)[] | undefined;
  /** Digests (Mastodon's obfuscated public entries), by row: rare, so not a column. */
  private digests: Map<number, string> | undefined;

  constructor(capacity = 64) {
    this.rules = new Uint8Array(capacity);
    this.publicIds = new Int32Array(capacity);
    this.privateIds = new Int32Array(capacity);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  static fromBlocks(blocks: readonly DomainBlock[]): BlockColumns {
    const c = new BlockColumns(Math.max(blocks.length, 1));
    for (const b of blocks) c.push(b.domain, ruleOf(b.severity, b.reject_media, b.reject_reports, b.obfuscate), b.public_comment, b.private_comment, b.digest);
    return c;
  }

  /** The id of a comment in this source's pool. */
  comment(text: string): number {
    if (text === '') return 0;
    let id = this.commentIds.get(text);
    if (id === undefined) {
      id = this.comments.push(text) - 1;
      this.commentIds.set(text, id);
    }
    return id;
  }

  push(domain: string, rule: number, publicComment: string, privateComment: string, digest?: string): void {
    const i = this.add(rule, publicComment, privateComment, digest);
    this.rename(i, domain);
  }

  /** A row whose domain is `text` from `start` to `end` (every span of a source comes from one text). */
  pushSpan(text: string, start: number, end: number, rule: number, publicComment: string, privateComment: string, digest?: string): void {
    const i = this.add(rule, publicComment, privateComment, digest);
    this.text = text;
    this.starts[i] = start;
    this.ends[i] = end;
  }

  domain(i: number): string {
    const named = this.named?.[i];
    return named !== undefined ? named : this.text.slice(this.starts[i], this.ends[i]);
  }

  /** Every row's domain, in order. */
  domains(): string[] {
    const out = new Array<string>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.domain(i);
    return out;
  }

  private add(rule: number, publicComment: string, privateComment: string, digest: string | undefined): number {
    const i = this.length;
    if (i === this.rules.length) this.grow();
    this.rules[i] = rule;
    this.publicIds[i] = this.comment(publicComment);
    this.privateIds[i] = this.comment(privateComment);
    if (digest !== undefined) (this.digests ??= new Map()).set(i, digest);
    this.length = i + 1;
    return i;
  }

  digest(i: number): string | undefined {
    return this.digests?.get(i);
  }

  block(i: number): DomainBlock {
    const rule = this.rules[i] as number;
    const b: DomainBlock = {
      domain: this.domain(i),
      severity: severityOfRule(rule),
      reject_media: (rule & MEDIA) !== 0,
      reject_reports: (rule & REPORTS) !== 0,
      obfuscate: (rule & OBFUSCATE) !== 0,
      public_comment: this.comments[this.publicIds[i] as number] as string,
      private_comment: this.comments[this.privateIds[i] as number] as string,
    };
    const digest = this.digests?.get(i);
    if (digest !== undefined) b.digest = digest;
    return b;
  }

  toBlocks(): DomainBlock[] {
    const out = new Array<DomainBlock>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.block(i);
    return out;
  }

  /**
   * Row `from` becomes row `to` (≤ from): parseList's pass that normalises domains and drops
   * rejected rows compacts the columns in place with this and `rename`, then `truncate`s.
   */
  move(from: number, to: number): void {
    if (from === to) return;
    if (this.named !== undefined) this.named[to] = this.named[from];
    this.starts[to] = this.starts[from] as number;
    this.ends[to] = this.ends[from] as number;
    this.rules[to] = this.rules[from] as number;
    this.publicIds[to] = this.publicIds[from] as number;
    this.privateIds[to] = this.privateIds[from] as number;
    if (this.digests === undefined) return;
    const digest = this.digests.get(from);
    this.digests.delete(to);
    if (digest !== undefined) {
      this.digests.set(to, digest);
      this.digests.delete(from);
    }
  }

  /** Row i's domain is `domain` (normalised), no longer what the text says. */
  rename(i: number, domain: string): void {
    (this.named ??= [])[i] = domain;
  }

  truncate(length: number): void {
    if (length >= this.length) return;
    if (this.named !== undefined && this.named.length > length) this.named.length = length;
    if (this.digests !== undefined) for (const i of this.digests.keys()) if (i >= length) this.digests.delete(i);
    this.length = length;
  }

  private grow(): void {
    const n = this.rules.length * 2;
    this.rules = grown(this.rules, n);
    this.publicIds = grown(this.publicIds, n);
    this.privateIds = grown(this.privateIds, n);
    this.starts = grown(this.starts, n);
    this.ends = grown(this.ends, n);
  }
}

function grown<T extends Uint8Array | Int32Array>(a: T, n: number): T {
  const next = new (a.constructor as new (n: number) => T)(n);
  next.set(a);
  return next;
}

/**
 * Gives `target` a `blocks` property made from `columns` on first read, for the callers that want
 * objects (reports, explain, saved intermediate lists); the merge reads `columns` and never pays
 * for them. Assigning `blocks` replaces both (a job releasing a merged source's rows sets `[]`).
 */
export function attachColumns<T extends { blocks: DomainBlock[]; columns?: BlockColumns }>(target: Omit<T, 'blocks'> & { blocks?: DomainBlock[] }, columns: BlockColumns): T {
  let blocks: DomainBlock[] | undefined;
  Object.defineProperty(target, 'columns', { value: columns, enumerable: false, configurable: true, writable: true });
  Object.defineProperty(target, 'blocks', {
    enumerable: true,
    configurable: true,
    get: () => (blocks ??= (target as T).columns?.toBlocks() ?? []),
    set: (v: DomainBlock[]) => {
      blocks = v;
      (target as T).columns = undefined;
    },
  });
  return target as T;
}

/** How many blocks a parsed source holds, without making them. */
export const blockCount = (p: { blocks: DomainBlock[]; columns?: BlockColumns | undefined }): number => p.columns?.length ?? p.blocks.length;
