// Renders a merged list in one of the published formats. Output is byte-for-byte deterministic
// for the same input (blocks arrive sorted by domain from the merge).
//
// CSV is written by hand rather than with csv-stringify: the quoting rules are a few lines, and
// csv-stringify alone costs ~1.1 s for 537,500 rows (decisions.md), half the 1M-row budget.
import type { DomainBlock, OptionalField } from '../model.js';

export const OUTPUT_FORMATS = ['csv', 'mastodon_csv', 'json', 'text'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface FormatOptions {
  /** Optional fields to write, in column order (FediBlockHole's `export_fields`). */
  exportFields: readonly OptionalField[];
  /** '\r\n' in FediBlockHole mode, so a publisher switching tools sees no line-end churn. */
  lineEnd?: '\n' | '\r\n';
}

export const MASTODON_COLUMNS = ['reject_media', 'reject_reports', 'public_comment', 'obfuscate'] as const;

/**
 * Spreadsheets run a cell that starts with = + - @ (or a tab/CR) as a formula; a published list
 * must not be able to do that to whoever opens it. A leading apostrophe is the usual defuse.
 */
export function neutraliseFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export function csvField(value: string): string {
  // Quote like Python's csv.QUOTE_MINIMAL (FediBlockHole's writer): only when needed.
  if (value === '') return '';
  if (/[",\r\n]/.test(value)) return `"${value.replace(/"/g, '""')}"`;
  return value;
}

/** Comments repeat across a list: each distinct one is defused and quoted once per output. */
export type CellCache = Map<string, string>;

export function commentCell(value: string, cache: CellCache): string {
  if (value === '') return '';
  let cell = cache.get(value);
  if (cell === undefined) {
    cell = csvField(neutraliseFormula(value));
    cache.set(value, cell);
  }
  return cell;
}

function fieldText(b: DomainBlock, f: OptionalField, bool: (v: boolean) => string, cache: CellCache): string {
  switch (f) {
    case 'reject_media':
    case 'reject_reports':
    case 'obfuscate':
      return bool(b[f]);
    case 'public_comment':
    case 'private_comment':
      return commentCell(b[f], cache);
  }
}

const pyBool = (v: boolean) => (v ? 'True' : 'False');
const lowerBool = (v: boolean) => (v ? 'true' : 'false');

export function formatCsv(blocks: readonly DomainBlock[], opts: FormatOptions): string {
  const nl = opts.lineEnd ?? '\n';
  const fields = opts.exportFields;
  const parts: string[] = [['domain', 'severity', ...fields].join(',')];
  const cache: CellCache = new Map();
  for (const b of blocks) {
    let line = `${b.domain},${b.severity}`;
    for (const f of fields) line += ',' + fieldText(b, f, pyBool, cache);
    parts.push(line);
  }
  return parts.join(nl) + nl;
}

/** Mastodon's own import header; fields not exported are written as their defaults. */
export function formatMastodonCsv(blocks: readonly DomainBlock[], opts: FormatOptions): string {
  const nl = opts.lineEnd ?? '\n';
  const exported = new Set(opts.exportFields);
  const parts: string[] = ['#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate'];
  const cache: CellCache = new Map();
  for (const b of blocks) {
    let line = `${b.domain},${b.severity}`;
    for (const f of MASTODON_COLUMNS) {
      line += ',' + (exported.has(f) ? fieldText(b, f, lowerBool, cache) : f === 'public_comment' ? '' : 'false');
    }
    parts.push(line);
  }
  return parts.join(nl) + nl;
}

/** Mastodon admin API shape (what the `json` source adapter reads back). */
export function formatJson(blocks: readonly DomainBlock[], opts: FormatOptions): string {
  const out = blocks.map((b) => {
    const o: Record<string, unknown> = { domain: b.domain, severity: b.severity };
    for (const f of opts.exportFields) o[f] = b[f];
    return o;
  });
  return JSON.stringify(out, null, 2) + '\n';
}

export function formatText(blocks: readonly DomainBlock[], opts: FormatOptions): string {
  const nl = opts.lineEnd ?? '\n';
  return blocks.map((b) => b.domain).join(nl) + (blocks.length ? nl : '');
}

export function formatList(blocks: readonly DomainBlock[], format: OutputFormat, opts: FormatOptions): string {
  switch (format) {
    case 'csv':
      return formatCsv(blocks, opts);
    case 'mastodon_csv':
      return formatMastodonCsv(blocks, opts);
    case 'json':
      return formatJson(blocks, opts);
    case 'text':
      return formatText(blocks, opts);
  }
}
