// A destination that refuses the token (401/403) fails every write alike: apply stops sending.
import { describe, expect, it } from 'vitest';
import { emptyBlock, type Plan, type StoredBlock } from '../../src/model.js';
import { MastodonHttpError } from '../../src/destinations/mastodon/errors.js';
import { applyPlan } from '../../src/sync/apply-plan.js';
import type { Store } from '../../src/sync/store.js';

describe('applyPlan on a refused token', () => {
  it('stops after the first 403 instead of sending every write', async () => {
    let sent = 0;
    const store: Store = {
      name: 'admin.example',
      list: async () => [],
      create: async () => {
        sent++;
        throw new MastodonHttpError('admin.example refused POST /api/v1/admin/domain_blocks: the token lacks admin:write:domain_blocks', { status: 403, host: 'admin.example', method: 'POST', path: '/api/v1/admin/domain_blocks' });
      },
      update: async () => ({}) as StoredBlock,
      remove: async () => {},
    };
    const plan: Plan = {
      version: 1,
      destination: 'admin.example',
      created_at: '2026-11-25T00:00:00Z',
      store_fingerprint: 'x',
      holds: [],
      entries: Array.from({ length: 20 }, (_, i) => {
        const { domain: _d, ...desired } = emptyBlock(`d${String(i).padStart(2, '0')}.example`);
        return { action: 'create' as const, domain: `d${String(i).padStart(2, '0')}.example`, desired };
      }),
    };
    const report = await applyPlan(plan, store, { concurrency: 1 });
    expect(sent).toBe(1);
    expect(report.failed).toHaveLength(1);
    expect(report.failed[0]?.message).toMatch(/admin:write:domain_blocks/);
    expect(report.skipped).toHaveLength(19);
    expect(report.skipped[0]?.reason).toMatch(/refused the token/);
  });
});
