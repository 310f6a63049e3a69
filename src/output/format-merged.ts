// The merged list written straight from the merge's compact form (merge/merged-list.ts), for the
// two CSV formats a million-row merge publishes. Same bytes as formatCsv/formatMastodonCsv, but
// everything after the domain depends only on the rule byte and the comment ids, so each distinct
// tail is rendered once, and lines are joined into large chunks instead of one string per line.
import type { MergedList } from '../merge/merged-list.js';
import { MEDIA, OBFUSCATE, REPORTS, severityOfRule } from '../merge/block-table.js';
import type { OptionalField } from '../model.js';
import { commentCell, formatList, MASTODON_COLUMNS, type CellCache, type FormatOptions, type OutputFormat } from './format-list.js';
import type { DomainBlock } from '../model.js';

const CHUNK = 1 << 20;

const FLAG: Record<'reject_media' | 'reject_reports' | 'obfuscate', number> = { reject_media: MEDIA, reject_reports: REPORTS, obfuscate: OBFUSCATE };

/**
 * formatList for a merge result, as UTF-8: CSV formats from the compact list, each megabyte
 * encoded as soon as it is written (a half-million-line string and its pieces would otherwise sit
 * on the heap beside the merge), the other formats from the merge's blocks.
 */
export function formatMergedList(merged: { list: MergedList; blocks: readonly DomainBlock[] }, format: OutputFormat, opts: FormatOptions): Buffer {
  if (format !== 'csv' && format !== 'mastodon_csv') return Buffer.from(formatList(merged.blocks, format, opts));
  const nl = opts.lineEnd ?? '\n';
  const list = merged.list;
  const mastodon = format === 'mastodon_csv';
  const exported = new Set(opts.exportFields);
  const columns: readonly OptionalField[] = mastodon ? MASTODON_COLUMNS : opts.exportFields;
  const header = mastodon ? '#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate' : ['domain', 'severity', ...opts.exportFields].join(',');
  const cells: CellCache = new Map();
  const t = mastodon ? 'true' : 'True';
  const f = mastodon ? 'false' : 'False';

  const tailOf = (rule: number, pub: number, priv: number): string => {
    let tail = `,${severityOfRule(rule)}`;
    for (const c of columns) {
      if (mastodon && !exported.has(c)) tail += c === 'public_comment' ? ',' : ',false';
      else if (c === 'public_comment') tail += ',' + commentCell(list.commentText(pub), cells);
      else if (c === 'private_comment') tail += ',' + commentCell(list.commentText(priv), cells);
      else tail += ',' + (rule & FLAG[c] ? t : f);
    }
    return tail + nl;
  };
  const usesPrivate = columns.includes('private_comment') && (!mastodon || exported.has('private_comment'));
  const tails = new Map<number, string>();

  const chunks: Buffer[] = [];
  let chunk = header + nl;
  for (let i = 0; i < list.size; i++) {
    const rule = list.rule(i) & 0x7f;
    const pub = list.publicComment(i);
    const priv = usesPrivate ? list.privateComment(i) : 0;
    // rule < 32, comment ids < 2^26: the key is exact in a double.
    const key = (pub * 67_108_864 + priv) * 32 + rule;
    let tail = tails.get(key);
    if (tail === undefined) tails.set(key, (tail = tailOf(rule, pub, priv)));
    chunk += list.domain(i) + tail;
    if (chunk.length > CHUNK) {
      chunks.push(Buffer.from(chunk));
      chunk = '';
    }
  }
  chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
