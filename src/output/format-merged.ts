// The merged list written straight from the merge's compact form (merge/merged-list.ts), for the
// two CSV formats a million-row merge publishes. Same bytes as formatCsv/formatMastodonCsv, but
// everything after the domain depends only on the rule byte and the comment ids, so each distinct
// tail is rendered once, and lines are joined into large chunks instead of one string per line.
import type { MergedList } from '../merge/merged-list.js';
import { MEDIA, OBFUSCATE, REPORTS, severityOfRule } from '../merge/block-table.js';
import type { OptionalField } from '../model.js';
import { commentCell, formatList, MASTODON_COLUMNS, type CellCache, type FormatOptions, type OutputFormat } from './format-list.js';
import type { DomainBlock } from '../model.js';

/** Lines are joined into strings of about this many UTF-16 units: small enough to die young. */
const PIECE = 16 * 1024;
/** Bytes per chunk handed to the writer. */
const CHUNK = 1 << 20;

const FLAG: Record<'reject_media' | 'reject_reports' | 'obfuscate', number> = { reject_media: MEDIA, reject_reports: REPORTS, obfuscate: OBFUSCATE };

type Merged = { list: MergedList; blocks: readonly DomainBlock[] };

/** formatList for a merge result, as UTF-8 in one buffer. */
export function formatMergedList(merged: Merged, format: OutputFormat, opts: FormatOptions): Buffer {
  const parts: Buffer[] = [];
  for (const chunk of formatMergedChunks(merged, format, opts)) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

/**
 * formatList for a merge result, as UTF-8 chunks made as they are read: CSV formats from the
 * compact list, a megabyte at a time, so a writer holds one chunk instead of a half-million-line
 * string and a copy of it beside the merge; the other formats from the merge's blocks.
 * A chunk is only valid until the next one is asked for: CSV chunks are encoded into one reused
 * buffer (a fresh megabyte each time sat outside the heap until a full collection, 60 MB at a
 * million rows). Copy a chunk to keep it.
 */
export function* formatMergedChunks(merged: Merged, format: OutputFormat, opts: FormatOptions): Generator<Buffer> {
  if (format !== 'csv' && format !== 'mastodon_csv') {
    yield Buffer.from(formatList(merged.blocks, format, opts));
    return;
  }
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

  // Pieces are encoded one after another into a reused buffer, handed out a megabyte at a time. A
  // UTF-16 unit is at most 3 bytes of UTF-8; a piece that cannot fit (one huge line) goes alone.
  const out = Buffer.allocUnsafe(CHUNK + 3 * PIECE);
  let used = 0;
  let piece = header + nl;
  const flush = function* (last: boolean): Generator<Buffer> {
    if (3 * piece.length > out.length - used) {
      if (used > 0) yield out.subarray(0, used);
      used = 0;
      if (3 * piece.length > out.length) {
        yield Buffer.from(piece);
        piece = '';
        return;
      }
    }
    used += out.write(piece, used);
    piece = '';
    if (used >= CHUNK || (last && used > 0)) {
      yield out.subarray(0, used);
      used = 0;
    }
  };
  for (let i = 0; i < list.size; i++) {
    const rule = list.rule(i) & 0x7f;
    const pub = list.publicComment(i);
    const priv = usesPrivate ? list.privateComment(i) : 0;
    // rule < 32, comment ids < 2^26: the key is exact in a double.
    const key = (pub * 67_108_864 + priv) * 32 + rule;
    let tail = tails.get(key);
    if (tail === undefined) tails.set(key, (tail = tailOf(rule, pub, priv)));
    piece += list.domain(i) + tail;
    if (piece.length >= PIECE) yield* flush(false);
  }
  yield* flush(true);
}
