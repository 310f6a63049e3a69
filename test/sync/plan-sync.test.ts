import { describe, expect, it } from 'vitest';
import { covers, stricterThan } from '../../src/sync/plan-sync.js';
import { isOwned, withMarker, withoutMarker } from '../../src/sync/ownership.js';
import { entriesByDomain, hand, M, NOW, noFollows, owned, plan, stored, want } from './plan-helpers.js';

const byDomain = entriesByDomain;

describe('ownership marker', () => {
  it('detects, appends idempotently and removes the marker', () => {
    expect(isOwned({ private_comment: 'spam [fediblock]' }, M)).toBe(true);
    expect(isOwned({ private_comment: 'spam' }, M)).toBe(false);
    expect(isOwned({ private_comment: 'x' }, '')).toBe(false);
    expect(withMarker('', M)).toBe(M);
    expect(withMarker('note', M)).toBe('note [fediblock]');
    expect(withMarker(withMarker('note', M), M)).toBe('note [fediblock]');
    expect(withoutMarker('note [fediblock]', M)).toBe('note');
    expect(withoutMarker('[fediblock] note', M)).toBe('note');
    expect(withoutMarker('note', M)).toBe('note');
  });
});

describe('planSync', () => {
  it('returns plan metadata, entries sorted by domain', () => {
    const p = plan([want('b.example'), want('a.example')], [], { hold: [] });
    expect(p).toMatchObject({ version: 1, destination: 'my.social', created_at: NOW, store_fingerprint: 'fp', holds: [] });
    expect(p.entries.map((e) => e.domain)).toEqual(['a.example', 'b.example']);
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });

  it('first sync: creates with the marker, leaves hand-made blocks alone and reports them', () => {
    const p = plan(
      [want('bad.example', 'suspend', { public_comment: 'spam', reject_media: true }), want('mine.example', 'silence')],
      [hand('mine.example', 'silence'), hand('other.example', 'suspend')],
    );
    const e = byDomain(p);
    expect(e['bad.example']).toMatchObject({
      action: 'create',
      desired: { severity: 'suspend', public_comment: 'spam', reject_media: true, private_comment: M },
    });
    expect(e['mine.example']).toMatchObject({ action: 'skip', reason: 'hand-made; set adopt = true to manage it' });
    expect(e['other.example']).toBeUndefined(); // not fediblock's business
  });

  it('writes only the managed fields; private_comment only with the marker', () => {
    const d = want('x.example', 'silence', { reject_media: true, public_comment: 'pub', private_comment: 'Garden Fence 2026-07-05' });
    const p1 = plan([d], [], { policy: { fields: [] } });
    expect(p1.entries[0]?.desired).toEqual({
      severity: 'silence', reject_media: false, reject_reports: false, obfuscate: false, public_comment: '', private_comment: M,
    });
    const p2 = plan([d], [], { policy: { fields: ['private_comment', 'reject_media'] } });
    expect(p2.entries[0]?.desired).toMatchObject({ reject_media: true, private_comment: `Garden Fence 2026-07-05 ${M}` });
  });

  it('deletes owned blocks that left the list, never hand-made ones', () => {
    const p = plan([], [owned('gone.example', 'silence'), hand('admin.example', 'suspend')]);
    expect(p.entries).toHaveLength(1);
    expect(p.entries[0]).toMatchObject({ action: 'delete', domain: 'gone.example', reason: 'no longer in the merged list' });
  });

  it('remove = false and held deletions turn deletes into skips', () => {
    const cur = [owned('gone.example', 'silence')];
    expect(plan([], cur, { policy: { remove: false } }).entries[0]).toMatchObject({ action: 'skip', reason: 'remove = false' });
    const p = plan([], cur, { hold: ['source "oliphant" served stale'] });
    expect(p.entries[0]).toMatchObject({ action: 'skip', reason: 'deletion held: source "oliphant" served stale' });
    expect(p.holds).toEqual(['source "oliphant" served stale']);
  });

  it('raises and lowers owned blocks with only the changed fields', () => {
    const cur = [owned('up.example', 'silence'), owned('down.example', 'suspend')];
    const e = byDomain(plan([want('up.example', 'suspend'), want('down.example', 'silence')], cur));
    expect(e['up.example']).toMatchObject({ action: 'update', changes: { severity: { from: 'silence', to: 'suspend' } } });
    expect(Object.keys(e['up.example']?.changes ?? {})).toEqual(['severity']);
    expect(e['up.example']?.desired?.private_comment).toBe(M);
    expect(e['down.example']).toMatchObject({ action: 'update', changes: { severity: { from: 'suspend', to: 'silence' } } });
  });

  it('a change only in private_comment is not an update (Garden Fence date stamps)', () => {
    const cur = [owned('x.example', 'suspend', { private_comment: `Garden Fence 2026-07-05 ${M}` })];
    const p = plan([want('x.example', 'suspend', { private_comment: 'Garden Fence 2026-07-12' })], cur, {
      policy: { fields: ['private_comment', 'public_comment'] },
    });
    expect(p.entries[0]).toMatchObject({ action: 'unchanged', domain: 'x.example' });
  });

  it('public_comment counts only with sync_comments', () => {
    const cur = [owned('x.example', 'silence', { public_comment: 'old' })];
    const d = [want('x.example', 'silence', { public_comment: 'new' })];
    expect(plan(d, cur, { policy: { sync_comments: false } }).entries[0]?.action).toBe('unchanged');
    expect(plan(d, cur, { policy: { sync_comments: true } }).entries[0]).toMatchObject({
      action: 'update',
      changes: { public_comment: { from: 'old', to: 'new' } },
    });
  });

  it('ignores reject flags on a block that stays suspended (a PUT would reprocess it)', () => {
    const p = plan([want('x.example', 'suspend', { reject_media: true })], [owned('x.example', 'suspend')]);
    expect(p.entries[0]?.action).toBe('unchanged');
    const q = plan([want('x.example', 'silence', { reject_media: true })], [owned('x.example', 'suspend')]);
    expect(q.entries[0]?.changes).toEqual({
      severity: { from: 'suspend', to: 'silence' },
      reject_media: { from: false, to: true },
    });
  });

  it('caps everything at max_severity', () => {
    const p = plan([want('a.example', 'suspend')], [owned('b.example', 'suspend')], { policy: { max_severity: 'silence' } });
    expect(byDomain(p)['a.example']).toMatchObject({ action: 'create', desired: { severity: 'silence' } });
    expect(byDomain(p)['a.example']?.cap).toBeUndefined();
  });

  describe('follow-aware caps', () => {
    it('caps a create while follows exist, with the counts', () => {
      const p = plan([want('f.example')], [], { follow: new Map([['f.example', { follows: 12, followers: 3 }]]) });
      expect(p.entries[0]).toMatchObject({
        action: 'create',
        desired: { severity: 'silence' },
        cap: { from: 'suspend', to: 'silence', follows: 12, followers: 3 },
        reason: '12 local accounts follow accounts there, 3 follow back; capped at silence until the follows are gone',
      });
    });

    it('raises a capped block once the follows are gone', () => {
      const cur = [owned('f.example', 'silence')];
      const still = plan([want('f.example')], cur, { follow: new Map([['f.example', { follows: 1, followers: 0 }]]) });
      expect(still.entries[0]).toMatchObject({ action: 'unchanged', cap: { from: 'suspend', to: 'silence', follows: 1 } });
      const gone = plan([want('f.example')], cur, { follow: noFollows('f.example') });
      expect(gone.entries[0]).toMatchObject({ action: 'update', changes: { severity: { from: 'silence', to: 'suspend' } } });
      expect(gone.entries[0]?.cap).toBeUndefined();
    });

    it('caps and warns when the check failed', () => {
      const p = plan([want('f.example')], [], { follow: new Map([['f.example', { error: 'HTTP 403 (needs admin:read)' }]]) });
      expect(p.entries[0]).toMatchObject({
        action: 'create',
        desired: { severity: 'silence' },
        cap: { from: 'suspend', to: 'silence', error: 'HTTP 403 (needs admin:read)' },
      });
      expect(p.entries[0]?.reason).toMatch(/^follow check failed: HTTP 403 \(needs admin:read\); capped at silence to be safe$/);
    });

    it('never suspends unchecked: a domain missing from the results is capped', () => {
      const p = plan([want('f.example')], [], { follow: new Map() });
      expect(p.entries[0]).toMatchObject({ desired: { severity: 'silence' }, cap: { error: 'not checked' } });
      expect(p.entries[0]?.reason).toContain('capped at silence to be safe');
    });

    it('needs no check at or below max_followed_severity', () => {
      const p = plan([want('s.example', 'silence')], [], { follow: new Map() });
      expect(p.entries[0]).toMatchObject({ action: 'create', desired: { severity: 'silence' } });
      expect(p.entries[0]?.cap).toBeUndefined();
    });

    it('a cap never lowers an existing block', () => {
      const p = plan([want('f.example')], [owned('f.example', 'silence')], {
        policy: { max_followed_severity: 'noop' },
        follow: new Map([['f.example', { follows: 2, followers: 2 }]]),
      });
      expect(p.entries[0]).toMatchObject({ action: 'unchanged', cap: { to: 'silence' } });
    });
  });

  describe('adoption', () => {
    it('adopt = true adds the marker and the list values, keeping the admin note', () => {
      const p = plan([want('h.example', 'suspend', { public_comment: 'spam' })], [hand('h.example', 'silence')], {
        policy: { adopt: true },
      });
      expect(p.entries[0]).toMatchObject({
        action: 'update',
        reason: 'adopting hand-made block',
        changes: {
          severity: { from: 'silence', to: 'suspend' },
          public_comment: { from: '', to: 'spam' },
          private_comment: { from: 'added by alice', to: `added by alice ${M}` },
        },
      });
    });

    it('adopting a block that already matches only adds the marker', () => {
      const p = plan([want('h.example', 'silence')], [hand('h.example', 'silence')], { policy: { adopt: true } });
      expect(p.entries[0]?.changes).toEqual({ private_comment: { from: 'added by alice', to: `added by alice ${M}` } });
    });

    it('never lowers a stricter hand-made block', () => {
      const p = plan([want('h.example', 'silence')], [hand('h.example', 'suspend')], { policy: { adopt: true } });
      expect(p.entries[0]).toMatchObject({ action: 'skip', reason: 'hand-made block is stricter than the list; left as is' });
      const q = plan([want('h.example', 'silence')], [hand('h.example', 'silence', { reject_media: true })], { policy: { adopt: true } });
      expect(q.entries[0]?.action).toBe('skip');
    });

    it('adopt = false skips with a hint', () => {
      const p = plan([want('h.example', 'silence')], [hand('h.example', 'noop')]);
      expect(p.entries[0]).toMatchObject({ action: 'skip', reason: 'hand-made; set adopt = true to manage it' });
    });

    it('own_all: every block is owned, no marker written', () => {
      const p = plan([want('a.example', 'silence'), want('n.example')], [stored('a.example', 'suspend'), stored('z.example', 'silence')], {
        policy: { own_all: true },
      });
      const e = byDomain(p);
      expect(e['a.example']).toMatchObject({ action: 'update', changes: { severity: { from: 'suspend', to: 'silence' } } });
      expect(e['a.example']?.changes?.private_comment).toBeUndefined();
      expect(e['n.example']?.desired?.private_comment).toBe('');
      expect(e['z.example']?.action).toBe('delete');
    });
  });

  describe('never-block rules', () => {
    it('skips the own domain and its parents', () => {
      const p = plan([want('my.social'), want('social'), want('sub.my.social')], []);
      const e = byDomain(p);
      expect(e['my.social']).toMatchObject({ action: 'skip', reason: 'own domain' });
      expect(e['social']).toMatchObject({ action: 'skip', reason: 'own domain' });
      expect(e['sub.my.social']?.action).toBe('create');
    });

    it('removes an owned block on the own domain, skips allowlisted and obfuscated entries', () => {
      const p = plan([want('my.social'), want('friend.example'), want('ba*.example')], [owned('my.social', 'suspend')], {
        policy: { allow: ['friend.example'] },
      });
      const e = byDomain(p);
      expect(e['my.social']).toMatchObject({ action: 'delete', reason: 'own domain' });
      expect(e['friend.example']).toMatchObject({ action: 'skip', reason: 'allowlisted' });
      expect(e['ba*.example']?.action).toBe('skip');
    });

    it('skips a child covered by a parent rule at least as strict (Mastodon would 422)', () => {
      const cur = [hand('example.com', 'silence', { reject_media: true })];
      const e = byDomain(plan([want('a.example.com', 'silence'), want('b.example.com', 'silence', { reject_media: true }), want('c.example.com', 'suspend')], cur));
      expect(e['a.example.com']).toMatchObject({ action: 'skip', reason: 'covered by parent example.com (silence + reject_media)' });
      expect(e['b.example.com']).toMatchObject({ action: 'skip', reason: 'covered by parent example.com (silence + reject_media)' }); // equal: redundant
      expect(e['c.example.com']?.action).toBe('create'); // stricter: Mastodon accepts it
    });

    it('stricter_than? and coverage follow Mastodon', () => {
      const r = (severity: 'noop' | 'silence' | 'suspend', reject_media = false, reject_reports = false) => ({ severity, reject_media, reject_reports });
      expect(stricterThan(r('suspend'), r('suspend', true, true))).toBe(true);
      expect(stricterThan(r('silence', true, true), r('suspend'))).toBe(false);
      expect(stricterThan(r('noop', true, true), r('silence'))).toBe(false);
      expect(stricterThan(r('silence'), r('silence'))).toBe(true);
      expect(stricterThan(r('silence'), r('noop', true))).toBe(false);
      // covers(parent, child): the parent's rule already does all the child would.
      expect(covers(r('suspend'), r('suspend'))).toBe(true);
      expect(covers(r('silence', true, true), r('suspend'))).toBe(false);
      expect(covers(r('silence'), r('silence', true))).toBe(false);
      expect(covers(r('silence'), r('noop', true))).toBe(false); // written as silence + reject_media
      expect(covers(r('silence', true), r('noop', true))).toBe(true);
    });

    it('sees parent rules this plan creates or deletes', () => {
      const e = byDomain(plan([want('example.com'), want('a.example.com')], []));
      expect(e['a.example.com']).toMatchObject({ action: 'skip', reason: 'covered by parent example.com (suspend)' });
      const f = byDomain(plan([want('a.example.com')], [owned('example.com', 'suspend')]));
      expect(f['example.com']?.action).toBe('delete');
      expect(f['a.example.com']?.action).toBe('create');
      const g = byDomain(plan([want('a.example.com')], [owned('example.com', 'suspend')], { hold: ['stale'] }));
      expect(g['a.example.com']?.action).toBe('skip');
    });
  });
});

describe('idempotence', () => {
  it('a re-run after applying the plan changes nothing', () => {
    const desired = [
      want('a.example', 'suspend', { public_comment: 'spam' }),
      want('b.example', 'silence', { reject_media: true }),
      want('c.example', 'noop', { reject_reports: true }),
      want('h.example', 'silence'),
    ];
    const cur = [owned('b.example', 'suspend'), owned('old.example', 'silence'), hand('h.example', 'noop'), hand('x.example', 'suspend')];
    const first = plan(desired, cur, { policy: { adopt: true } });
    // Apply in memory.
    const store = new Map(cur.map((b) => [b.domain, b]));
    for (const e of first.entries) {
      if (e.action === 'delete') store.delete(e.domain);
      if ((e.action === 'create' || e.action === 'update') && e.desired) store.set(e.domain, { ...e.desired, domain: e.domain, id: 'n' });
    }
    const second = plan(desired, [...store.values()], { policy: { adopt: true } });
    expect(second.entries.filter((e) => e.action !== 'unchanged')).toEqual([]);
    expect(second.entries).toHaveLength(4);
  });
});
