// The merge fed one source at a time (rows released in between) gives the same result as the
// whole-lists call, including digest votes that can only be resolved at the end.
import { describe, expect, it } from 'vitest';
import { mergeLists, startMerge } from '../../src/merge/merge-lists.js';
import { b, settings, sha, src } from './helpers.js';

describe('startMerge', () => {
  it('matches mergeLists when each list is added, then emptied', () => {
    const lists = () => [
      src(0, [b('exa****.*om', 'suspend', { digest: sha('example.com') }), b('a.example', 'silence', { public_comment: 'spam' })]),
      src(1, [b('example.com', 'silence', { public_comment: 'rude' }), b('a.example', 'suspend', { public_comment: 'spam, bots' })]),
      src(2, [b('b.example', 'noop', { reject_media: true })]),
    ];
    const whole = mergeLists(lists(), settings());
    const merge = startMerge(settings());
    for (const l of lists()) {
      merge.add(l);
      l.blocks = [];
    }
    const streamed = merge.finish();
    expect(streamed).toEqual(whole);
    const ex = streamed.blocks.find((x) => x.domain === 'example.com');
    // The obfuscated vote of source 0 is folded last but recorded in config order.
    expect(ex?.sources).toEqual([0, 1]);
    expect(ex?.severity).toBe('suspend');
  });

  it('reads the allowlist only when it finishes', () => {
    const s = settings();
    const merge = startMerge(s);
    merge.add(src(0, [b('bad.example'), b('friend.example')]));
    s.allow.add('friend.example');
    expect(merge.finish().blocks.map((x) => x.domain)).toEqual(['bad.example']);
  });
});
