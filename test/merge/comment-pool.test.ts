// The pool merges comments pairwise and remembers each pair; folded over any sequence that must
// equal the token union the merge promises (first-seen order, each token once, a lone comment verbatim).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommentPool } from '../../src/merge/comment-pool.js';
import { addTokens, joinTokens } from '../../src/merge/merge-comments.js';

function union(comments: string[]): string {
  const present = comments.filter((c) => c !== '');
  if (present.every((c) => c === present[0])) return present[0] ?? '';
  const tokens = new Set<string>();
  for (const c of present) addTokens(tokens, c);
  return joinTokens(tokens);
}

describe('CommentPool', () => {
  it('folds pairwise to the token union of all comments', () => {
    const piece = fc.constantFrom('a', 'b', 'spam', ' ', ',', ', ', '', 'x,', ' y');
    const comment = fc.array(piece, { maxLength: 5 }).map((p) => p.join(''));
    fc.assert(
      fc.property(fc.array(comment, { maxLength: 6 }), (comments) => {
        const pool = new CommentPool();
        let id = 0;
        for (const c of comments) id = pool.merge(id, pool.id(c));
        expect(pool.text(id)).toBe(union(comments));
      }),
      { numRuns: 2000 },
    );
  });
});
