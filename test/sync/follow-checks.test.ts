import { describe, expect, it } from 'vitest';
import { domainsNeedingFollowCheck } from '../../src/sync/follow-checks.js';
import { hand, owned, policy, want } from './plan-helpers.js';

describe('domainsNeedingFollowCheck', () => {
  it('asks for creates and raises above max_followed_severity only', () => {
    const d = [want('new.example'), want('raise.example'), want('same.example'), want('low.example', 'silence'), want('lower.example', 'silence')];
    const c = [owned('raise.example', 'silence'), owned('same.example', 'suspend'), owned('lower.example', 'suspend')];
    expect(domainsNeedingFollowCheck(d, c, policy())).toEqual(['new.example', 'raise.example']);
  });

  it('is empty on a no-change re-run', () => {
    const d = [want('a.example'), want('b.example', 'silence')];
    const c = [owned('a.example', 'suspend'), owned('b.example', 'silence')];
    expect(domainsNeedingFollowCheck(d, c, policy())).toEqual([]);
  });

  it('re-checks entries that are currently capped', () => {
    // Capped last run: stored at silence while the list says suspend.
    expect(domainsNeedingFollowCheck([want('f.example')], [owned('f.example', 'silence')], policy())).toEqual(['f.example']);
  });

  it('applies max_severity and max_followed_severity first', () => {
    expect(domainsNeedingFollowCheck([want('a.example')], [], policy({ max_severity: 'silence' }))).toEqual([]);
    expect(domainsNeedingFollowCheck([want('a.example')], [], policy({ max_followed_severity: 'suspend' }))).toEqual([]);
    expect(domainsNeedingFollowCheck([want('a.example', 'silence')], [], policy({ max_followed_severity: 'noop' }))).toEqual(['a.example']);
  });

  it('skips domains the plan will skip anyway', () => {
    const d = [want('hand.example'), want('my.social'), want('social'), want('friend.example'), want('sub.parent.example'), want('x*.example')];
    const c = [hand('hand.example', 'silence'), hand('parent.example', 'suspend')];
    expect(domainsNeedingFollowCheck(d, c, policy({ allow: ['friend.example'] }))).toEqual([]);
  });

  it('with adopt, checks hand-made blocks it would raise, not stricter ones', () => {
    const d = [want('raise.example'), want('strict.example', 'silence')];
    const c = [hand('raise.example', 'silence'), hand('strict.example', 'suspend')];
    expect(domainsNeedingFollowCheck(d, c, policy({ adopt: true }))).toEqual(['raise.example']);
  });

  it('checks a child whose parent might not cover it after the plan', () => {
    // The parent is owned and leaves the list: it may be deleted, so the child may be created.
    expect(domainsNeedingFollowCheck([want('a.parent.example')], [owned('parent.example', 'suspend')], policy())).toEqual(['a.parent.example']);
    // The parent is itself being created (and may be capped): check the child too.
    expect(domainsNeedingFollowCheck([want('parent.example'), want('a.parent.example')], [], policy())).toEqual([
      'a.parent.example',
      'parent.example',
    ]);
    // An owned parent staying at suspend covers it.
    expect(domainsNeedingFollowCheck([want('parent.example'), want('a.parent.example')], [owned('parent.example', 'suspend')], policy())).toEqual([]);
  });
});
