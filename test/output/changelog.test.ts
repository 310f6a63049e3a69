import { describe, expect, it } from 'vitest';
import { renderAtomFeed, sectionHtml } from '../../src/output/atom-feed.js';
import {
  describeBlock,
  diffLists,
  escapeMarkdown,
  prependSection,
  readChangelogSections,
  renderChangelogSection,
  type ListChanges,
} from '../../src/output/changelog.js';
import type { MergedBlock } from '../../src/model.js';
import { b } from '../merge/helpers.js';
import { parseAtom } from './parse-atom.js';

const m = (domain: string, sev: MergedBlock['severity'], sources: number[], extra: Partial<MergedBlock> = {}): MergedBlock => ({ ...b(domain, sev, extra), sources });
const NAMES = ['alpha', 'beta'];
const name = (i: number) => NAMES[i]!;

describe('diffLists', () => {
  it('sorts domains into added, removed (with the merge’s reason when it dropped them) and changed', () => {
    const before = [b('kept.example'), b('gone.example'), b('allowed.example'), b('lowered.example'), b('media.example', 'silence')];
    const now = [m('kept.example', 'suspend', [0]), m('lowered.example', 'silence', [1]), m('media.example', 'silence', [0], { reject_media: true }), m('new.example', 'suspend', [0, 1])];
    const c = diffLists(before, now, name, [{ domain: 'allowed.example', reason: 'allowlist', detail: 'allowlisted' }]);
    expect(c.added.map((x) => [x.domain, x.sources])).toEqual([['new.example', ['alpha', 'beta']]]);
    expect(c.removed.map((x) => [x.domain, x.dropped])).toEqual([
      ['allowed.example', 'allowlisted'],
      ['gone.example', undefined],
    ]);
    expect(c.changed.map((x) => x.domain)).toEqual(['lowered.example', 'media.example']);
    expect(c.first).toBe(false);
  });

  it('a comment-only change is not a change; flags that mean nothing under a suspension are ignored', () => {
    const c = diffLists([b('a.example', 'suspend', { public_comment: 'old' })], [m('a.example', 'suspend', [0], { public_comment: 'new', reject_media: true })], name);
    expect(c.changed).toEqual([]);
    expect(describeBlock({ severity: 'silence', reject_media: true, reject_reports: true })).toBe('silence, reject media, reject reports');
  });

  it('with no previous list it is a first publication', () => {
    const c = diffLists(undefined, [m('a.example', 'suspend', [0])], name);
    expect(c).toMatchObject({ first: true, total: 1, added: [] });
    expect(renderChangelogSection(c, new Date('2026-12-02T00:00:00Z'))).toBe('## 2026-12-02 00:00 UTC\n\nFirst publication: 1 domain.\n');
  });
});

describe('the changelog file', () => {
  const section = (iso: string, added: string) =>
    renderChangelogSection({ added: [{ domain: added, after: b(added), sources: ['alpha'] }], removed: [], changed: [], total: 1, first: false } satisfies ListChanges, new Date(iso));

  it('a new section goes on top, below the title and intro the publisher wrote', () => {
    const first = prependSection(undefined, section('2026-12-01T06:00:00Z', 'one.example'), 'list.csv');
    expect(first.startsWith('# Changelog\n\nChanges to list.csv, newest first.')).toBe(true);
    const own = first.replace('\n\n## ', '\nSubscribe to feed.xml.\n\n## ');
    const second = prependSection(own, section('2026-12-02T06:00:00Z', 'two.example'), 'list.csv');
    expect(second).toContain('Subscribe to feed.xml.\n\n## 2026-12-02 06:00 UTC');
    expect(readChangelogSections(second).map((s) => s.date.toISOString())).toEqual(['2026-12-02T06:00:00.000Z', '2026-12-01T06:00:00.000Z']);
    expect(second.indexOf('two.example')).toBeLessThan(second.indexOf('one.example'));
  });

  it('sections whose heading is not a fediblock date are left alone and not read back', () => {
    const text = '# Log\n\n## Unreleased\n\nhand-written\n';
    const out = prependSection(text, section('2026-12-02T06:00:00Z', 'x.example'), 'l');
    expect(out.indexOf('## 2026-12-02')).toBeLessThan(out.indexOf('## Unreleased'));
    expect(readChangelogSections(out)).toHaveLength(1);
  });

  it('escapes Markdown in free text so a comment cannot become a link or markup', () => {
    expect(escapeMarkdown('see [this](https://x) *now*\n<b>#1</b>')).toBe('see \\[this\\](https://x) \\*now\\* \\<b\\>\\#1\\</b\\>');
  });
});

describe('the Atom feed', () => {
  const sections = [3, 2, 1].map((d) => ({ heading: `2026-12-0${d} 06:00 UTC`, date: new Date(`2026-12-0${d}T06:00:00Z`), body: `${d} added, 0 removed, 0 changed.\n\n### Added\n\n- \`x${d}.example\` — suspend: a \\<b\\> & c` }));

  it('parses as Atom with a real XML parser, newest entries first, at most feed_entries of them', () => {
    const xml = renderAtomFeed({ title: 'Changes to list.csv', key: 'list.csv', sections, limit: 2, date: new Date('2030-01-01T00:00:00Z') });
    const feed = parseAtom(xml);
    expect(feed.title).toBe('Changes to list.csv');
    expect(feed.updated).toBe('2026-12-03T06:00:00Z');
    expect(feed.entries.map((e) => e.updated)).toEqual(['2026-12-03T06:00:00Z', '2026-12-02T06:00:00Z']);
    expect(feed.entries[0]!.title).toBe('2026-12-03 06:00 UTC: 3 added, 0 removed, 0 changed');
    expect(feed.entries[0]!.contentType).toBe('html');
    // The HTML, once the XML is decoded: the comment's own markup stays text.
    expect(feed.entries[0]!.content).toContain('<li><code>x3.example</code> — suspend: a &lt;b&gt; &amp; c</li>');
  });

  it('is the same bytes for the same input, and ids do not change when entries are added', () => {
    const a = renderAtomFeed({ title: 't', key: 'k', sections: sections.slice(1), limit: 50, date: new Date(0) });
    const b2 = renderAtomFeed({ title: 't', key: 'k', sections, limit: 50, date: new Date(0) });
    expect(renderAtomFeed({ title: 't', key: 'k', sections: sections.slice(1), limit: 50, date: new Date(0) })).toBe(a);
    const ids = (x: string) => parseAtom(x).entries.map((e) => e.id);
    expect(ids(b2).slice(1)).toEqual(ids(a));
    expect(parseAtom(a).id).toBe(parseAtom(b2).id);
  });

  it('an empty changelog still makes a valid feed; characters XML forbids are dropped', () => {
    const xml = renderAtomFeed({ title: 'bell\u0007 & co', key: 'k', sections: [], limit: 50, date: new Date('2026-12-02T00:00:00Z') });
    const feed = parseAtom(xml);
    expect(feed.entries).toEqual([]);
    expect(feed.title).toBe('bell & co');
    expect(sectionHtml('plain\n- `a<b`')).toBe('<p>plain</p>\n<ul>\n<li><code>a&lt;b</code></li>\n</ul>');
  });
});
