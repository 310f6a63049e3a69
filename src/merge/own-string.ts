/**
 * A copy of `s` that does not point into the text it was cut from. V8 cuts substrings (13
 * characters and longer) as views of their parent, so a domain kept as a key would keep its whole
 * source text alive; concatenating and cutting again makes the engine copy the characters.
 */
export const ownString = (s: string): string => (s.length < 13 ? s : (s + ' ').slice(0, -1));
