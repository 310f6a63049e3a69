import { describe, expect, it } from 'vitest';
import type { StoredBlock } from '../../src/model.js';
import { checkBrakes } from '../../src/sync/check-brakes.js';
import { planSync } from '../../src/sync/plan-sync.js';
import { hand, NOW, owned, policy, want } from './plan-helpers.js';

const ownedN = (n: number, prefix = 'o'): StoredBlock[] => Array.from({ length: n }, (_, i) => owned(`${prefix}${i}.example`, 'silence'));
const run = (desired: ReturnType<typeof want>[], current: StoredBlock[]) => {
  const p = policy();
  const plan = planSync({ desired, current, policy: p, follow: new Map(), holdDeletes: [], now: NOW, storeFingerprint: '' });
  return checkBrakes(plan, current, p);
};
const keep = (blocks: StoredBlock[]) => blocks.map((b) => want(b.domain, b.severity));

describe('checkBrakes', () => {
  it('never brakes below brake_min_owned', () => {
    const cur = ownedN(9);
    const r = run([], cur); // deletes all 9
    expect(r).toMatchObject({ ok: true, owned: 9, deleting: 9, reasons: [] });
  });

  it('refuses 4 deletes of 10 owned (40% > 30%) with the numbers and the fix', () => {
    const cur = ownedN(10);
    const r = run(keep(cur.slice(4)), cur);
    expect(r).toMatchObject({ ok: false, owned: 10, deleting: 4, lowering: 0 });
    expect(r.reasons).toHaveLength(1);
    expect(r.reasons[0]).toContain('delete 4 and lower 0 of the 10 blocks');
    expect(r.reasons[0]).toContain('40%');
    expect(r.reasons[0]).toContain('--force');
    expect(r.reasons[0]).toContain('brake_delete');
  });

  it('allows 3 of 10 (exactly 30%) and counts lowerings with deletions', () => {
    const cur = ownedN(10);
    expect(run(keep(cur.slice(3)), cur).ok).toBe(true);
    const desired = keep(cur.slice(2));
    desired[0] = want(desired[0]!.domain, 'noop'); // 2 deletes + 2 lowerings = 40%
    desired[1] = want(desired[1]!.domain, 'noop');
    const r = run(desired, cur);
    expect(r).toMatchObject({ ok: false, deleting: 2, lowering: 2 });
  });

  it('refuses creating or raising more than brake_create of the owned number', () => {
    const cur = ownedN(10);
    const fresh = Array.from({ length: 6 }, (_, i) => want(`n${i}.example`, 'silence'));
    const r = run([...keep(cur), ...fresh], cur);
    expect(r).toMatchObject({ ok: false, creating: 6, raising: 0 });
    expect(r.reasons[0]).toContain('brake_create');
    const five = run([...keep(cur), ...fresh.slice(1)], cur);
    expect(five.ok).toBe(true);
    // Raises count too (suspend is capped to silence here: not checked → no raise; use noop→silence).
    const low = cur.map((b) => ({ ...b, severity: 'noop' as const }));
    const r2 = run(keep(cur), low);
    expect(r2).toMatchObject({ ok: false, raising: 10 });
  });

  it('does not count hand-made blocks as owned', () => {
    const cur = [...ownedN(5), ...Array.from({ length: 20 }, (_, i) => hand(`h${i}.example`, 'suspend'))];
    expect(run([], cur)).toMatchObject({ ok: true, owned: 5, deleting: 5 });
  });
});
