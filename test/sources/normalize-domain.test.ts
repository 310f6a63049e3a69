import { describe, expect, it } from 'vitest';
import { normalizeDomain } from '../../src/sources/normalize-domain.js';

describe('normalizeDomain', () => {
  it.each([
    ['example.com', 'example.com'],
    ['Example.COM.', 'example.com'],
    ['  spaced.example  ', 'spaced.example'],
    ['faß.de', 'fass.de'],
    ['MÜNCHEN.de', 'xn--mnchen-3ya.de'],
    ['ｅｘａｍｐｌｅ．ｃｏｍ', 'example.com'],
    ['bücher.de。', 'xn--bcher-kva.de'],
    ['https://x.example:443/path', 'x.example'],
    ['http://user:pw@x.example/a?b#c', 'x.example'],
    ['x.example/', 'x.example'],
    ['*.x.example', 'x.example'],
    ['google', 'google'],
    ['192.0.2.1', '192.0.2.1'],
    ['xn--mnchen-3ya.de', 'xn--mnchen-3ya.de'],
    [`${'a'.repeat(63)}.example`, `${'a'.repeat(63)}.example`],
  ])('%s → %s', (raw, domain) => {
    expect(normalizeDomain(raw)).toEqual({ ok: true, domain, obfuscated: false });
  });

  it.each([
    ['under_score.example', /underscore/],
    ['a..b', /empty label/],
    ['.cf', /empty label/],
    ['[::1]', /IPv6/],
    ['::1', /IPv6/],
    [`${'a'.repeat(64)}.example`, /longer than 63/],
    [`${'abcdefghi.'.repeat(26)}com`, /at most 255/],
    ['has space.example', /space/],
    ['', /empty/],
    ['   ', /empty/],
    ['x.example:notaport', /not a valid domain/],
    ['bad!.example', /'!'/],
    ['ü_x.example', /internationalised/],
    ['*', /only stars/],
    ['x'.repeat(10_000_000), /not a domain name/],
  ])('rejects %j', (raw, reason) => {
    const r = normalizeDomain(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('keeps obfuscated names lowercased and marks them', () => {
    expect(normalizeDomain('Exa****.*om')).toEqual({ ok: true, domain: 'exa****.*om', obfuscated: true });
    expect(normalizeDomain('*.ob***ed.example')).toEqual({ ok: true, domain: 'ob***ed.example', obfuscated: true });
    expect(normalizeDomain('kissl*lis.com')).toEqual({ ok: true, domain: 'kissl*lis.com', obfuscated: true });
  });

  it('is idempotent', () => {
    for (const raw of ['faß.de', 'MÜNCHEN.de', 'https://x.example:443/path', 'exa****.*om']) {
      const once = normalizeDomain(raw);
      if (!once.ok) throw new Error(raw);
      expect(normalizeDomain(once.domain)).toEqual(once);
    }
  });
});
