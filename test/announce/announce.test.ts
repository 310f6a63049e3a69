// The announcement's content and words: which changes are announced and how (golden files for the
// text, reviewed by eye for tone: short, plain, no jargon), from a fixed plan and a fixed journal.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changesFromJournal, changesFromPlan, classifyChange } from '../../src/announce/collect-changes.js';
import { publicDomain } from '../../src/announce/public-domain.js';
import { renderJson, renderMarkdown, renderText, sectionsOf, titleOf, type Announcement } from '../../src/announce/render-announcement.js';
import { splitThread } from '../../src/announce/split-thread.js';
import { parseJournal } from '../../src/journal/read-journal.js';
import type { Plan } from '../../src/model.js';

const DIR = join(import.meta.dirname, '../../fixtures/announce');
const plan = JSON.parse(readFileSync(join(DIR, 'plan.json'), 'utf8')) as Plan;
const journal = parseJournal(readFileSync(join(DIR, 'journal.jsonl'), 'utf8'), 'journal.jsonl');
const lastRun = journal.entries.filter((e) => e.run === '20261202T040000Z-bbbb');

function golden(name: string, actual: string): void {
  const file = join(DIR, name);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const planned: Announcement = { destination: 'admin.example', kind: 'planned', date: new Date(plan.created_at), changes: changesFromPlan(plan.entries) };
const applied: Announcement = { destination: 'admin.example', kind: 'applied', date: new Date('2026-12-02T04:00:08Z'), changes: changesFromJournal(lastRun) };

describe('which changes are announced', () => {
  it('from a plan: creates, updates and deletes people would notice; skips, unchanged, comment-only and reports-only are left out', () => {
    expect(planned.changes.map((c) => [c.group, c.shown])).toEqual([
      ['suspended', 'bad.example'],
      ['limited', 'followed.example'],
      ['lifted', 'gone.example'],
      ['suspended', 'hostna**.******e.com'],
      ['limited', 'loud.example'],
      ['media', 'pics.example'],
      ['limited', 'xn--wgv71a.example'],
    ]);
  });

  it('from the journal: one line per domain from its first block to its last; an adoption that changed nothing is not news', () => {
    expect(applied.changes.map((c) => [c.group, c.shown, c.note ?? ''])).toEqual([
      ['limited', 'followed.example', 'limited for now: local accounts still follow accounts there'],
      ['suspended', 'new.example', ''],
      ['lifted', 'old.example', 'was suspended'],
      ['suspended', 'raised.example', 'was limited'],
      ['suspended', 'twic*.****ple', ''],
    ]);
  });

  it('obfuscated domains are shown exactly as Mastodon shows them (mastodon-api.md §2 examples)', () => {
    expect(publicDomain('hostname.example.com')).toBe('hostna**.******e.com');
    expect(publicDomain('example.com')).toBe('exa****.*om');
    expect(publicDomain('mastodon.social')).toBe('mast****.***ial');
  });

  it('a follow cap that failed its check says so; lifting a media-only block says what it was', () => {
    const capped = classifyChange('x.example', null, { severity: 'silence', reject_media: false, obfuscate: false, public_comment: '' }, { from: 'suspend', to: 'silence', error: 'timeout' });
    expect(capped?.note).toBe('limited for now, until we can check who follows accounts there');
    const lifted = classifyChange('m.example', { severity: 'noop', reject_media: true, obfuscate: false, public_comment: 'porn' }, { severity: 'noop', reject_media: false, obfuscate: false, public_comment: 'porn' });
    expect(lifted).toMatchObject({ group: 'lifted', reason: '', note: 'media was rejected' });
    const more = classifyChange('s.example', { severity: 'silence', reject_media: false, obfuscate: false, public_comment: '' }, { severity: 'silence', reject_media: true, obfuscate: false, public_comment: '' });
    expect(more).toMatchObject({ group: 'limited', note: 'media rejected too' });
  });
});

describe('the words (golden files)', () => {
  it('plan as text, Markdown and JSON', () => {
    golden('expected-plan.txt', renderText(planned));
    golden('expected-plan.md', renderMarkdown(planned));
    golden('expected-plan.json', renderJson(planned));
  });

  it('the last run from the journal as text, and as a thread of 200-character posts', () => {
    golden('expected-journal.txt', renderText(applied));
    golden('expected-journal-thread.txt', splitThread(titleOf(applied), sectionsOf(applied), 200).join('\n\n---\n\n') + '\n');
  });

  it('no jargon: none of the API’s words reach the text', () => {
    for (const text of [renderText(planned), renderText(applied)]) {
      expect(text).not.toMatch(/\b(silence|noop|suspend|reject_media|reject_reports|severity|obfuscate)\b/);
    }
  });
});
