// Where each element of a JSON container starts, for messages. JSON.parse has already accepted the
// text, so a small iterative scanner is enough (no recursion: nesting depth is the input's choice).
import { lineIndex } from './line-index.js';

/**
 * Offsets of the direct children of the container (array or object) opening at `open`: for an
 * array the start of each element, for an object the start of each key.
 */
export function childOffsets(text: string, open: number): number[] {
  const out: number[] = [];
  let depth = 0;
  let expectChild = false;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      if (depth === 1 && expectChild) {
        out.push(i);
        expectChild = false;
      }
      i = skipString(text, i);
      continue;
    }
    if (c === 32 || c === 10 || c === 13 || c === 9) continue;
    if (c === 91 /* [ */ || c === 123 /* { */) {
      if (depth === 1 && expectChild) {
        out.push(i);
        expectChild = false;
      }
      depth++;
      if (depth === 1) expectChild = true;
      continue;
    }
    if (c === 93 /* ] */ || c === 125 /* } */) {
      depth--;
      if (depth === 0) break;
      continue;
    }
    if (depth === 1 && c === 44 /* , */) {
      expectChild = true;
      continue;
    }
    if (depth === 1 && expectChild) {
      out.push(i);
      expectChild = false;
    }
  }
  return out;
}

/** Offset of the closing quote of the string opening at `i`. */
function skipString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 92 /* \ */) j++;
    else if (c === 34) return j;
  }
  return text.length;
}

/** Offset just after the string opening at `i`, with its decoded value. */
export function readString(text: string, i: number): { value: string; end: number } {
  const close = skipString(text, i);
  return { value: JSON.parse(text.slice(i, close + 1)) as string, end: close + 1 };
}

/** The value offset for the member whose key starts at `keyAt` (after the colon and spaces). */
export function memberValueOffset(text: string, keyAt: number): number {
  let i = readString(text, keyAt).end;
  while (i < text.length && text[i] !== ':') i++;
  i++;
  while (i < text.length && /\s/.test(text[i] as string)) i++;
  return i;
}

export function firstNonSpace(text: string): number {
  const m = /\S/.exec(text);
  return m ? m.index : text.length;
}

export { lineIndex };
