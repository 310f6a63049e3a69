// One domain spelling for every stage: the form Mastodon stores (mastodon-api.md §1.8), so that
// merging, allowlists and the planner compare like with like.
import { createRequire } from 'node:module';
import type { ToASCIIOptions } from 'tr46';

// tr46 and its mapping table (~280 KB bundled) load on the first non-ASCII name only: most lists
// have none, and start-up is most of a small merge (decisions.md, performance notes).
let tr46ToASCII: ((domain: string, options?: ToASCIIOptions) => string | null) | undefined;
function toASCII(domain: string, options: ToASCIIOptions): string | null {
  tr46ToASCII ??= (createRequire(import.meta.url)('tr46') as typeof import('tr46')).toASCII;
  return tr46ToASCII(domain, options);
}

export type NormalizedDomain = { ok: true; domain: string; obfuscated: boolean } | { ok: false; reason: string };

// Longer inputs cannot become a valid name (< 256 chars) even after stripping a URL around them;
// cutting early keeps a 10 MB garbage line from reaching tr46.
const MAX_RAW = 2048;
const MAX_DOMAIN = 255;
const MAX_LABEL = 63;

// Mastodon's importer stores IDNA2003-style ASCII (`faß.de` → `fass.de`), which only
// transitional UTS46 processing reproduces.
const TR46 = { transitionalProcessing: true, useSTD3ASCIIRules: true, verifyDNSLength: true } as const;
// Obfuscated names keep their `*`, which STD3 rules would refuse.
const TR46_OBFUSCATED = { ...TR46, useSTD3ASCIIRules: false } as const;

const fail = (reason: string): NormalizedDomain => ({ ok: false, reason });

/**
 * Checks an already lowercase ASCII name against Mastodon's DomainValidator. Returns a reason,
 * or '' when valid. `allowStar` admits `*` as a label character (obfuscated names).
 */
function invalidReason(d: string, allowStar: boolean): string {
  const n = d.length;
  if (n === 0) return 'empty domain';
  if (n > MAX_DOMAIN) return `domain is ${n} characters long (at most ${MAX_DOMAIN})`;
  let label = 0;
  for (let i = 0; i < n; i++) {
    const c = d.charCodeAt(i);
    if (c === 46 /* . */) {
      if (label === 0) return 'empty label (two dots in a row, or a leading dot)';
      label = 0;
      continue;
    }
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || (allowStar && c === 42)) {
      if (++label > MAX_LABEL) return `a label is longer than ${MAX_LABEL} characters`;
      continue;
    }
    return `not a valid domain name: contains ${describeChar(d, i)}`;
  }
  if (label === 0) return 'empty label (two dots in a row, or a leading dot)';
  return '';
}

function describeChar(d: string, i: number): string {
  const ch = String.fromCodePoint(d.codePointAt(i) ?? 0);
  if (ch === '_') return "an underscore '_'";
  if (ch === ' ' || ch === '\t') return 'a space';
  if (ch === ':') return "a ':' (IPv6 address or port?)";
  return `'${ch}'`;
}

/** True when `d` is plain lowercase `[a-z0-9.-]` and valid, hence already normalised: the common case, checked without tr46. */
export function isNormalDomain(d: string): boolean {
  return invalidReason(d, false) === '';
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//;
const TRAILING_DOTS = new Set(['.', '\u3002', '\uff0e', '\uff61']);

/**
 * Normalise a domain as written in a list to Mastodon's stored form: trimmed, lowercase, punycode,
 * no scheme/userinfo/port/path, no Pleroma `*.` prefix, no trailing dot. Names with `*` elsewhere
 * are obfuscated entries (kept for digest votes, never blocked by name).
 */
export function normalizeDomain(raw: string): NormalizedDomain {
  if (isNormalDomain(raw)) return { ok: true, domain: raw, obfuscated: false };
  if (raw.length > MAX_RAW) return fail(`value is ${raw.length} characters long, not a domain name`);
  let d = raw.trim().toLowerCase();
  if (d === '') return fail('empty domain');

  const scheme = SCHEME.exec(d);
  if (scheme) d = d.slice(scheme[0].length);
  else if (d.startsWith('//')) d = d.slice(2);
  // The host ends at the first path, query or fragment character.
  const end = d.search(/[/?#\\]/);
  if (end >= 0) d = d.slice(0, end);
  const at = d.lastIndexOf('@');
  if (at >= 0) d = d.slice(at + 1);
  if (d.startsWith('[') || d.indexOf(':') !== d.lastIndexOf(':')) return fail('an IPv6 address is not a domain name');
  const colon = d.indexOf(':');
  if (colon >= 0) {
    if (!/^\d{1,5}$/.test(d.slice(colon + 1))) return fail(`not a valid domain name: contains "${d.slice(colon)}"`);
    d = d.slice(0, colon);
  }
  if (d.startsWith('*.')) d = d.slice(2);
  const last = d.slice(-1);
  if (last !== '' && TRAILING_DOTS.has(last)) d = d.slice(0, -1);
  if (d === '') return fail('empty domain');

  const obfuscated = d.includes('*');
  if (!isAscii(d)) {
    const ascii = toASCII(d, obfuscated ? TR46_OBFUSCATED : TR46);
    if (ascii === null) return fail('not a valid internationalised domain name');
    d = ascii;
  }
  const reason = invalidReason(d, obfuscated);
  if (reason !== '') return fail(reason);
  if (obfuscated && !/[a-z0-9]/.test(d)) return fail('only stars: nothing left of the domain name');
  return { ok: true, domain: d, obfuscated };
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}
