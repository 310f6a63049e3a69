// Reads an Atom document with a real, namespace-aware XML parser (@xmldom/xmldom), failing on any
// well-formedness error, and checks the parts RFC 4287 requires.
import { DOMParser, type Element } from '@xmldom/xmldom';
import { expect } from 'vitest';

export const ATOM = 'http://www.w3.org/2005/Atom';

export interface AtomEntry {
  id: string;
  title: string;
  updated: string;
  contentType: string | null;
  content: string;
}

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/;

function children(el: Element, name: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).namespaceURI === ATOM && (n as Element).localName === name) out.push(n as Element);
  }
  return out;
}
const one = (el: Element, name: string): Element => {
  const found = children(el, name);
  expect(found, `exactly one atom:${name} in atom:${el.localName}`).toHaveLength(1);
  return found[0]!;
};

export function parseAtom(xml: string): { id: string; title: string; updated: string; entries: AtomEntry[] } {
  const doc = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(`not well-formed XML: ${message}`);
    },
  }).parseFromString(xml, 'application/xml');
  const feed = doc.documentElement!;
  expect(feed.namespaceURI).toBe(ATOM);
  expect(feed.localName).toBe('feed');
  const text = (el: Element) => el.textContent ?? '';
  const id = text(one(feed, 'id'));
  const updated = text(one(feed, 'updated'));
  expect(updated).toMatch(RFC3339);
  const entries = children(feed, 'entry').map((e): AtomEntry => {
    const content = children(e, 'content')[0];
    const entry = {
      id: text(one(e, 'id')),
      title: text(one(e, 'title')),
      updated: text(one(e, 'updated')),
      contentType: content?.getAttribute('type') ?? null,
      content: content ? text(content) : '',
    };
    expect(entry.updated).toMatch(RFC3339);
    expect(() => new URL(entry.id)).not.toThrow();
    return entry;
  });
  // atom:author is required on the feed unless every entry has one.
  if (children(feed, 'author').length === 0) for (const e of children(feed, 'entry')) one(e, 'author');
  expect(() => new URL(id)).not.toThrow();
  expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
  return { id, title: text(one(feed, 'title')), updated, entries };
}
