// The merge stage: parsed source lists in, the desired block list out, with every domain that did
// not make it and why. Pure: same lists and settings, same result.
//
//   votes (per row: fields narrowed, severity capped, obfuscated rows resolved by digest)
//   → fold in config order under the plan → threshold → allowlists → (redundant children, if asked) → sort
//
// Each later step only names what it drops; the merge removes those from its own map before the
// next step, so no step copies the (possibly half-million-entry) list.
import type { DomainBlock, DroppedDomain, MergeResult, MergeSettings, MergedBlock, SourceList } from '../model.js';
import { applyAllowlists } from './apply-allowlists.js';
import { applyThreshold } from './apply-threshold.js';
import { dropRedundant } from './drop-redundant.js';
import type { BlockTable } from './block-table.js';
import { BlockColumns } from '../sources/block-columns.js';
import { foldColumns, foldRow, startFold, type Fold } from './fold-blocks.js';
import { sortSlots, type MergedList } from './merged-list.js';
import { digestIndex, normaliseDigest } from './resolve-digests.js';
import { sourceView, type SourceView } from './source-view.js';

export interface MergeOptions {
  /** Remove subdomains of allowlisted domains, not only exact matches (default true). */
  allowSubdomains?: boolean;
  /**
   * Drop child blocks not stricter than a blocked parent (default false: the merged list is the
   * sources' verdict, kept whole, as FediBlockHole writes it; each destination's planner decides
   * whether a child is needed there).
   */
  dropRedundant?: boolean;
}

export interface MergeOutcome extends MergeResult {
  /** Things the admin should know that did not change the result (a parent of an allowed domain stays blocked). */
  warnings: string[];
  /** The same list in compact form, for writers (not enumerable: `blocks` is the data). */
  readonly list: MergedList;
}

export function mergeLists(lists: SourceList[], settings: MergeSettings, options: MergeOptions = {}): MergeOutcome {
  const merge = startMerge(settings, options);
  for (const list of lists) merge.add(list);
  return merge.finish();
}

/**
 * The merge one source at a time, in config order, so a caller can fold each list as soon as it is
 * parsed and let its rows go: at a million rows, holding every source's rows until the end was
 * most of the peak memory. `settings.allow` is read only by `finish`, so allowlists may still be
 * loading while sources are added.
 */
export interface MergeInProgress {
  add(list: SourceList): void;
  finish(): MergeOutcome;
}

interface PendingVote {
  row: DomainBlock;
  view: SourceView;
  list: string;
}

export function startMerge(settings: MergeSettings, options: MergeOptions = {}): MergeInProgress {
  const fold = startFold(settings.plan);
  const obfuscated: DroppedDomain[] = [];
  // Obfuscated rows carrying a digest wait until every clear domain is known; they are rare.
  const pending: PendingVote[] = [];
  let sourceCount = 0;
  return {
    add(list) {
      sourceCount++;
      const view = sourceView(list, settings);
      const columns = list.columns ?? BlockColumns.fromBlocks(list.blocks);
      foldColumns(fold, columns, view, (i) => {
        const row = columns.block(i);
        if (row.digest !== undefined) pending.push({ row, view, list: list.name });
        else obfuscated.push({ domain: row.domain, reason: 'obfuscated', detail: `${list.name}: obfuscated without a digest` });
      });
    },
    finish() {
      foldDigestVotes(fold, pending, obfuscated);
      const table = fold.table;
      const belowThreshold = remove(table, applyThreshold(table, sourceCount, settings.threshold));
      const allowed = applyAllowlists(table.view(), settings.allow, { allowSubdomains: options.allowSubdomains ?? true });
      remove(table, allowed.dropped);
      const redundant = options.dropRedundant !== true ? [] : remove(table, dropRedundant(table.view()));
      return outcome(
        sortSlots(table),
        [obfuscated, belowThreshold, allowed.dropped, redundant].flatMap((d) => d.sort(byDomain)),
        sourceCount,
        allowed.warnings,
      );
    },
  };
}

/** `blocks` is made from the compact list on first use: a merge written straight to CSV never needs the objects. */
function outcome(list: MergedList, dropped: DroppedDomain[], sourceCount: number, warnings: string[]): MergeOutcome {
  let blocks: MergedBlock[] | undefined;
  const o = { dropped, sourceCount, warnings } as MergeOutcome;
  Object.defineProperty(o, 'blocks', {
    enumerable: true,
    get: () => (blocks ??= list.blocks()),
    set: (v: MergedBlock[]) => (blocks = v),
  });
  Object.defineProperty(o, 'list', { value: list, enumerable: false });
  return o;
}

/**
 * Resolves the waiting obfuscated rows against the clear domains folded so far. A vote folded
 * this late may land after a later source's; provenance bits have no order, and are read back in
 * config order.
 */
function foldDigestVotes(fold: Fold, pending: PendingVote[], obfuscated: DroppedDomain[]): void {
  if (pending.length === 0) return;
  const digests = digestIndex(
    pending.map((p) => p.row),
    fold.table.domains,
  );
  for (const { row, view, list } of pending) {
    const clear = digests.get(normaliseDigest(row.digest as string));
    if (clear === undefined) {
      obfuscated.push({ domain: row.domain, reason: 'obfuscated', detail: `${list}: digest matches no domain named in clear` });
      continue;
    }
    foldRow(fold, row, view, clear);
  }
}

function remove(table: BlockTable, dropped: DroppedDomain[]): DroppedDomain[] {
  for (const { domain } of dropped) table.remove(domain);
  return dropped;
}

/** Plain code-unit order (domains are ASCII), never locale-dependent. */
export const byDomain = (a: { domain: string }, b: { domain: string }): number =>
  a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0;
