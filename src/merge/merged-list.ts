// The merge's result in compact form: the surviving slots of the BlockTable in domain order.
// Writers read it directly (merge → CSV without an object per domain); `blocks()` makes the
// MergedBlock objects the planner, reports and tests use.
import type { MergedBlock, Severity } from '../model.js';
import { severityOfRule, type BlockTable } from './block-table.js';

export class MergedList {
  constructor(
    readonly table: BlockTable,
    /** Slots in domain order. */
    readonly order: Int32Array,
  ) {}

  get size(): number {
    return this.order.length;
  }

  domain(i: number): string {
    return this.table.domains[this.order[i] as number] as string;
  }

  /** Rule byte (block-table.ts): severity and flags. */
  rule(i: number): number {
    return this.table.rules[this.order[i] as number] as number;
  }

  publicComment(i: number): number {
    return this.table.publicComments[this.order[i] as number] as number;
  }

  privateComment(i: number): number {
    return this.table.privateComments[this.order[i] as number] as number;
  }

  commentText(id: number): string {
    return this.table.comments.text(id);
  }

  severityCounts(): Record<Severity, number> {
    const by = { suspend: 0, silence: 0, noop: 0 };
    for (let i = 0; i < this.order.length; i++) by[severityOfRule(this.rule(i))]++;
    return by;
  }

  blocks(): MergedBlock[] {
    const out = new Array<MergedBlock>(this.order.length);
    for (let i = 0; i < this.order.length; i++) out[i] = this.table.block(this.order[i] as number);
    return out;
  }
}

/** The live slots sorted by domain. Array#sort without a comparator orders strings by UTF-16 code units (plain `<`), and fast. */
export function sortSlots(table: BlockTable): MergedList {
  const domains = [...table.liveDomains()].sort();
  const order = new Int32Array(domains.length);
  for (let i = 0; i < domains.length; i++) order[i] = table.slotOf(domains[i] as string) as number;
  return new MergedList(table, order);
}
