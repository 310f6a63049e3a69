// The merge's working store: one compact record per distinct domain instead of an object per
// domain. A million-row merge holds half a million domains, and as objects (block, sources array,
// comment strings) they were most of its memory and of its garbage-collection time. Here a domain
// is a slot number: its rule (severity and flags) is one byte, its comments are ids into a pool of
// distinct comments, and its provenance is a bit per source. Objects (MergedBlock) are only made
// for the few domains a later step asks about, or when a caller wants the whole list as objects.
import type { MergedBlock } from '../model.js';
import { FLAG_BITS, MEDIA, OBFUSCATE, REPORTS, SEVERITY_BITS, ruleOf, severityOfRule } from '../rule-byte.js';
import { CommentPool } from './comment-pool.js';
import { DomainIndex } from './domain-index.js';
import { ownDomain } from './own-string.js';

export { MEDIA, OBFUSCATE, REPORTS, ruleOf, severityOfRule };
/** Set on a slot a later step (threshold, allowlist, redundancy) removed. */
export const REMOVED = 128;

/** Two rules combined under the plan: max takes the harsher severity and any flag, min the milder and only shared flags. */
export function combineRules(a: number, b: number, max: boolean): number {
  const sa = a & SEVERITY_BITS;
  const sb = b & SEVERITY_BITS;
  return max ? (sa >= sb ? sa : sb) | ((a | b) & FLAG_BITS) : (sa <= sb ? sa : sb) | (a & b & FLAG_BITS);
}

export class BlockTable {
  readonly domains: string[] = [];
  /** domain → slot */
  private readonly index = new DomainIndex(this.domains);
  readonly comments = new CommentPool();
  /** Source list indexes, by the order sources were added (that order is their provenance bit). */
  readonly sourceIndexes: number[] = [];
  rules = new Uint8Array(1024);
  publicComments = new Int32Array(1024);
  privateComments = new Int32Array(1024);
  /** `words` 32-bit words of source bits per slot. */
  provenance = new Uint32Array(1024);
  words = 1;
  private lastBit = 0;

  get size(): number {
    return this.domains.length;
  }

  /** The bit number of a source, registering it on first use. */
  sourceBit(index: number): number {
    if (this.sourceIndexes[this.lastBit] === index) return this.lastBit;
    let bit = this.sourceIndexes.indexOf(index);
    if (bit < 0) {
      bit = this.sourceIndexes.push(index) - 1;
      if (bit >= this.words * 32) this.widen();
    }
    this.lastBit = bit;
    return bit;
  }

  add(domain: string, rule: number, pub: number, priv: number, bit: number): number {
    const slot = this.domains.length;
    if (slot === this.rules.length) this.grow();
    this.domains.push(ownDomain(domain));
    this.index.add(slot);
    this.rules[slot] = rule;
    this.publicComments[slot] = pub;
    this.privateComments[slot] = priv;
    this.provenance[slot * this.words + (bit >>> 5)]! |= 1 << (bit & 31);
    return slot;
  }

  mark(slot: number, bit: number): void {
    this.provenance[slot * this.words + (bit >>> 5)]! |= 1 << (bit & 31);
  }

  /** How many sources named the slot's domain. */
  sourceCount(slot: number): number {
    let n = 0;
    for (let w = 0; w < this.words; w++) n += popcount(this.provenance[slot * this.words + w] as number);
    return n;
  }

  /** List indexes of the sources that named the slot's domain, in config order. */
  sourcesOf(slot: number): number[] {
    const out: number[] = [];
    for (let bit = 0; bit < this.sourceIndexes.length; bit++) {
      if ((this.provenance[slot * this.words + (bit >>> 5)]! >>> (bit & 31)) & 1) out.push(this.sourceIndexes[bit] as number);
    }
    return out.sort((a, b) => a - b);
  }

  /** The slot of a domain, removed or not. */
  slotOf(domain: string): number | undefined {
    return this.index.get(domain);
  }

  isLive(slot: number): boolean {
    return (this.rules[slot]! & REMOVED) === 0;
  }

  remove(domain: string): void {
    const slot = this.index.get(domain);
    if (slot !== undefined) this.rules[slot]! |= REMOVED;
  }

  /** The slot of a domain still in the list. */
  liveSlot(domain: string): number | undefined {
    const slot = this.index.get(domain);
    return slot !== undefined && this.isLive(slot) ? slot : undefined;
  }

  *liveDomains(): IterableIterator<string> {
    for (let slot = 0; slot < this.domains.length; slot++) if (this.isLive(slot)) yield this.domains[slot] as string;
  }

  /** The slot as a MergedBlock object (a copy). */
  block(slot: number): MergedBlock {
    const rule = this.rules[slot] as number;
    return {
      domain: this.domains[slot] as string,
      severity: severityOfRule(rule),
      reject_media: (rule & MEDIA) !== 0,
      reject_reports: (rule & REPORTS) !== 0,
      obfuscate: (rule & OBFUSCATE) !== 0,
      public_comment: this.comments.text(this.publicComments[slot] as number),
      private_comment: this.comments.text(this.privateComments[slot] as number),
      sources: this.sourcesOf(slot),
    };
  }

  /** A read-only Map-like view of the live slots, for the steps that ask about single domains. */
  view(): Pick<ReadonlyMap<string, MergedBlock>, 'has' | 'get' | 'keys'> {
    return {
      has: (d) => this.liveSlot(d) !== undefined,
      get: (d) => {
        const slot = this.liveSlot(d);
        return slot === undefined ? undefined : this.block(slot);
      },
      keys: () => this.liveDomains(),
    };
  }

  private grow(): void {
    // By half, not double: at half a million domains a doubling left ~7 MB of columns unused.
    const n = this.rules.length + (this.rules.length >>> 1);
    this.rules = resized(this.rules, n);
    this.publicComments = resized(this.publicComments, n);
    this.privateComments = resized(this.privateComments, n);
    this.provenance = resized(this.provenance, n * this.words);
  }

  /** More than 32 × words sources: give every slot another word. */
  private widen(): void {
    const old = this.provenance;
    const w = this.words;
    const next = new Uint32Array(this.rules.length * (w + 1));
    for (let slot = 0; slot < this.domains.length; slot++) for (let i = 0; i < w; i++) next[slot * (w + 1) + i] = old[slot * w + i] as number;
    this.provenance = next;
    this.words = w + 1;
  }
}

function resized<T extends Uint8Array | Int32Array | Uint32Array>(a: T, n: number): T {
  const next = new (a.constructor as new (n: number) => T)(n);
  next.set(a);
  return next;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
