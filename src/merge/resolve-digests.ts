// Obfuscated entries (`ex**ple.com`) cannot be blocked by name, but Mastodon publishes the SHA-256
// of the real domain beside them, so such an entry can still vote for a domain another source
// names in clear. Hashing every clear domain would dominate a large merge, so only candidates are
// hashed: Mastodon's obfuscation (`DomainBlock#public_domain`) replaces characters with `*` in
// place, so the real domain has the same length and the same visible characters.
import type { DomainBlock } from '../model.js';
import { sha256Hex } from '../node-crypto.js';

export const isObfuscated = (domain: string): boolean => domain.includes('*');

/** Digests arrive from other software: compare them in one case. */
export const normaliseDigest = (digest: string): string => digest.trim().toLowerCase();

/** Could `domain` be what `pattern` hides? Same length, equal wherever the pattern shows a character. */
export function fitsPattern(domain: string, pattern: string): boolean {
  if (domain.length !== pattern.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c !== 42 /* * */ && c !== domain.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * digest → clear domain, for the clear domains that fit some obfuscated entry carrying a digest.
 * Empty, and nothing hashed, when there is no such entry.
 */
export function digestIndex(obfuscated: Iterable<Pick<DomainBlock, 'domain' | 'digest'>>, clearDomains: Iterable<string>): Map<string, string> {
  const patternsByLength = new Map<number, string[]>();
  for (const { domain, digest } of obfuscated) {
    if (digest === undefined || !isObfuscated(domain)) continue;
    const patterns = patternsByLength.get(domain.length);
    if (patterns === undefined) patternsByLength.set(domain.length, [domain]);
    else if (!patterns.includes(domain)) patterns.push(domain);
  }
  const index = new Map<string, string>();
  if (patternsByLength.size === 0) return index;
  for (const domain of clearDomains) {
    // fitsPattern fails on the first visible character for almost every pair.
    const patterns = patternsByLength.get(domain.length);
    if (patterns === undefined || isObfuscated(domain)) continue;
    if (!patterns.some((p) => fitsPattern(domain, p))) continue;
    index.set(sha256Hex(domain), domain);
  }
  return index;
}
