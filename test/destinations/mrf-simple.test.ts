// The :mrf_simple mapping (decisions.md "Other destinations"): blocks out of the setting and the
// subkeys to send back, checked on hand-written settings.
import { describe, expect, it } from 'vitest';
import { blockFields, emptyBlock } from '../../src/model.js';
import { blocksFromSetting, changedSubkeys, reasonFor } from '../../src/destinations/akkoma/mrf-simple.js';

const M = '[fediblock]';
const value = [
  { tuple: [':reject', [{ tuple: ['own.example', `spam ${M}`] }, 'bare.example', { tuple: ['hand.example', 'mine'] }]] },
  { tuple: [':federated_timeline_removal', [{ tuple: ['quiet.example', `${M} :odd`] }]] },
  { tuple: [':followers_only', [{ tuple: ['quiet.example', `${M} :odd`] }]] },
  { tuple: [':accept', [{ tuple: ['friend.example', ''] }]] },
];

describe(':mrf_simple mapping', () => {
  it('reads severities, flags, ownership and comments (a bare string is a domain without a reason)', () => {
    const by = Object.fromEntries(blocksFromSetting(value, M).map((b) => [b.domain, b]));
    expect(by['own.example']).toMatchObject({ severity: 'suspend', public_comment: 'spam', private_comment: M });
    expect(by['quiet.example']).toMatchObject({ severity: 'silence', public_comment: ':odd', private_comment: M });
    expect(by['bare.example']).toMatchObject({ severity: 'suspend', public_comment: '', private_comment: '' });
    expect(by['hand.example']!.private_comment).toBe('');
    expect(by['friend.example']).toBeUndefined();
  });

  it('never writes a reason starting with ":" and reads it back to the same comment', () => {
    const r = reasonFor({ public_comment: ':x', private_comment: M }, M);
    expect(r.startsWith(':')).toBe(false);
    const back = blocksFromSetting([{ tuple: [':reject', [{ tuple: ['a.example', r] }]] }], M)[0]!;
    expect(back.public_comment).toBe(':x');
  });

  it('sends only changed subkeys, whole, hand-made and bare entries kept as read', () => {
    const changes = new Map([
      ['own.example', null],
      ['new.example', { ...blockFields(emptyBlock('new.example', 'silence')), private_comment: M, reject_media: true }],
    ]);
    const out = changedSubkeys(value, changes, M);
    expect(out).toEqual([
      { tuple: [':reject', ['bare.example', { tuple: ['hand.example', 'mine'] }]] },
      { tuple: [':federated_timeline_removal', [{ tuple: ['quiet.example', `${M} :odd`] }, { tuple: ['new.example', M] }]] },
      { tuple: [':followers_only', [{ tuple: ['quiet.example', `${M} :odd`] }, { tuple: ['new.example', M] }]] },
      { tuple: [':media_removal', [{ tuple: ['new.example', M] }]] },
    ]);
  });
});
