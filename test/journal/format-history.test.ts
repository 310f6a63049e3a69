import { describe, expect, it } from 'vitest';
import { formatEntry, formatHistory } from '../../src/journal/format-history.js';
import type { JournalBlock, JournalEntry, JournalLine } from '../../src/journal/journal-record.js';
import { parseSince } from '../../src/jobs/log.js';

const M = '[fediblock]';
const b = (o: Partial<JournalBlock> = {}): JournalBlock => ({ id: '1', severity: 'suspend', reject_media: false, reject_reports: false, obfuscate: false, public_comment: '', private_comment: M, ...o });
const e = (o: Partial<JournalEntry>): JournalEntry => ({
  v: 1,
  time: '2026-12-03T04:00:12.345Z',
  run: '20261203T040000Z-3f9a',
  command: 'sync',
  destination: 'my.social',
  action: 'create',
  domain: 'bad.example',
  before: null,
  after: b(),
  sources: [],
  rule: null,
  reason: null,
  cap: null,
  ...o,
});

describe('formatEntry', () => {
  it('says what was done in the interface’s words, and why', () => {
    expect(formatEntry(e({ sources: ['tier0', 'gardenfence'], rule: 'max plan' }))).toBe('2026-12-03 04:00 suspended bad.example — tier0, gardenfence (max plan)');
    expect(formatEntry(e({ after: b({ severity: 'silence', reject_media: true }) }))).toBe('2026-12-03 04:00 limited bad.example (media rejected)');
    expect(formatEntry(e({ after: b({ severity: 'noop', reject_media: true, reject_reports: true }) }))).toBe('2026-12-03 04:00 rejected media and reports from bad.example');
    expect(formatEntry(e({ action: 'delete', before: b({ severity: 'silence' }), after: null, reason: 'no longer in the merged list' }))).toBe(
      '2026-12-03 04:00 lifted bad.example (was limited) — no longer in the merged list',
    );
    expect(formatEntry(e({ action: 'update', before: b({ severity: 'silence', public_comment: 'spam' }), after: b({ severity: 'suspend', reject_reports: true, public_comment: 'spam, hate' }) }))).toBe(
      '2026-12-03 04:00 updated bad.example: limited → suspended, reports rejected, public comment "spam" → "spam, hate"',
    );
    expect(formatEntry(e({ action: 'adopt', before: b({ severity: 'silence', private_comment: 'alice' }), after: b({ severity: 'suspend', private_comment: `alice ${M}` }), reason: 'adopting hand-made block', sources: ['tier0'] }))).toBe(
      '2026-12-03 04:00 adopted bad.example, a block made by hand: limited → suspended — tier0; adopting hand-made block',
    );
    expect(formatEntry(e({ command: 'restore', action: 'update', before: b({ private_comment: `alice ${M}` }), after: b({ private_comment: 'alice' }) }))).toBe('2026-12-03 04:00 (restore) updated bad.example');
  });

  it('names failed and unfinished runs in a full history', () => {
    const lines: JournalLine[] = [
      e({ domain: 'a.example' }),
      { v: 1, time: '2026-12-03T04:01:00Z', run: '20261203T040000Z-3f9a', command: 'sync', destination: 'my.social', action: 'run_end', exit: 1, writes: 1 },
      e({ run: 'r2', time: '2026-12-04T04:00:00Z', domain: 'b.example' }),
    ];
    expect(formatHistory(lines, { runs: true })).toEqual([
      '2026-12-03 04:00 suspended a.example',
      '2026-12-03 04:01 sync run 20261203T040000Z-3f9a ended with exit 1 after 1 write',
      '2026-12-04 04:00 suspended b.example',
      '2026-12-04 04:00 sync run r2 has not finished (still running, or it was killed; the next run completes it)',
    ]);
    expect(formatHistory(lines, { runs: false })).toHaveLength(2);
  });
});

describe('parseSince', () => {
  const now = new Date('2026-12-10T12:00:00Z');
  it('reads dates, UTC times and durations back from now', () => {
    expect(parseSince('2026-12-01', now).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(parseSince('2026-12-01T04:30', now).toISOString()).toBe('2026-12-01T04:30:00.000Z');
    expect(parseSince('2026-12-01T04:30+01:00', now).toISOString()).toBe('2026-12-01T03:30:00.000Z');
    expect(parseSince('7d', now).toISOString()).toBe('2026-12-03T12:00:00.000Z');
    expect(() => parseSince('yesterday', now)).toThrow(/--since "yesterday" is not a date/);
  });
});
