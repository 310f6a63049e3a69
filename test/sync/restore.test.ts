import { describe, expect, it } from 'vitest';
import type { Plan, PlanEntry } from '../../src/model.js';
import { planRestore } from '../../src/sync/plan-restore.js';
import { hand, M, NOW, owned, policy } from './plan-helpers.js';

const byDomain = (p: Plan): Record<string, PlanEntry> => Object.fromEntries(p.entries.map((e) => [e.domain, e]));

describe('planRestore', () => {
  const snapshot = [
    owned('kept.example', 'suspend', { private_comment: `Garden Fence 2026-07-05 ${M}`, public_comment: 'spam' }),
    owned('deleted.example', 'silence', { reject_media: true, private_comment: `note ${M}`, public_comment: 'p' }),
    owned('changed.example', 'silence'),
    hand('adopted.example', 'noop', { reject_media: true }),
    hand('handgone.example', 'suspend'),
    owned('unmarked.example', 'silence'),
    hand('admin.example', 'suspend'),
  ];
  const current = [
    snapshot[0]!,
    owned('changed.example', 'suspend', { public_comment: 'new' }),
    owned('adopted.example', 'silence', { private_comment: `added by alice ${M}` }),
    owned('created.example', 'suspend'),
    hand('unmarked.example', 'suspend'),
    hand('admin.example', 'silence'),
    hand('newhand.example', 'suspend'),
  ];
  const p = planRestore(snapshot, current, policy(), { now: NOW, storeFingerprint: 'fp' });
  const e = byDomain(p);

  it('deletes blocks fediblock created since', () => {
    expect(e['created.example']).toMatchObject({ action: 'delete' });
  });

  it('recreates owned blocks exactly as they were, private comment included', () => {
    expect(e['deleted.example']).toMatchObject({
      action: 'create',
      desired: { severity: 'silence', reject_media: true, reject_reports: false, obfuscate: false, public_comment: 'p', private_comment: `note ${M}` },
    });
  });

  it('updates changed owned blocks back and leaves identical ones', () => {
    expect(e['changed.example']).toMatchObject({
      action: 'update',
      changes: { severity: { from: 'suspend', to: 'silence' }, public_comment: { from: 'new', to: '' } },
    });
    expect(e['kept.example']?.action).toBe('unchanged');
  });

  it('undoes an adoption (fediblock change), removing the marker', () => {
    expect(e['adopted.example']).toMatchObject({
      action: 'update',
      changes: {
        severity: { from: 'silence', to: 'noop' },
        reject_media: { from: false, to: true },
        private_comment: { from: `added by alice ${M}`, to: 'added by alice' },
      },
    });
  });

  it('leaves hand-made blocks alone, now or then', () => {
    expect(e['admin.example']).toBeUndefined();
    expect(e['newhand.example']).toBeUndefined();
    expect(e['unmarked.example']).toMatchObject({ action: 'skip' });
    expect(e['handgone.example']).toMatchObject({ action: 'skip' });
    expect(p.entries.filter((x) => x.action !== 'skip' && x.action !== 'unchanged').map((x) => x.domain).sort()).toEqual([
      'adopted.example',
      'changed.example',
      'created.example',
      'deleted.example',
    ]);
  });

  it('is a plain plan', () => {
    expect(p).toMatchObject({ version: 1, destination: 'my.social', created_at: NOW, store_fingerprint: 'fp', holds: [] });
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });
});
