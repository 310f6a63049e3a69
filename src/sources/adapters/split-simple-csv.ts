// A fast path in front of csv-parse for the CSV that lists are nearly always made of: one line a
// record, LF or CRLF throughout, quotes only around whole fields that stay on their line. Such
// text is split with indexOf and split(','), several times faster than csv-parse, which stays the
// parser of record: anything else (a quote inside a field, a quoted line break, mixed or bare CR
// line ends, a bad closing quote) returns undefined, and the caller hands the whole text to
// csv-parse. The records are the ones csv-parse gives with csv.ts's options
// (test/sources/simple-csv.test.ts checks that on every fixture and the fuzz corpus).

/** Records read one at a time, in order: only the current one is alive (a 50,000-row list held as arrays was most of a large merge's garbage). */
export interface Records {
  readonly length: number;
  /** Record r; r never goes back by more than the one last read. */
  at(r: number): string[];
  /**
   * Where in the text the record last read begins, when it is its line split at every comma (no
   * quotes): cell k then starts after the k cells and commas before it. -1 otherwise.
   */
  plainStart?(): number;
}

/** Thrown by `at` on the first line the fast path cannot be sure of: start again with csv-parse. */
export class NotSimple extends Error {}

/**
 * The fast path's records, split only as they are read, or undefined when the line ends already
 * rule it out. Reading may still throw NotSimple (a quote it cannot be sure of); until then every
 * record read is the one csv-parse gives, so a caller that throws its work away on NotSimple and
 * runs csv-parse loses nothing.
 */
export function simpleRecords(text: string): Records | undefined {
  const crlf = text.indexOf('\r') >= 0;
  if (crlf && !isPureCrlf(text)) return undefined;
  const n = text.length;
  const first = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  // Records are the non-empty lines (skip_empty_lines).
  let length = 0;
  for (let start = first; start < n; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    if ((crlf && end < n ? end - 1 : end) > start) length++;
    start = end + 1;
  }
  let pos = first;
  let nextQuote = text.indexOf('"', first);
  let index = -1;
  let current: string[] = [];
  let currentStart = -1;
  const next = (): string[] => {
    for (;;) {
      let end = text.indexOf('\n', pos);
      if (end < 0) end = n;
      const start = pos;
      const lineEnd = crlf && end < n ? end - 1 : end;
      pos = end + 1;
      if (lineEnd <= start) continue;
      if (nextQuote >= 0 && nextQuote < start) nextQuote = text.indexOf('"', start);
      if (nextQuote < 0 || nextQuote >= lineEnd) {
        currentStart = start;
        return text.slice(start, lineEnd).split(',');
      }
      currentStart = -1;
      const record = quotedLine(text, start, lineEnd);
      if (record === undefined) throw new NotSimple();
      return record;
    }
  };
  return {
    length,
    at(r) {
      if (r < index) throw new RangeError(`simpleRecords: record ${r} was already passed`);
      while (index < r) {
        current = next();
        index++;
      }
      return current;
    },
    plainStart: () => currentStart,
  };
}

/** csv-parse's records for `text`, or undefined when the text is not simple enough to be sure. */
export function splitSimpleCsv(text: string): string[][] | undefined {
  const records = simpleRecords(text);
  if (records === undefined) return undefined;
  const out: string[][] = [];
  try {
    for (let r = 0; r < records.length; r++) out.push(records.at(r));
  } catch (err) {
    if (err instanceof NotSimple) return undefined;
    throw err;
  }
  return out;
}

/** Every line end is CRLF: no bare CR, no bare LF (csv-parse keeps the first kind it meets). */
function isPureCrlf(text: string): boolean {
  let cr = 0;
  for (let i = text.indexOf('\r'); i >= 0; i = text.indexOf('\r', i + 1)) {
    if (text.charCodeAt(i + 1) !== 10) return false;
    cr++;
  }
  let lf = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lf++;
  return cr === lf;
}

/** The fields of the line [a, b) that holds a quote; undefined unless every quote wraps a whole field. */
function quotedLine(text: string, a: number, b: number): string[] | undefined {
  const cells: string[] = [];
  let i = a;
  for (;;) {
    if (text.charCodeAt(i) === 34 /* " */) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q < 0 || q >= b) return undefined; // closed on a later line, or never
        if (q + 1 < b && text.charCodeAt(q + 1) === 34) {
          value += text.slice(from, q + 1);
          from = q + 2;
          continue;
        }
        value += text.slice(from, q);
        i = q + 1;
        break;
      }
      cells.push(value);
      if (i === b) return cells;
      if (text.charCodeAt(i) !== 44 /* , */) return undefined;
      i++;
    } else {
      let c = text.indexOf(',', i);
      if (c < 0 || c > b) c = b;
      const cell = text.slice(i, c);
      if (cell.includes('"')) return undefined;
      cells.push(cell);
      if (c === b) return cells;
      i = c + 1;
    }
  }
}
