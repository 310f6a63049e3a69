// One domain a line: GoToSocial's text/plain, FediNuke.txt, RapidBlock's headerless CSV export.
import { emptyBlock, type DomainBlock, type Notice } from '../../model.js';
import type { AdapterOptions, AdapterResult } from './types.js';

/** Every entry gets `opts.severity` (the source's `severity` key), suspend by default. */
export function parseText(text: string, source: string, opts: AdapterOptions = {}): AdapterResult {
  const severity = opts.severity ?? 'suspend';
  const blocks: DomainBlock[] = [];
  const lines: number[] = [];
  const notices: Notice[] = [];
  let rows = 0;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let line = 1; pos <= text.length; line++) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let cell = text.slice(pos, end);
    pos = end + 1;
    // The first comma-separated field is the domain; a `#` starts a comment (domains never hold one).
    const comma = cell.indexOf(',');
    if (comma >= 0) cell = cell.slice(0, comma);
    const hash = cell.indexOf('#');
    if (hash >= 0) cell = cell.slice(0, hash);
    cell = cell.trim();
    if (cell === '') continue;
    if (rows === 0 && blocks.length === 0 && cell.toLowerCase() === 'domain') {
      notices.push({ source, line, message: 'skipped a "domain" header line' });
      continue;
    }
    rows++;
    blocks.push(emptyBlock(cell, severity));
    lines.push(line);
  }
  return { blocks, rejects: [], notices, rows, lineOf: (i) => lines[i] ?? 0 };
}
