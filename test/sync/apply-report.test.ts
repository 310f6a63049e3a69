// The summary line a destination gets after its writes: the undo hint only when something was sent.
import { describe, expect, it } from 'vitest';
import { formatApplyReport } from '../../src/jobs/apply-with-care.js';
import type { ApplyReport } from '../../src/sync/apply-plan.js';

const report = (extra: Partial<ApplyReport> = {}): ApplyReport => ({ created: [], updated: [], deleted: [], conflicts: [], failed: [], skipped: [], aborted: false, writes: 0, ...extra });
const SNAP = '/var/cache/fediblock/snapshots/social.example-20261202T040000Z.json';

describe('formatApplyReport', () => {
  it('names the snapshot and how to undo when writes were sent', () => {
    const text = formatApplyReport('social.example', report({ created: ['a.example'], writes: 1 }), SNAP);
    expect(text).toBe(`social.example: 1 created, 0 updated, 0 deleted (1 write request)\n  snapshot of the previous state: ${SNAP} (undo with \`fediblock restore ${SNAP} -d social.example\`)\n`);
  });

  it('leaves the undo hint out when nothing was sent', () => {
    const refused = report({ failed: [{ domain: 'a.example', action: 'create', message: 'the setting changed since the plan', flush: true }], flushFailed: { message: 'changed', writes: 1, uncertain: false, unsafe: true } });
    for (const r of [report(), report({ skipped: [{ domain: 'a.example', reason: 'not started' }] }), refused]) {
      expect(formatApplyReport('social.example', r, SNAP)).not.toContain('snapshot of the previous state');
    }
  });
});
