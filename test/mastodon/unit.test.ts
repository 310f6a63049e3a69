import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { classifySoftware, parseLinkHeader } from '../../src/destinations/mastodon/client.js';
import { parseDomainBlock, readDomainBlock } from '../../src/destinations/mastodon/read-domain-block.js';
import { checkBaseUrl } from '../../src/destinations/http/check-destination.js';
import { RateBudget, parseResetTime, parseRetryAfter, readRateHeaders } from '../../src/destinations/http/rate-budget.js';
import { MastodonClient } from '../../src/destinations/mastodon/client.js';
import { FediblockError } from '../../src/errors.js';
import { fakeClock } from './helpers.js';

describe('base URL', () => {
  it('accepts https and loopback http', () => {
    for (const u of ['https://mastodon.example', 'http://127.0.0.1:3000', 'http://127.1.2.3', 'http://localhost:8080', 'http://[::1]:9000']) {
      expect(() => checkBaseUrl(u)).not.toThrow();
    }
  });
  it('refuses http to a non-loopback host, other schemes, credentials', () => {
    expect(() => new MastodonClient({ baseUrl: 'http://mastodon.example', token: 'secret-token-1' })).toThrow(/refusing plain http to mastodon\.example/);
    expect(() => checkBaseUrl('http://10.0.0.1')).toThrow(FediblockError);
    expect(() => checkBaseUrl('http://127.0.0.1.evil.example')).toThrow(/plain http/);
    expect(() => checkBaseUrl('ftp://mastodon.example')).toThrow(/scheme/);
    expect(() => checkBaseUrl('https://u:p@mastodon.example')).toThrow(/credentials/);
    expect(() => checkBaseUrl('not a url')).toThrow(/invalid/);
  });
});

describe('rate-limit header parsing', () => {
  it('parses Mastodon’s 6-digit Reset and other forms', () => {
    expect(parseResetTime('2026-11-25T08:55:00.000000Z')).toBe(Date.UTC(2026, 10, 25, 8, 55, 0));
    expect(parseResetTime('2026-11-25T08:55:00.123456Z')).toBe(Date.UTC(2026, 10, 25, 8, 55, 0) + 123.456);
    expect(parseResetTime('2026-11-25T08:55:00.123Z')).toBe(Date.UTC(2026, 10, 25, 8, 55, 0, 123));
    expect(parseResetTime('2026-11-25T09:55:00+01:00')).toBe(Date.UTC(2026, 10, 25, 8, 55, 0));
    expect(parseResetTime('2026-11-25T08:55:00')).toBe(Date.UTC(2026, 10, 25, 8, 55, 0));
    expect(parseResetTime('1795596900')).toBe(1795596900_000);
    expect(parseResetTime('garbage')).toBeUndefined();
    expect(parseResetTime(undefined)).toBeUndefined();
  });
  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('7', 1000)).toBe(8000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 08:55:00 GMT', 0)).toBe(Date.UTC(2026, 10, 25, 8, 55, 0));
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });
  it('reads the three headers', () => {
    expect(readRateHeaders({ 'x-ratelimit-limit': '300', 'x-ratelimit-remaining': '287', 'x-ratelimit-reset': '2026-11-25T08:55:00.000000Z' })).toEqual({
      limit: 300,
      remaining: 287,
      reset: Date.UTC(2026, 10, 25, 8, 55, 0),
    });
    expect(readRateHeaders({ 'x-ratelimit-limit': 'x' })).toEqual({});
  });
});

describe('RateBudget', () => {
  const hdr = (remaining: number, reset: number, limit = 20) => ({
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': stamp6(reset),
  });
  /** Mastodon's `iso8601(6)`: the fraction kept to the microsecond. */
  const stamp6 = (ms: number) => {
    const whole = Math.floor(ms / 1000);
    return `${new Date(whole * 1000).toISOString().slice(0, 19)}.${String(Math.round((ms - whole * 1000) * 1000)).padStart(6, '0')}Z`;
  };

  it('sends one probe while nothing is known, then uses the window', async () => {
    const c = fakeClock(0);
    const b = new RateBudget({ now: c.now, sleep: c.sleep });
    await b.acquire();
    let second = false;
    const p = b.acquire().then(() => (second = true));
    await new Promise((r) => setImmediate(r));
    expect(second).toBe(false);
    b.settle(hdr(19, 60_000));
    await p;
    expect(second).toBe(true);
  });

  it('waits until Reset plus a margin when only the reserve is left, then continues', async () => {
    const c = fakeClock(0);
    const waits: string[] = [];
    const b = new RateBudget({ now: c.now, sleep: c.sleep, reserve: 0.1, onWait: (w) => waits.push(w.reason) });
    await b.acquire();
    b.settle(hdr(3, 60_000)); // reserve = 2: one more may go
    await b.acquire();
    b.settle(hdr(2, 60_000));
    await b.acquire(); // must wait for the window
    expect(c.sleeps).toEqual([61_000]);
    expect(waits).toEqual(['reserve']);
    expect(c.t).toBe(61_000);
  });

  it('counts in-flight requests so concurrency cannot overshoot', async () => {
    const c = fakeClock(0);
    const b = new RateBudget({ now: c.now, sleep: c.sleep, reserve: 0.1 });
    await b.acquire();
    b.settle(hdr(5, 60_000)); // 5 left, reserve 2 → 3 may be in flight
    await b.acquire();
    await b.acquire();
    await b.acquire();
    let fourth = false;
    const p = b.acquire().then(() => (fourth = true));
    await new Promise((r) => setImmediate(r));
    expect(fourth).toBe(false);
    b.settle(hdr(4, 60_000));
    b.settle(hdr(3, 60_000));
    b.settle(hdr(2, 60_000));
    await p; // nothing in flight, reserve reached → slept until the window's end
    expect(fourth).toBe(true);
    expect(c.sleeps).toEqual([61_000]);
  });

  it('ignores late answers from a finished window and keeps the lowest count within one', async () => {
    const c = fakeClock(0);
    const b = new RateBudget({ now: c.now, sleep: c.sleep });
    await b.acquire();
    b.settle(hdr(10, 60_000));
    await b.acquire();
    await b.acquire();
    b.settle(hdr(7, 60_000));
    b.settle(hdr(8, 60_000)); // out of order: 7 stands
    expect(b.estimate()).toBe(7);
    c.t = 70_000;
    await b.acquire(); // window rolled: full limit assumed
    b.settle(hdr(1, 60_000)); // stale, ignored
    expect(b.estimate()).toBe(20);
  });

  it('compares windows by whole seconds: a late answer of the same window with a larger Reset fraction does not raise the count (issue 9, hole 8)', async () => {
    // Mastodon's Reset is the window end plus each request's own sub-second fraction. B was sent
    // later (fewer left) but in a second with a smaller fraction than A; A's answer arrives last.
    const c = fakeClock(0);
    const b = new RateBudget({ now: c.now, sleep: c.sleep });
    await b.acquire();
    b.settle(hdr(10, 60_500));
    await b.acquire();
    await b.acquire();
    b.settle(hdr(8, 60_100)); // B
    b.settle(hdr(9, 60_900)); // A, stale
    expect(b.estimate()).toBe(8);
  });

  it('rejects a silly reserve', () => {
    expect(() => new RateBudget({ reserve: 1 })).toThrow(RangeError);
  });
});

describe('helpers', () => {
  it('parses Link headers', () => {
    const l = parseLinkHeader('<https://h/api/v1/admin/domain_blocks?limit=500&max_id=123>; rel="next", <https://h/x?min_id=987>; rel="prev"');
    expect(l.get('next')).toBe('https://h/api/v1/admin/domain_blocks?limit=500&max_id=123');
    expect(l.get('prev')).toBe('https://h/x?min_id=987');
    expect(parseLinkHeader(undefined).size).toBe(0);
  });
  it('tells Mastodon from other software', () => {
    expect(classifySoftware('4.5.14', 7)).toBe('mastodon');
    expect(classifySoftware('4.2.10', undefined)).toBe('mastodon');
    expect(classifySoftware('4.2.10+hometown-1.1.1', undefined)).toBe('mastodon');
    expect(classifySoftware('4.3.0+glitch', 2)).toBe('mastodon');
    expect(classifySoftware('0.20.0 git-57cb4fe', undefined)).toBe('other');
    expect(classifySoftware('0.20.0-rc1 git-57cb4fe', undefined)).toBe('other');
    expect(classifySoftware('2.7.2 (compatible; Pleroma 2.5.0)', undefined)).toBe('other');
    expect(classifySoftware('4.0.0 (compatible; Iceshrimp 2024.1)', 3)).toBe('other');
    expect(classifySoftware('3.5.3', undefined)).toBe('other');
  });
});

describe('reading a domain block', () => {
  // Values a server might send for any field: right types, wrong types, empty, missing.
  const anyValue = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.boolean(),
    fc.constantFrom('', 'x', 'noop', 'silence', 'suspend', 'Suspend', 'a.example', '2026-11-25T08:50:00.000Z', '0', '7'),
    fc.integer({ min: -3, max: 2 ** 53 + 2 }),
    fc.double(),
    fc.constant([]),
    fc.constant({}),
  );
  const fields = ['id', 'domain', 'digest', 'created_at', 'severity', 'reject_media', 'reject_reports', 'obfuscate', 'private_comment', 'public_comment', 'extra'];
  const randomBlock = fc.record(Object.fromEntries(fields.map((k) => [k, anyValue])), { requiredKeys: [] });
  // A well-formed block with up to two fields replaced by anything (or removed).
  const good = { id: '12', domain: 'a.example', digest: 'd', created_at: '2026-01-01T00:00:00.000Z', severity: 'silence', reject_media: false, reject_reports: true, obfuscate: false, private_comment: 'p', public_comment: null };
  const nearBlock = fc
    .tuple(fc.subarray(fields, { maxLength: 2 }), fc.array(anyValue, { minLength: 2, maxLength: 2 }))
    .map(([keys, values]) => ({ ...good, ...Object.fromEntries(keys.map((k, i) => [k, values[i]])) }));

  it('the hand-checked reading accepts only what the schema accepts, and gives the same block', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(nearBlock, randomBlock, anyValue), (v) => {
        const fast = readDomainBlock(v);
        const slow = parseDomainBlock(v);
        if (fast !== undefined) {
          accepted++;
          expect(slow).toEqual({ block: fast });
        }
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(300);
  });

  it('reads an ordinary answer by hand (the schema is only the fallback)', () => {
    const b = { id: '12', domain: 'a.example', digest: 'd', created_at: '2026-01-01T00:00:00.000Z', severity: 'suspend', reject_media: true, reject_reports: false, obfuscate: false, private_comment: null, public_comment: 'x' };
    expect(readDomainBlock(b)).toEqual({ id: '12', domain: 'a.example', digest: 'd', created_at: '2026-01-01T00:00:00.000Z', severity: 'suspend', reject_media: true, reject_reports: false, obfuscate: false, private_comment: '', public_comment: 'x' });
    expect(readDomainBlock({ ...b, id: 12 })?.id).toBe('12');
    expect(readDomainBlock({ ...b, severity: 'Suspend' })).toBeUndefined();
    expect(parseDomainBlock({ ...b, severity: 'Suspend' })).toHaveProperty('error');
  });
});

describe('reading X-RateLimit-Reset', () => {
  it('the quick reading of the usual form agrees with the general one, and odd stamps still fall through to it', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), fc.stringMatching(/^[0-9]{0,9}$/), (d, frac) => {
        const base = d.toISOString().slice(0, 19);
        const stamp = frac === '' ? `${base}Z` : `${base}.${frac}Z`;
        expect(parseResetTime(stamp)).toBe(Date.parse(`${base}Z`) + (frac === '' ? 0 : Number(`0.${frac}`) * 1000));
      }),
      { numRuns: 2000 },
    );
    expect(parseResetTime('2026-04-31T08:55:00.5Z')).toBe(parseResetTime('2026-04-31T08:55:00.5+00:00'));
    expect(parseResetTime('2026-11-25T08:55:00,25Z')).toBe(Date.UTC(2026, 10, 25, 8, 55, 0) + 250);
    expect(parseResetTime('2026-11-25T08:55:0x.25Z')).toBeUndefined();
    expect(parseResetTime(' 2026-11-25T08:55:00.000001Z ')).toBe(Date.UTC(2026, 10, 25, 8, 55, 0) + 0.001);
  });
});
