// CSV lists: Mastodon's export (`#domain,#severity,…`), FediBlockHole's and Oliphant's plain
// headers, in any column order. One implementation for `csv` and `mastodon_csv`.
import { parse, type Options } from 'csv-parse/sync';
import type { CsvError } from 'csv-parse/sync';
import type { Notice, Reject, Severity } from '../../model.js';
import { severityBits, MEDIA, OBFUSCATE, REPORTS } from '../../rule-byte.js';
import { attachColumns, BlockColumns } from '../block-columns.js';
import { FediblockError } from '../../errors.js';
import { BOOL_HELP, parseBool, parseSeverity, SEVERITY_HELP, shorten } from './fields.js';
import { lineIndex } from './line-index.js';
import { NotSimple, simpleRecords, type Records } from './split-simple-csv.js';
import type { AdapterResult } from './types.js';

/** Longest field accepted; anything longer is not a blocklist row (and would bloat messages). */
export const MAX_FIELD = 64 * 1024;

// Rows as arrays and no `info`: csv-parse's per-record info doubles its cost (decisions.md).
// `skip_records_with_error` keeps the rows before a broken one instead of throwing them away.
export const BASE: Options = {
  bom: true,
  relax_column_count: true,
  relax_quotes: true,
  skip_empty_lines: true,
  skip_records_with_error: true,
};

interface Columns {
  domain: number;
  severity: number;
  reject_media: number;
  reject_reports: number;
  obfuscate: number;
  public_comment: number;
  private_comment: number;
  digest: number;
}

const headerName = (cell: string): string => cell.trim().replace(/^#/, '').trim().toLowerCase();

function mapColumns(header: string[]): Columns | undefined {
  const names = header.map(headerName);
  const at = (n: string) => names.indexOf(n);
  const domain = at('domain');
  if (domain < 0) return undefined;
  const pub = at('public_comment');
  return {
    domain,
    severity: at('severity'),
    reject_media: at('reject_media'),
    reject_reports: at('reject_reports'),
    obfuscate: at('obfuscate'),
    // GoToSocial and some hand-made lists write `comment` for the public comment.
    public_comment: pub >= 0 ? pub : at('comment'),
    private_comment: at('private_comment'),
    digest: at('digest'),
  };
}

const isBlankRecord = (row: string[]): boolean => row.length === 1 && (row[0] as string).trim() === '';
const looksLikeHeaderCell = (cell: string): boolean => cell.length <= 12 && headerName(cell) === 'domain';

/** A problem found in the first pass, placed on a line later. */
interface Pending {
  record: number;
  reason: string;
  value?: string;
}

interface Skip {
  reason: string;
}

export function parseCsv(text: string, source: string): AdapterResult {
  const simple = simpleRecords(text);
  if (simple !== undefined) {
    try {
      return parseRecords(text, source, simple, []);
    } catch (err) {
      if (!(err instanceof NotSimple)) throw err;
    }
  }
  const skips: Skip[] = [];
  const all = parse(text, {
    ...BASE,
    on_skip: (err: CsvError | undefined) => {
      skips.push({ reason: csvErrorReason(err) });
    },
  }) as string[][];
  return parseRecords(text, source, { length: all.length, at: (r) => all[r] as string[] }, skips);
}

function parseRecords(text: string, source: string, records: Records, skips: Skip[]): AdapterResult {
  let h = 0;
  while (h < records.length && isBlankRecord(records.at(h))) h++;
  // A comment line or two above the header is tolerated; a header without `domain` is not.
  while (h < records.length - 1 && records.at(h)[0]?.trimStart().startsWith('#') && !mapColumns(records.at(h))) h++;
  const header = h < records.length ? records.at(h) : undefined;
  if (header === undefined) {
    if (skips.length === 0) return { blocks: [], rejects: [], notices: [], rows: 0, lineOf: () => 0 };
    throw new FediblockError(`${source}: not a readable CSV file (${skips[0]?.reason})`);
  }
  const col = mapColumns(header);
  if (!col) {
    throw new FediblockError(`${source}: the CSV header has no "domain" column (first row: "${shorten(header.join(','))}")`, {
      hint: 'If the list has one domain a line and no header, set format = "text" for this source.',
    });
  }

  const columns = new BlockColumns(Math.max(records.length - h - 1, 1));
  const blockRecord: number[] = [];
  const pending: Pending[] = [];
  const dupHeaders: number[] = [];
  let rows = 0;

  for (let r = h + 1; r < records.length; r++) {
    const row = records.at(r);
    const rawDomain = row[col.domain];
    if (rawDomain !== undefined && looksLikeHeaderCell(rawDomain)) {
      dupHeaders.push(r);
      continue;
    }
    if (isBlankRecord(row)) continue;
    rows++;
    const problem = rowProblem(row, col, rawDomain);
    if (problem) {
      pending.push({ record: r, ...problem });
      continue;
    }
    let rule = severityBits(parseSeverity(col.severity < 0 ? undefined : row[col.severity]) as Severity);
    if (col.reject_media >= 0 && parseBool(row[col.reject_media])) rule |= MEDIA;
    if (col.reject_reports >= 0 && parseBool(row[col.reject_reports])) rule |= REPORTS;
    if (col.obfuscate >= 0 && parseBool(row[col.obfuscate])) rule |= OBFUSCATE;
    const dg = col.digest >= 0 ? row[col.digest]?.trim().toLowerCase() : undefined;
    const pub = (col.public_comment >= 0 ? row[col.public_comment] : undefined) ?? '';
    const priv = (col.private_comment >= 0 ? row[col.private_comment] : undefined) ?? '';
    const lineStart = records.plainStart?.() ?? -1;
    if (lineStart < 0) columns.push(rawDomain as string, rule, pub, priv, dg ? dg : undefined);
    else {
      // The domain as a span of the text: the cell string dies here, young.
      let start = lineStart;
      for (let k = 0; k < col.domain; k++) start += (row[k] as string).length + 1;
      columns.pushSpan(text, start, start + (rawDomain as string).length, rule, pub, priv, dg ? dg : undefined);
    }
    blockRecord.push(r);
  }
  rows += skips.length;

  let lines: Lines | undefined;
  const getLines = (): Lines => (lines ??= (skips.length === 0 ? plainRecordLines(text) : undefined) ?? recordLines(text));
  const rejects: Reject[] = [];
  const notices: Notice[] = [];
  if (pending.length > 0 || skips.length > 0 || dupHeaders.length > 0) {
    const { starts, skipLines } = getLines();
    for (const p of pending) rejects.push({ source, line: starts[p.record] ?? 0, reason: p.reason, ...(p.value === undefined ? {} : { value: p.value }) });
    skips.forEach((s, i) => rejects.push({ source, line: skipLines[i] ?? 0, reason: s.reason }));
    rejects.sort((a, b) => a.line - b.line);
    for (const r of dupHeaders) notices.push({ source, line: starts[r] ?? 0, message: 'skipped a repeated header row' });
  }
  return attachColumns<AdapterResult>(
    {
      rejects,
      notices,
      rows,
      lineOf: (i) => getLines().starts[blockRecord[i] ?? -1] ?? 0,
    },
    columns,
  );
}

function rowProblem(row: string[], col: Columns, rawDomain: string | undefined): { reason: string; value?: string } | undefined {
  for (const f of row) {
    if (f.length > MAX_FIELD) return { reason: `field too long (${f.length} characters, at most ${MAX_FIELD})`, value: shorten(f, 40) };
  }
  if (rawDomain === undefined || rawDomain.trim() === '') return { reason: 'empty domain' };
  if (col.severity >= 0 && parseSeverity(row[col.severity]) === undefined) {
    return { reason: `unknown severity (${SEVERITY_HELP})`, value: shorten(row[col.severity] as string) };
  }
  for (const name of ['reject_media', 'reject_reports', 'obfuscate'] as const) {
    const i = col[name];
    if (i >= 0 && parseBool(row[i]) === undefined) return { reason: `${name}: ${BOOL_HELP}`, value: shorten(row[i] as string) };
  }
  return undefined;
}

function csvErrorReason(err: CsvError | undefined): string {
  if (err?.code === 'CSV_QUOTE_NOT_CLOSED') return 'a quoted field is never closed: the file is truncated or a quote is missing';
  // csv-parse's own line count differs from ours; the reject carries the right line.
  const msg = (err?.message ?? 'unreadable CSV row').replace(/\s*at line \d+/g, '');
  return `unreadable CSV row: ${msg}`;
}

interface Lines {
  /** Start line of each record, by record index. */
  starts: number[];
  /** Start line of each record csv-parse skipped as broken, in order. */
  skipLines: number[];
}

/**
 * Record start lines without a second parse, for the common list with no quotes at all and one
 * kind of line end (a canary notice made every Oliphant list pay for a full `raw` re-parse). Then
 * each record is one non-empty line. Undefined when the text needs the real second pass.
 */
function plainRecordLines(text: string): Lines | undefined {
  if (text.includes('"')) return undefined;
  // csv-parse splits records on the first line end it meets; mixed ends need the real parse.
  let cr = 0;
  let crlf = 0;
  for (let i = text.indexOf('\r'); i >= 0; i = text.indexOf('\r', i + 1)) {
    cr++;
    if (text.charCodeAt(i + 1) === 10) crlf++;
  }
  const starts: number[] = [];
  let line = 1;
  let from = 0;
  let lf = 0;
  for (;;) {
    const nl = text.indexOf('\n', from);
    const end = nl < 0 ? text.length : nl;
    const contentEnd = cr > 0 && end > from && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    // The BOM is stripped by csv-parse: a line holding only a BOM is empty.
    if (contentEnd > from && !(from === 0 && contentEnd === 1 && text.charCodeAt(0) === 0xfeff)) starts.push(line);
    if (nl < 0) break;
    lf++;
    line++;
    from = nl + 1;
  }
  if (cr > 0 && (cr !== crlf || crlf !== lf)) return undefined;
  return { starts, skipLines: [] };
}

/**
 * The second pass, only for sources with something to report: the same parse with `raw`, turning
 * each record into its start line (bytes consumed minus the record's own bytes).
 */
function recordLines(text: string): Lines {
  const buf = Buffer.from(text);
  const lineAt = lineIndex(buf);
  // Start offset of a record: after the previous one, past line ends (`bytes` may or may not
  // count the delimiter's last byte; empty lines are skipped, and belong to no record).
  const startAfter = (offset: number): number => {
    let start = Math.max(0, Math.min(offset, buf.length));
    while (start < buf.length && (buf[start] === 10 || buf[start] === 13)) start++;
    return start;
  };
  const rawLength = (raw: string | undefined) => Buffer.byteLength((raw ?? '').replace(/^[\r\n]+/, ''));
  // Where the last record ended: csv-parse's `bytes` is only current for records it emits.
  let cursor = 0;
  const skipLines: number[] = [];
  // on_record may return anything; csv-parse's types only allow records, hence the casts.
  const opts = {
    ...BASE,
    raw: true,
    on_skip: (_err: CsvError | undefined, raw: string | undefined) => {
      const start = startAfter(cursor);
      skipLines.push(lineAt(start));
      cursor = start + rawLength(raw);
    },
    on_record: (_rec: unknown, ctx: { bytes: number; raw: string | undefined }) => {
      cursor = ctx.bytes;
      return lineAt(startAfter(ctx.bytes - rawLength(ctx.raw)));
    },
  } as unknown as Options;
  const starts = parse(buf, opts) as unknown as number[];
  return { starts, skipLines };
}
