// Folding is the merge plan applied one vote at a time, in config order: the first vote for a
// domain is the base and every later one (a duplicate row of the same source or another source's
// row) is combined into it. Severity max/min and the flags' OR/AND are associative and the comment
// union keeps first-seen order, so folding row by row gives the same result as folding each source
// first and then the sources. Votes go into a BlockTable (compact records), not objects.
import type { DomainBlock, MergePlan, MergedBlock } from '../model.js';
import { MEDIA, OBFUSCATE, REPORTS, SEVERITY_BITS, severityBits } from '../rule-byte.js';
import type { BlockColumns } from '../sources/block-columns.js';
import { BlockTable, combineRules, ruleOf } from './block-table.js';
import { capSeverity } from './cap-severity.js';
import { isObfuscated } from './resolve-digests.js';
import type { SourceView } from './source-view.js';

export interface Fold {
  plan: MergePlan;
  table: BlockTable;
}

export const startFold = (plan: MergePlan): Fold => ({ plan, table: new BlockTable() });

/**
 * Adds one source row as a vote for `domain` (its own, or the clear domain its digest matched).
 * Reads the row through the source's view instead of copying it.
 */
export function foldRow(fold: Fold, row: DomainBlock, view: SourceView, domain: string): void {
  const t = view.take;
  const table = fold.table;
  const rule = ruleOf(capSeverity(row.severity, view.cap), t.reject_media && row.reject_media, t.reject_reports && row.reject_reports, t.obfuscate && row.obfuscate);
  const pub = t.public_comment ? table.comments.id(row.public_comment) : 0;
  const priv = t.private_comment ? table.comments.id(row.private_comment) : 0;
  vote(fold, domain, rule, pub, priv, table.sourceBit(view.index));
}

/**
 * Folds a whole source held in columns, the merge's hot loop: the cap and the imported flags
 * become one mask, and each distinct comment of the source is looked up in the merge's pool once
 * rather than once a row. Obfuscated rows are handed to `onObfuscated` (they vote through digests,
 * later).
 */
export function foldColumns(fold: Fold, columns: BlockColumns, view: SourceView, onObfuscated: (row: number) => void): void {
  const t = view.take;
  const keep = SEVERITY_BITS | (t.reject_media ? MEDIA : 0) | (t.reject_reports ? REPORTS : 0) | (t.obfuscate ? OBFUSCATE : 0);
  const cap = view.cap === undefined ? 2 : severityBits(view.cap);
  const bit = fold.table.sourceBit(view.index);
  const pubIds = t.public_comment ? commentIds(fold.table, columns) : undefined;
  const privIds = t.private_comment ? commentIds(fold.table, columns) : undefined;
  const { rules, publicIds, privateIds } = columns;
  for (let i = 0; i < columns.length; i++) {
    const domain = columns.domain(i);
    if (isObfuscated(domain)) {
      onObfuscated(i);
      continue;
    }
    let rule = (rules[i] as number) & keep;
    if ((rule & SEVERITY_BITS) > cap) rule = (rule & ~SEVERITY_BITS) | cap;
    vote(fold, domain, rule, pubIds ? pubIds(publicIds[i] as number) : 0, privIds ? privIds(privateIds[i] as number) : 0, bit);
  }
}

/** A source's comment id → the merge pool's id, each looked up on first use. */
function commentIds(table: BlockTable, columns: BlockColumns): (id: number) => number {
  const ids = new Int32Array(columns.comments.length).fill(-1);
  return (id) => {
    let mapped = ids[id] as number;
    if (mapped < 0) ids[id] = mapped = table.comments.id(columns.comments[id] as string);
    return mapped;
  };
}

function vote(fold: Fold, domain: string, rule: number, pub: number, priv: number, bit: number): void {
  const table = fold.table;
  const slot = table.slotOf(domain);
  if (slot === undefined) {
    table.add(domain, rule, pub, priv, bit);
    return;
  }
  table.mark(slot, bit);
  table.rules[slot] = combineRules(table.rules[slot] as number, rule, fold.plan === 'max');
  if (pub !== 0) table.publicComments[slot] = table.comments.merge(table.publicComments[slot] as number, pub);
  if (priv !== 0) table.privateComments[slot] = table.comments.merge(table.privateComments[slot] as number, priv);
}

/** The folded blocks as objects, by domain (for callers that fold a handful of rows, like explain). */
export function finishFold(fold: Fold): Map<string, MergedBlock> {
  const out = new Map<string, MergedBlock>();
  fold.table.domains.forEach((domain, slot) => out.set(domain, fold.table.block(slot)));
  return out;
}
