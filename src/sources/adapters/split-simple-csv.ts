// A fast path in front of csv-parse for the CSV that lists are nearly always made of: one line a
// record, LF or CRLF throughout, quotes only around whole fields that stay on their line. Such
// text is split with indexOf and split(','), several times faster than csv-parse, which stays the
// parser of record: anything else (a quote inside a field, a quoted line break, mixed or bare CR
// line ends, a bad closing quote) returns undefined, and the caller hands the whole text to
// csv-parse. The records are the ones csv-parse gives with csv.ts's options
// (test/sources/simple-csv.test.ts checks that on every fixture and the fuzz corpus).

/** csv-parse's records for `text`, or undefined when the text is not simple enough to be sure. */
export function splitSimpleCsv(text: string): string[][] | undefined {
  const n = text.length;
  const crlf = text.indexOf('\r') >= 0;
  if (crlf && !isPureCrlf(text)) return undefined;
  const records: string[][] = [];
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let nextQuote = text.indexOf('"', start);
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    const lineEnd = crlf && end < n ? end - 1 : end;
    // Empty lines are skipped (skip_empty_lines).
    if (lineEnd > start) {
      if (nextQuote >= 0 && nextQuote < start) nextQuote = text.indexOf('"', start);
      if (nextQuote < 0 || nextQuote >= lineEnd) records.push(text.slice(start, lineEnd).split(','));
      else {
        const record = quotedLine(text, start, lineEnd);
        if (record === undefined) return undefined;
        records.push(record);
      }
    }
    start = end + 1;
  }
  return records;
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
