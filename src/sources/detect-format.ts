// Sniffing for `format = "auto"`: a look at the first line, never a full parse.
import type { ListFormat } from '../model.js';

function firstLine(text: string): string {
  const m = /[^\s\ufeff]/.exec(text);
  if (!m) return '';
  const end = text.indexOf('\n', m.index);
  return text.slice(m.index, end < 0 ? Math.min(text.length, m.index + 4096) : Math.min(end, m.index + 4096));
}

const headerCells = (line: string): string[] => line.split(',').map((c) => c.trim().replace(/^"|"$/g, '').replace(/^#/, '').trim().toLowerCase());

export function detectFormat(text: string): ListFormat {
  const line = firstLine(text);
  if (/^"?#domain"?\s*(,|$)/i.test(line)) return 'mastodon_csv';
  if (line.startsWith('[')) return 'json';
  // An object that is not RapidBlock's goes to the json adapter, which says what it expected.
  if (line.startsWith('{')) return text.includes('"blocks"') ? 'rapidblock_json' : 'json';
  if (line.includes(',') || /^"?domain"?$/i.test(line.trim())) {
    if (headerCells(line).includes('domain')) return 'csv';
  }
  return 'text';
}

const HTML_MARKERS = ['<!doctype html', '<html', '<head', '<body'];

/** An HTML page (error page, login wall, GitHub's web view) served where a list was expected. */
export function looksLikeHtml(text: string): boolean {
  const m = /[^\s\ufeff]/.exec(text);
  if (!m || text[m.index] !== '<') return false;
  const start = text.slice(m.index, m.index + 1024).toLowerCase();
  return HTML_MARKERS.some((t) => start.includes(t));
}
