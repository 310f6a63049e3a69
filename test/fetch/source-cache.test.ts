import { afterEach, describe, expect, it } from 'vitest';
import { stat, writeFile } from 'node:fs/promises';
import { cacheAgeMs, cacheKey, cachePaths, formatAge, readCache, touchCache, writeCache } from '../../src/sources/source-cache.js';
import { tempDir } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => void (await Promise.all(cleanups.splice(0).map((c) => c()))));
async function dir() {
  const d = await tempDir();
  cleanups.push(d.cleanup);
  return `${d.path}/cache`;
}

describe('source cache', () => {
  it('keys by location and format', () => {
    expect(cacheKey('url:https://a.example/l.csv', 'csv')).toMatch(/^[0-9a-f]{64}$/);
    expect(cacheKey('url:https://a.example/l.csv', 'csv')).not.toBe(cacheKey('url:https://a.example/l.csv', 'auto'));
  });

  it('writes body and meta (private files) and reads them back', async () => {
    const d = await dir();
    const k = cacheKey('x', 'text');
    const meta = await writeCache(d, k, '\uFEFFa.example\n', { url: 'https://l.example/x', etag: '"e"', fetchedAt: '2026-11-01T00:00:00.000Z', domainCount: 1 });
    expect(meta.bodySha256).toMatch(/^[0-9a-f]{64}$/);
    const c = await readCache(d, k);
    expect(c).toEqual({ meta, body: '\uFEFFa.example\n' });
    expect((await stat(cachePaths(d, k).meta)).mode & 0o077).toBe(0);
    await touchCache(d, k, { ...meta, fetchedAt: '2026-11-02T00:00:00.000Z' });
    expect((await readCache(d, k))?.meta.fetchedAt).toBe('2026-11-02T00:00:00.000Z');
  });

  it('reads a body that does not match its meta, or a broken meta, as no cache', async () => {
    const d = await dir();
    const k = cacheKey('y', 'text');
    await writeCache(d, k, 'a.example\n', { url: 'u', fetchedAt: '2026-11-01T00:00:00.000Z', domainCount: 1 });
    await writeFile(cachePaths(d, k).body, 'b.example\n');
    expect(await readCache(d, k)).toBeUndefined();
    await writeCache(d, k, 'a.example\n', { url: 'u', fetchedAt: '2026-11-01T00:00:00.000Z', domainCount: 1 });
    await writeFile(cachePaths(d, k).meta, '{not json');
    expect(await readCache(d, k)).toBeUndefined();
    expect(await readCache(d, cacheKey('absent', 'text'))).toBeUndefined();
  });

  it('computes and formats ages', () => {
    const now = Date.parse('2026-11-08T00:00:00Z');
    expect(cacheAgeMs({ fetchedAt: '2026-11-01T00:00:00Z' }, now)).toBe(7 * 86_400_000);
    expect(cacheAgeMs({ fetchedAt: 'garbage' }, now)).toBe(Number.POSITIVE_INFINITY);
    expect(formatAge(30_000)).toBe('30 s');
    expect(formatAge(3 * 3_600_000)).toBe('3 h');
    expect(formatAge(7 * 86_400_000)).toBe('7 d');
    expect(formatAge(36 * 86_400_000 / 10)).toBe('3.6 d');
  });
});
