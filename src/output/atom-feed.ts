// An Atom feed (RFC 4287) of a published list's changelog, so subscribers can follow the list in
// a feed reader. Built from the changelog's own sections, so the feed never disagrees with it and
// needs no history of its own. Deterministic: ids are name-based UUIDs, times come from the
// section headings.
import { createHash } from 'node:crypto';
import type { ChangelogSection } from './changelog.js';

const ATOM_NS = 'http://www.w3.org/2005/Atom';

export interface FeedInput {
  title: string;
  /** Stable across runs (the list's name): the feed's and its entries' ids derive from it. */
  key: string;
  /** Newest first. */
  sections: ChangelogSection[];
  /** Entries kept ([output] feed_entries). */
  limit: number;
  /** Used for <updated> when there is no section yet. */
  date: Date;
}

/** A name-based UUID (version 5 layout over SHA-1), written as a urn:uuid IRI. */
export function nameUuid(name: string): string {
  const h = createHash('sha1').update(`fediblock:${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `urn:uuid:${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** Text fit for XML 1.0 content and attributes: characters XML forbids are dropped. */
export function escapeXml(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** The small Markdown subset the changelog uses (### headings, - items, `code`, \-escapes) as HTML. */
export function sectionHtml(markdown: string): string {
  const inline = (s: string) => {
    let out = '';
    const re = /`([^`]*)`|\\(.)|([^`\\]+)|(.)/gs;
    for (const m of s.matchAll(re)) {
      if (m[1] !== undefined) out += `<code>${escapeXml(m[1])}</code>`;
      else out += escapeXml(m[2] ?? m[3] ?? m[4] ?? '');
    }
    return out;
  };
  const html: string[] = [];
  let inList = false;
  for (const line of markdown.split('\n')) {
    const item = /^- (.*)$/.exec(line);
    if (item) {
      if (!inList) html.push('<ul>');
      inList = true;
      html.push(`<li>${inline(item[1]!)}</li>`);
      continue;
    }
    if (inList) html.push('</ul>');
    inList = false;
    const h = /^### (.*)$/.exec(line);
    if (h) html.push(`<h3>${inline(h[1]!)}</h3>`);
    else if (line.trim()) html.push(`<p>${inline(line)}</p>`);
  }
  if (inList) html.push('</ul>');
  return html.join('\n');
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function renderAtomFeed(f: FeedInput): string {
  const entries = f.sections.slice(0, Math.max(0, f.limit));
  const updated = entries.length ? entries.reduce((a, s) => (s.date > a ? s.date : a), entries[0]!.date) : f.date;
  const out = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="${ATOM_NS}">`,
    `  <id>${nameUuid(`feed:${f.key}`)}</id>`,
    `  <title>${escapeXml(f.title)}</title>`,
    `  <updated>${iso(updated)}</updated>`,
    '  <author><name>fediblock</name></author>',
    '  <generator>fediblock</generator>',
  ];
  for (const s of entries) {
    const summary = s.body.split('\n')[0]?.trim() ?? '';
    out.push(
      '  <entry>',
      `    <id>${nameUuid(`entry:${f.key}:${s.heading}`)}</id>`,
      `    <title>${escapeXml(`${s.heading}: ${summary.replace(/\.$/, '')}`)}</title>`,
      `    <updated>${iso(s.date)}</updated>`,
      `    <content type="html">${escapeXml(sectionHtml(s.body))}</content>`,
      '  </entry>',
    );
  }
  out.push('</feed>');
  return out.join('\n') + '\n';
}
