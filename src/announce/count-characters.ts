// Characters as Mastodon counts them for its post length limit (StatusLengthValidator):
// grapheme clusters ("👍🏽" and "é" written as e + accent are one each), with every URL counted as
// 23 and a mention `@user@domain` as `@user`. We count a URL as at least 23 — never less than
// Mastodon, whether or not its extractor recognises the URL — and mentions in full, so a post we
// judge short enough always is.
const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const URL_RE = /https?:\/\/[^\s<>"]+/g;

export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

export function countCharacters(text: string): number {
  let n = 0;
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    n += graphemes(text.slice(last, m.index)).length + Math.max(23, graphemes(m[0]).length);
    last = m.index + m[0].length;
  }
  return n + graphemes(text.slice(last)).length;
}

/** `line` cut (at a grapheme boundary, with "…") so that it counts at most `max`. */
export function shorten(line: string, max: number): string {
  if (countCharacters(line) <= max) return line;
  const g = graphemes(line);
  let keep = Math.min(g.length, max - 1);
  while (keep > 0 && countCharacters(g.slice(0, keep).join('') + '…') > max) keep--;
  return g.slice(0, keep).join('').trimEnd() + '…';
}
