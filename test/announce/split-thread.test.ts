// Thread splitting: every post within the limit as Mastodon counts it, no line ever split,
// numbering "i/n", multi-byte text counted per character (grapheme), not per byte or UTF-16 unit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countCharacters, shorten } from '../../src/announce/count-characters.js';
import type { Section } from '../../src/announce/render-announcement.js';
import { splitThread } from '../../src/announce/split-thread.js';

const section = (label: string, lines: string[]): Section => ({ heading: `${label} — what it means:`, label, lines });
const TITLE = 'Moderation update from admin.example, 2 December 2026:';

/** Lines of the posts without numbering, "(continued)" headings and blanks. */
const contentLines = (posts: string[]) =>
  posts.flatMap((p) => p.replace(/\n\n\d+\/\d+$/, '').split('\n')).filter((l) => l !== '' && !/ \(continued\):$/.test(l));

describe('countCharacters', () => {
  it('counts grapheme clusters, as Mastodon does', () => {
    expect(countCharacters('abc')).toBe(3);
    expect(countCharacters('e\u0301')).toBe(1); // e + combining accent
    expect(countCharacters('👍🏽')).toBe(1); // 2 code points, 4 UTF-16 units, 8 bytes
    expect(countCharacters('👨‍👩‍👧')).toBe(1); // a ZWJ family
    expect(countCharacters('日本語')).toBe(3);
  });

  it('counts a URL as at least 23 (what Mastodon charges for any URL), never less', () => {
    expect(countCharacters('see https://a.io')).toBe(4 + 23);
    expect(countCharacters('https://example.com/a/very/long/path/indeed/yes')).toBe(47);
  });

  it('shorten cuts at a character boundary and ends with …', () => {
    expect(shorten('👍🏽👍🏽👍🏽👍🏽', 3)).toBe('👍🏽👍🏽…');
    expect(shorten('short', 10)).toBe('short');
  });
});

describe('splitThread', () => {
  it('one post when everything fits: no numbering', () => {
    expect(splitThread(TITLE, [section('Suspended', ['- a.example: spam'])], 500)).toEqual([`${TITLE}\n\nSuspended — what it means:\n- a.example: spam`]);
  });

  it('numbers posts i/n, keeps a heading with its first item, and heads a continued group again', () => {
    const lines = Array.from({ length: 12 }, (_, i) => `- domain-${i}.example: reason number ${i}`);
    const posts = splitThread(TITLE, [section('Suspended', lines), section('Lifted', ['- old.example'])], 200);
    expect(posts.length).toBeGreaterThan(2);
    posts.forEach((p, i) => {
      expect(p.endsWith(`\n\n${i + 1}/${posts.length}`)).toBe(true);
      expect(countCharacters(p)).toBeLessThanOrEqual(200);
      expect(p.split('\n').at(-3)).not.toMatch(/:$/); // never ends on a heading
    });
    expect(posts[1]).toMatch(/^Suspended \(continued\):\n- domain-/);
    expect(contentLines(posts)).toEqual([TITLE, 'Suspended — what it means:', ...lines, 'Lifted — what it means:', '- old.example']);
  });

  it('multi-byte text: counted in characters, not bytes or UTF-16 units', () => {
    const reason = '🤖'.repeat(200); // 200 characters, 400 UTF-16 units, 800 bytes
    const two = [section('Limited', [`- a.example: ${reason}`, `- b.example: ${reason}`])];
    const one = splitThread('Title:', two, 500);
    expect(one).toHaveLength(1); // ~470 characters, though its .length is ~870
    expect(one[0]!.length).toBeGreaterThan(800);
    const longer = '🤖'.repeat(240);
    const posts = splitThread('Title:', [section('Limited', [`- a.example: ${longer}`, `- b.example: ${longer}`])], 500);
    expect(posts).toHaveLength(2);
    for (const p of posts) expect(countCharacters(p)).toBeLessThanOrEqual(500);
    expect(posts[0]).toContain(longer);
    expect(posts[1]).toMatch(/^Limited \(continued\):\n- b\.example: 🤖+\n\n2\/2$/u);
  });

  it('a single line longer than a whole post is shortened with …, never split across posts', () => {
    const posts = splitThread(TITLE, [section('Suspended', [`- long.example: ${'word '.repeat(200)}`, '- b.example'])], 300);
    for (const p of posts) expect(countCharacters(p)).toBeLessThanOrEqual(300);
    expect(posts.join('\n')).toMatch(/- long\.example: word word .*…/);
    expect(posts.join('\n')).toContain('- b.example');
  });

  it('property: for any lines and any limit, every post fits and the lines come out whole and in order', () => {
    const line = fc.string({ unit: fc.constantFrom('a', 'é', 'e\u0301', '👍🏽', '日', ' ', '.', 'x'), minLength: 1, maxLength: 60 }).map((s) => `- ${s.trim() || 'x'}`);
    fc.assert(
      fc.property(fc.array(fc.array(line, { minLength: 1, maxLength: 15 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 120, max: 600 }), (groups, max) => {
        const sections = groups.map((lines, i) => section(`Group${i}`, lines));
        const posts = splitThread('Title:', sections, max);
        for (const p of posts) expect(countCharacters(p)).toBeLessThanOrEqual(max);
        if (posts.length > 1) posts.forEach((p, i) => expect(p.endsWith(`\n\n${i + 1}/${posts.length}`)).toBe(true));
        expect(contentLines(posts)).toEqual(['Title:', ...sections.flatMap((s) => [s.heading, ...s.lines])]);
      }),
      { numRuns: 300 },
    );
  });
});
