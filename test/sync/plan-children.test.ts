// Issue 9 holes 1–3 and issue 14 item 11 at the planner: whether a child is needed is decided per
// destination, against the rule its parent will really have there after the plan.
import { describe, expect, it } from 'vitest';
import type { FollowCheckResult } from '../../src/sync/follow-checks.js';
import { domainsNeedingFollowCheck } from '../../src/sync/follow-checks.js';
import { entriesByDomain, hand, M, owned, plan, policy, want } from './plan-helpers.js';

const entries = entriesByDomain;

describe('children the merged list keeps', () => {
  const list = [want('example.com', 'suspend'), want('bad.example.com', 'suspend')];

  it('a child under a looser hand-made parent is created (the list parent is hand-made silence here)', () => {
    const e = entries(plan(list, [hand('example.com', 'silence')]));
    expect(e['example.com']).toMatchObject({ action: 'skip', reason: 'hand-made; set adopt = true to manage it' });
    expect(e['bad.example.com']).toMatchObject({ action: 'create', desired: { severity: 'suspend' } });
  });

  it('a child under a follow-capped parent is created when its own check is clear', () => {
    const follow = new Map<string, FollowCheckResult>([['example.com', { follows: 2, followers: 0 }], ['bad.example.com', { follows: 0, followers: 0 }]]);
    const e = entries(plan(list, [], { follow }));
    expect(e['example.com']).toMatchObject({ action: 'create', desired: { severity: 'silence' }, cap: { from: 'suspend', to: 'silence' } });
    expect(e['bad.example.com']).toMatchObject({ action: 'create', desired: { severity: 'suspend' } });
    expect(domainsNeedingFollowCheck(list, [], policy())).toEqual(['bad.example.com', 'example.com']);
  });

  it("a child of the destination's own domain's parent is created (that parent is never blocked here)", () => {
    const e = entries(plan([want('social', 'suspend'), want('bad.social', 'suspend')], [], { policy: { domain: 'my.social' } }));
    expect(e['social']).toMatchObject({ action: 'skip', reason: 'own domain' });
    expect(e['bad.social']).toMatchObject({ action: 'create', desired: { severity: 'suspend' } });
  });

  it('a child is created when its parent is deleted or lowered by the same plan', () => {
    const deleted = entries(plan([want('bad.example.com', 'suspend')], [owned('example.com', 'suspend')]));
    expect(deleted['example.com']!.action).toBe('delete');
    expect(deleted['bad.example.com']).toMatchObject({ action: 'create', desired: { severity: 'suspend' } });
    const lowered = entries(plan([want('example.com', 'silence'), want('bad.example.com', 'suspend')], [owned('example.com', 'suspend')]));
    expect(lowered['example.com']).toMatchObject({ action: 'update', changes: { severity: { from: 'suspend', to: 'silence' } } });
    expect(lowered['bad.example.com']).toMatchObject({ action: 'create', desired: { severity: 'suspend' } });
  });

  it('a child whose parent cannot be created (allowlisted on this destination) is created', () => {
    const e = entries(plan(list, [], { policy: { allow: ['example.com'] } }));
    expect(e['example.com']).toMatchObject({ action: 'skip', reason: 'allowlisted' });
    expect(e['bad.example.com']!.action).toBe('create');
  });

  it('a new child its parent covers is skipped; an owned one is never deleted for it, and is kept as is', () => {
    const e = entries(plan(list, [owned('example.com', 'suspend')]));
    expect(e['bad.example.com']).toMatchObject({ action: 'skip', reason: 'covered by parent example.com (suspend)' });
    const kept = entries(plan(list, [owned('example.com', 'suspend'), owned('bad.example.com', 'suspend')]));
    expect(kept['bad.example.com']!.action).toBe('unchanged');
    expect(kept['example.com']!.action).toBe('unchanged');
  });

  it('an owned child looser than its parent is raised to the parent rule, never left loosening the subdomain', () => {
    const e = entries(plan([want('example.com', 'suspend'), want('bad.example.com', 'silence')], [owned('example.com', 'suspend'), owned('bad.example.com', 'silence')]));
    expect(e['bad.example.com']).toMatchObject({ action: 'update', changes: { severity: { from: 'silence', to: 'suspend' } } });
    expect(e['bad.example.com']!.reason).toMatch(/from parent example\.com \(suspend\)/);
  });
});

describe('a stricter child lacking a flag of its parent (hole 3)', () => {
  it('is created with the parent flags added, so Mastodon accepts it', () => {
    const e = entries(plan([want('example.com', 'noop', { reject_media: true }), want('bad.example.com', 'silence')], []));
    expect(e['example.com']).toMatchObject({ action: 'create', desired: { severity: 'noop', reject_media: true } });
    expect(e['bad.example.com']).toMatchObject({ action: 'create', desired: { severity: 'silence', reject_media: true, reject_reports: false } });
    expect(e['bad.example.com']!.reason).toMatch(/reject_media from parent example\.com \(noop \+ reject_media\)/);
  });

  it('also under an existing hand-made parent, and a child only adding a flag takes the parent severity', () => {
    const e = entries(plan([want('bad.example.com', 'silence'), want('media.example.com', 'noop', { reject_reports: true })], [hand('example.com', 'silence', { reject_media: true })]));
    expect(e['bad.example.com']).toMatchObject({ action: 'skip', reason: 'covered by parent example.com (silence + reject_media)' });
    expect(e['media.example.com']).toMatchObject({ action: 'create', desired: { severity: 'silence', reject_media: true, reject_reports: true } });
  });

  it('a re-run after applying changes nothing', () => {
    const list = [want('example.com', 'noop', { reject_media: true }), want('bad.example.com', 'silence')];
    const first = plan(list, []);
    let id = 100;
    const store = first.entries.filter((x) => x.action === 'create').map((x) => ({ ...x.desired!, domain: x.domain, id: String(id++) }));
    expect(plan(list, store).entries.map((x) => x.action)).toEqual(['unchanged', 'unchanged']);
  });
});

describe('adoption keeps the admin text (issue 14 item 11)', () => {
  it("keeps the block's public comment where the list has none, and appends the marker once", () => {
    const current = [hand('5dollah.click', 'suspend', { public_comment: 'spam', private_comment: 'Added by Fediblock Sync' })];
    const p = plan([want('5dollah.click', 'suspend')], current, { policy: { adopt: true, marker: 'Added by Fediblock Sync' } });
    expect(entries(p)['5dollah.click']).toMatchObject({ action: 'unchanged' }); // the marker is there already: owned, nothing appended
    const other = plan([want('5dollah.click', 'suspend')], [hand('5dollah.click', 'suspend', { public_comment: 'spam' })], { policy: { adopt: true } });
    expect(entries(other)['5dollah.click']).toMatchObject({ action: 'update', changes: { private_comment: { from: 'added by alice', to: `added by alice ${M}` } } });
    expect(entries(other)['5dollah.click']!.changes!.public_comment).toBeUndefined();
    const withComment = plan([want('5dollah.click', 'suspend', { public_comment: 'scam' })], [hand('5dollah.click', 'suspend', { public_comment: 'spam' })], { policy: { adopt: true } });
    expect(entries(withComment)['5dollah.click']!.changes!.public_comment).toEqual({ from: 'spam', to: 'scam' });
  });
});
