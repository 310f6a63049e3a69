// V8 cuts substrings (13 characters and longer) as views of their parent, so a domain or comment
// kept by the merge would keep its whole source text alive. These make copies of their own.

/**
 * A flat copy of a normalised domain. encodeURIComponent leaves `[a-z0-9.*-]` as it is and always
 * builds a new flat string, the cheapest copy the engine offers; anything it would escape (never
 * in a normalised domain) keeps the original.
 */
export function ownDomain(s: string): string {
  if (s.length < 13) return s;
  const copy = encodeURIComponent(s);
  return copy.length === s.length ? copy : s;
}

/** A flat copy of any text (comments: few distinct ones, so the slower exact copy is fine). */
export const ownText = (s: string): string => (s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string));
