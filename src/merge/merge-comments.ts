// Comments from several sources are unioned token by token (split on ", "), so a domain named by
// many lists carries each reason once instead of growing with every merge. A comment that never
// meets a different one is kept verbatim, as FediBlockHole does, so single-source rows round-trip.

const SEPARATOR = ', ';

/** Adds the tokens of `comment` not yet in `tokens`, in order; empty tokens carry nothing. */
export function addTokens(tokens: Set<string>, comment: string): Set<string> {
  for (const token of comment.split(SEPARATOR)) if (token !== '') tokens.add(token);
  return tokens;
}

/** Sets keep insertion order, so joining gives first-seen order. */
export const joinTokens = (tokens: Set<string>): string => [...tokens].join(SEPARATOR);

/** `a` then `b`, merged: `mergeComments('a, b', 'b, c') === 'a, b, c'`. */
export function mergeComments(a: string, b: string): string {
  if (b === '' || b === a) return a;
  if (a === '') return b;
  return joinTokens(addTokens(addTokens(new Set(), a), b));
}
