// Split an announcement into a thread of posts, each within the instance's character limit
// (counted as Mastodon counts), numbered "1/3". A line is never split: a group's heading stays
// with at least its first item, and a group that runs over into the next post is headed again
// "(continued)". Only a single line longer than a whole post is shortened, with "…".
import { countCharacters, shorten } from './count-characters.js';
import type { Section } from './render-announcement.js';

const suffix = (i: number, n: number) => `\n\n${i}/${n}`;

export function splitThread(title: string, sections: Section[], maxCharacters: number): string[] {
  const whole = [title, ...sections.map((s) => `\n${s.heading}\n${s.lines.join('\n')}`)].join('\n');
  if (countCharacters(whole) <= maxCharacters) return [whole];
  // The numbering's width depends on the number of posts: pack for a guess, and grow it until
  // the packing needs no more posts than the numbering allowed for.
  for (let n = 2; ; ) {
    const budget = maxCharacters - countCharacters(suffix(n, n));
    if (budget < 40) throw new Error(`a post limit of ${maxCharacters} characters is too small for a thread`);
    const posts = pack(title, sections, budget);
    if (posts.length <= n) return posts.map((p, i) => p + suffix(i + 1, posts.length));
    n = posts.length;
  }
}

function pack(title: string, sections: Section[], budget: number): string[] {
  const posts: string[] = [];
  let cur: string[] = [];
  const fits = (lines: string[]) => countCharacters([...cur, ...lines].join('\n')) <= budget;
  const flush = () => {
    if (cur.length) posts.push(cur.join('\n'));
    cur = [];
  };
  cur.push(shorten(title, budget));
  for (const s of sections) {
    const heading = shorten(s.heading, Math.floor(budget / 2));
    const first = shorten(s.lines[0] ?? '', budget - countCharacters(heading) - 1);
    if (!fits(['', heading, first])) flush();
    cur.push(...(cur.length ? [''] : []), heading, first);
    const continued = `${s.label} (continued):`;
    for (const raw of s.lines.slice(1)) {
      const line = shorten(raw, budget - countCharacters(continued) - 1);
      if (fits([line])) cur.push(line);
      else {
        flush();
        cur.push(continued, line);
      }
    }
  }
  flush();
  return posts;
}
