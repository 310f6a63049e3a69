// Folding is the merge plan applied one vote at a time, in config order: the first vote for a
// domain is the base and every later one (a duplicate row of the same source or another source's
// row) is combined into it. Severity max/min and the flags' OR/AND are associative and the comment
// union keeps first-seen order, so folding row by row gives the same result as folding each source
// first and then the sources.
import type { DomainBlock, MergePlan, MergedBlock } from '../model.js';
import { maxSeverity, minSeverity } from '../model.js';
import { capSeverity } from './cap-severity.js';
import { addTokens, joinTokens } from './merge-comments.js';
import type { SourceView } from './source-view.js';

type Rule = Pick<DomainBlock, 'severity' | 'reject_media' | 'reject_reports' | 'obfuscate'>;
type CommentField = 'public_comment' | 'private_comment';
type CommentTokens = Partial<Record<CommentField, Set<string>>>;

export interface Fold {
  plan: MergePlan;
  byDomain: Map<string, MergedBlock>;
  /** Token sets, only for domains whose comments actually had to be merged. */
  tokens: Map<MergedBlock, CommentTokens>;
  /** Each distinct comment split once: lists repeat a few reasons over thousands of rows. */
  splits: Map<string, string[]>;
}

export const startFold = (plan: MergePlan): Fold => ({ plan, byDomain: new Map(), tokens: new Map(), splits: new Map() });

/** addTokens, with the split of each distinct comment kept for the rest of the fold. */
function addCommentTokens(fold: Fold, set: Set<string>, comment: string): Set<string> {
  let parts = fold.splits.get(comment);
  if (parts === undefined) {
    parts = [...addTokens(new Set(), comment)];
    fold.splits.set(comment, parts);
  }
  for (const token of parts) set.add(token);
  return set;
}

/**
 * Adds one source row as a vote for `domain` (its own, or the clear domain its digest matched).
 * Reads the row through the source's view instead of copying it: at a million rows the copies
 * were most of the merge's garbage.
 */
export function foldRow(fold: Fold, row: DomainBlock, view: SourceView, domain: string): void {
  const t = view.take;
  const severity = capSeverity(row.severity, view.cap);
  const reject_media = t.reject_media && row.reject_media;
  const reject_reports = t.reject_reports && row.reject_reports;
  const obfuscate = t.obfuscate && row.obfuscate;
  const public_comment = t.public_comment ? row.public_comment : '';
  const private_comment = t.private_comment ? row.private_comment : '';

  const acc = fold.byDomain.get(domain);
  if (acc === undefined) {
    const block: MergedBlock = { domain, severity, reject_media, reject_reports, obfuscate, public_comment, private_comment, sources: [view.index] };
    fold.byDomain.set(domain, block);
    return;
  }
  if (acc.sources[acc.sources.length - 1] !== view.index) acc.sources.push(view.index);
  combineInto(acc, { severity, reject_media, reject_reports, obfuscate }, fold.plan);
  foldComment(fold, acc, 'public_comment', public_comment);
  foldComment(fold, acc, 'private_comment', private_comment);
}

/** Severity and flags of `vote` combined into `acc` under the plan (comments apart). */
export function combineInto(acc: Rule, vote: Rule, plan: MergePlan): void {
  if (plan === 'max') {
    acc.severity = maxSeverity(acc.severity, vote.severity);
    acc.reject_media ||= vote.reject_media;
    acc.reject_reports ||= vote.reject_reports;
    acc.obfuscate ||= vote.obfuscate;
  } else {
    acc.severity = minSeverity(acc.severity, vote.severity);
    acc.reject_media &&= vote.reject_media;
    acc.reject_reports &&= vote.reject_reports;
    acc.obfuscate &&= vote.obfuscate;
  }
}

function foldComment(fold: Fold, acc: MergedBlock, field: CommentField, comment: string): void {
  // Once tokens exist acc[field] still holds the base comment, whose tokens are all in the set,
  // so an identical comment can still be skipped here.
  if (comment === '' || comment === acc[field]) return;
  if (acc[field] === '') {
    acc[field] = comment;
    return;
  }
  let tokens = fold.tokens.get(acc);
  if (tokens === undefined) fold.tokens.set(acc, (tokens = {}));
  const set = (tokens[field] ??= addCommentTokens(fold, new Set(), acc[field]));
  addCommentTokens(fold, set, comment);
}

/** The folded blocks with their comments joined; the fold is spent afterwards. */
export function finishFold(fold: Fold): Map<string, MergedBlock> {
  for (const [block, tokens] of fold.tokens) {
    if (tokens.public_comment) block.public_comment = joinTokens(tokens.public_comment);
    if (tokens.private_comment) block.private_comment = joinTokens(tokens.private_comment);
  }
  fold.tokens.clear();
  fold.splits.clear();
  return fold.byDomain;
}
