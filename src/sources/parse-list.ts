// The format → adapter table, and the one place where domains are normalised and canaries dropped.
import type { ListFormat, Notice, ParseResult, Reject, Severity } from '../model.js';
import { attachColumns, BlockColumns } from './block-columns.js';
import { FediblockError } from '../errors.js';
import { parseCsv } from './adapters/csv.js';
import { parseFediseer } from './adapters/fediseer.js';
import { parseJson } from './adapters/json.js';
import { parseRapidblockJson } from './adapters/rapidblock-json.js';
import { parseText } from './adapters/text.js';
import { shorten } from './adapters/fields.js';
import type { Adapter } from './adapters/types.js';
import { isCanary } from './canaries.js';
import { detectFormat, looksLikeHtml } from './detect-format.js';
import { isNormalDomain, normalizeDomain } from './normalize-domain.js';

const ADAPTERS: Record<ListFormat, Adapter> = {
  csv: parseCsv,
  mastodon_csv: parseCsv,
  json: parseJson,
  mastodon_api: parseJson,
  rapidblock_json: parseRapidblockJson,
  rapidblock_csv: parseText,
  text: parseText,
  fediseer: parseFediseer,
};

/**
 * Parse a list's text into blocks with normalised domains. Throws a FediblockError naming the
 * source when the text is not a list at all (HTML, wrong JSON shape, CSV without a domain column:
 * the adapters throw those); a list with no rows is returned empty, for the caller to judge.
 */
export interface ParseListOptions {
  /** Allowlists keep canary rows: allowlisting a sentinel is exactly what they are for (Oliphant's __allowlist.csv). */
  keepCanaries?: boolean;
  /** What entries without a severity of their own mean (the source's `severity` key). */
  severity?: Severity;
}

export function parseList(text: string, format: ListFormat | 'auto', source: string, opts: ParseListOptions = {}): ParseResult & { format: ListFormat } {
  if (looksLikeHtml(text)) {
    throw new FediblockError(`${source}: got an HTML page instead of a blocklist`, {
      hint: 'The URL may point to a web page, a login page or an error page. For GitHub, use the "raw" URL.',
    });
  }
  const fmt = format === 'auto' ? detectFormat(text) : format;
  const raw = ADAPTERS[fmt](text, source, opts.severity === undefined ? {} : { severity: opts.severity });

  // Normalised and filtered in place, in columns: a million rows never become objects here.
  const columns = raw.columns ?? BlockColumns.fromBlocks(raw.blocks);
  const rejects: Reject[] = raw.rejects.slice();
  const notices: Notice[] = raw.notices.slice();
  let kept = 0;
  for (let i = 0; i < columns.length; i++) {
    const domain = columns.domain(i);
    // Most rows are already normalised: no result object for them.
    const n = isNormalDomain(domain) ? { ok: true as const, domain } : normalizeDomain(domain);
    if (!n.ok) {
      rejects.push({ source, line: raw.lineOf(i), reason: n.reason, value: shorten(domain) });
      continue;
    }
    if (!opts.keepCanaries && isCanary(n.domain)) {
      notices.push({ source, line: raw.lineOf(i), message: `dropped the canary row ${n.domain} (a sentinel lists carry to catch blind imports)` });
      continue;
    }
    columns.move(i, kept);
    if (n.domain !== domain) columns.rename(kept, n.domain);
    kept++;
  }
  columns.truncate(kept);
  if (rejects.length > raw.rejects.length) rejects.sort((a, b) => a.line - b.line);
  if (notices.length > raw.notices.length) notices.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return attachColumns<ParseResult & { format: ListFormat }>({ rejects, notices, rows: raw.rows, format: fmt }, columns);
}

