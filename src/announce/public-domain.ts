// How Mastodon shows an obfuscated block to the public (mastodon-api.md §2, DomainBlock
// #public_domain): with len characters and v = floor(len / 4), every character at an index i with
// v < i < len - v that is not a dot becomes `*`. `example.com` → `exa****.*om`. An announcement
// must show exactly that, so members see the same name in the post and on the /about page.
export function publicDomain(domain: string): string {
  // Ruby counts characters; the stored domain is ASCII (punycode), so code units are characters.
  const chars = [...domain];
  const n = chars.length;
  const v = Math.floor(n / 4);
  return chars.map((c, i) => (i > v && i < n - v && c !== '.' ? '*' : c)).join('');
}
