import { describe, expect, it } from 'vitest';
import type { Plan, StoredBlock } from '../../src/model.js';
import { explainDestination, formatDestinationExplanation } from '../../src/sync/explain-destination.js';

const stored = (domain: string, severity: StoredBlock['severity'], private_comment: string): StoredBlock => ({
  id: '1', domain, severity, reject_media: false, reject_reports: false, obfuscate: false, public_comment: '', private_comment,
});
const plan = (entries: Plan['entries'], holds: string[] = []): Plan => ({ version: 1, destination: 'admin.example', created_at: '2026-12-02T00:00:00Z', store_fingerprint: 'x', entries, holds });

describe('explainDestination', () => {
  it('a deletion held by a stale source says so, with the block fediblock owns', () => {
    const cur = stored('old.example', 'suspend', '[fediblock]');
    const x = explainDestination('old.example', plan([{ action: 'skip', domain: 'old.example', current: cur, reason: 'deletion held: tier0 is served from a stale copy' }], ['tier0 is served from a stale copy']), [cur], '[fediblock]', []);
    expect(formatDestinationExplanation(x)).toBe(
      [
        'On admin.example:',
        "  now: suspend (fediblock's block)",
        '  left alone: deletion held: tier0 is served from a stale copy',
        '  held: a source is stale or shrank, so nothing is deleted this run',
        'History on admin.example:',
        '  fediblock has not written this domain there',
      ].join('\n'),
    );
  });

  it('a child covered by a parent the same plan creates; an update lists what changes; history lines', () => {
    const p = plan([
      { action: 'create', domain: 'parent.example', desired: { ...stored('parent.example', 'suspend', '[fediblock]') } },
      { action: 'skip', domain: 'a.parent.example', reason: 'covered by parent parent.example (suspend)' },
    ]);
    const x = explainDestination('a.parent.example', p, [], '[fediblock]', [
      { time: '2026-12-01T04:00:00.000Z', run: 'R1', command: 'sync', action: 'delete', before: stored('a.parent.example', 'silence', '[fediblock]'), after: null, sources: [], rule: null, reason: 'no longer in the merged list' },
    ]);
    const text = formatDestinationExplanation(x);
    expect(text).toContain('  covered by parent.example (suspend): created in this same run; Mastodon applies it to a.parent.example');
    expect(text).toContain('  2026-12-01 04:00 UTC  sync delete: silence removed (no longer in the merged list)  [run R1]');
    const u = explainDestination('b.example', plan([{ action: 'update', domain: 'b.example', changes: { severity: { from: 'silence', to: 'suspend' } }, sources: ['a', 'b'], rule: 'max plan' }]), [], '[fediblock]', []);
    expect(formatDestinationExplanation(u)).toContain('  will be updated: severity silence → suspend — sources: a, b; max plan');
  });
});
