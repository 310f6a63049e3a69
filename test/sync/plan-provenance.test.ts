import { describe, expect, it } from 'vitest';
import { annotatePlan } from '../../src/jobs/plan-provenance.js';
import { emptyBlock, type MergeResult, type Plan } from '../../src/model.js';

const outcome: MergeResult = {
  blocks: [
    { ...emptyBlock('a.example', 'suspend'), sources: [0, 2] },
    { ...emptyBlock('b.example', 'silence'), sources: [1] },
  ],
  dropped: [{ domain: 'gone.example', reason: 'threshold', detail: 'named by 1 of 3 sources, needs 2' }],
  sourceCount: 3,
};
const plan: Plan = {
  version: 1,
  destination: 'my.social',
  created_at: '2026-12-01T00:00:00.000Z',
  store_fingerprint: 'fp',
  holds: [],
  entries: [
    { action: 'create', domain: 'a.example' },
    { action: 'update', domain: 'b.example' },
    { action: 'delete', domain: 'gone.example' },
    { action: 'delete', domain: 'left.example' },
    { action: 'skip', domain: 'skipped.example', reason: 'hand-made' },
    { action: 'unchanged', domain: 'same.example' },
  ],
};
const names = new Map([[0, 'tier0'], [1, 'gardenfence'], [2, 'council']]);

describe('annotatePlan', () => {
  it('names the sources (config order) and the merge rule of every write, and only of writes', () => {
    const p = annotatePlan(plan, { outcome, settings: { plan: 'max', threshold: { type: 'count', value: 0 } }, sourceNames: names });
    expect(p.entries).toEqual([
      { action: 'create', domain: 'a.example', sources: ['tier0', 'council'], rule: 'max plan' },
      { action: 'update', domain: 'b.example', sources: ['gardenfence'], rule: 'max plan' },
      { action: 'delete', domain: 'gone.example', sources: [], rule: 'threshold: named by 1 of 3 sources, needs 2' },
      { action: 'delete', domain: 'left.example', sources: [], rule: 'not named by any source' },
      { action: 'skip', domain: 'skipped.example', reason: 'hand-made' },
      { action: 'unchanged', domain: 'same.example' },
    ]);
    expect(plan.entries[0]).toEqual({ action: 'create', domain: 'a.example' }); // the input is not changed
  });

  it('says which threshold let a domain in', () => {
    const p = annotatePlan(plan, { outcome, settings: { plan: 'min', threshold: { type: 'count', value: 2 } }, sourceNames: names });
    expect(p.entries[0]!.rule).toBe('min plan, threshold: named by 2 of 3 sources, needs 2');
  });
});
