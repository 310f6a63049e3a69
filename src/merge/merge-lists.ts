// The merge stage: parsed source lists in, the desired block list out, with every domain that did
// not make it and why. Pure: same lists and settings, same result.
//
//   votes (per row: fields narrowed, severity capped, obfuscated rows resolved by digest)
//   → fold in config order under the plan → threshold → allowlists → redundant children → sort
//
// Each later step only names what it drops; the merge removes those from its own map before the
// next step, so no step copies the (possibly half-million-entry) list.
import type { DroppedDomain, MergeResult, MergeSettings, MergedBlock, SourceList } from '../model.js';
import { applyAllowlists } from './apply-allowlists.js';
import { applyThreshold } from './apply-threshold.js';
import { dropRedundant } from './drop-redundant.js';
import { finishFold, foldRow, startFold } from './fold-blocks.js';
import { digestIndex, isObfuscated, normaliseDigest } from './resolve-digests.js';
import { sourceView } from './source-view.js';

export interface MergeOptions {
  /** Remove subdomains of allowlisted domains, not only exact matches (default true). */
  allowSubdomains?: boolean;
  /** Drop child blocks not stricter than a blocked parent (default true). */
  dropRedundant?: boolean;
}

export interface MergeOutcome extends MergeResult {
  /** Things the admin should know that did not change the result (a parent of an allowed domain stays blocked). */
  warnings: string[];
}

export function mergeLists(lists: SourceList[], settings: MergeSettings, options: MergeOptions = {}): MergeOutcome {
  const { blocks, obfuscated } = foldLists(lists, settings);

  const belowThreshold = remove(blocks, applyThreshold(blocks.values(), lists.length, settings.threshold));
  const allowed = applyAllowlists(blocks, settings.allow, { allowSubdomains: options.allowSubdomains ?? true });
  remove(blocks, allowed.dropped);
  const redundant = options.dropRedundant === false ? [] : remove(blocks, dropRedundant(blocks));

  return {
    blocks: sortedBlocks(blocks),
    dropped: [obfuscated, belowThreshold, allowed.dropped, redundant].flatMap((d) => d.sort(byDomain)),
    sourceCount: lists.length,
    warnings: allowed.warnings,
  };
}

function foldLists(lists: SourceList[], settings: MergeSettings): { blocks: Map<string, MergedBlock>; obfuscated: DroppedDomain[] } {
  const obfuscated: DroppedDomain[] = [];
  const digests = digestIndex(lists);
  const fold = startFold(settings.plan);
  for (const list of lists) {
    const view = sourceView(list, settings);
    for (const row of list.blocks) {
      if (!isObfuscated(row.domain)) {
        foldRow(fold, row, view, row.domain);
        continue;
      }
      const clear = row.digest === undefined ? undefined : digests.get(normaliseDigest(row.digest));
      if (clear !== undefined) foldRow(fold, row, view, clear);
      else obfuscated.push({ domain: row.domain, reason: 'obfuscated', detail: `${list.name}: ${row.digest === undefined ? 'obfuscated without a digest' : 'digest matches no domain named in clear'}` });
    }
  }
  return { blocks: finishFold(fold), obfuscated };
}

function remove(blocks: Map<string, MergedBlock>, dropped: DroppedDomain[]): DroppedDomain[] {
  for (const { domain } of dropped) blocks.delete(domain);
  return dropped;
}

/** Array#sort without a comparator orders strings by UTF-16 code units: plain `<`, and faster. */
function sortedBlocks(blocks: Map<string, MergedBlock>): MergedBlock[] {
  return [...blocks.keys()].sort().map((d) => blocks.get(d)!);
}

/** Plain code-unit order (domains are ASCII), never locale-dependent. */
export const byDomain = (a: { domain: string }, b: { domain: string }): number =>
  a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0;
