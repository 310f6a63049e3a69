import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { errorOf, writeConfig } from './helpers.js';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures');
const env = { HOME: '/home/admin' };

describe('loadConfig: full native config', () => {
  it('loads every key of fixtures/config/full.toml', async () => {
    const path = join(FIXTURES, 'config/full.toml');
    const c = await loadConfig(path, { env });
    const dir = join(FIXTURES, 'config');
    expect(c.mode).toBe('native');
    expect(c.path).toBe(path);
    expect(c.warnings).toEqual([]);
    expect(c.fbh).toBeUndefined();
    expect(c.merge).toEqual({
      plan: 'max',
      threshold: { type: 'count', value: 0 },
      import_fields: ['public_comment', 'reject_media', 'reject_reports', 'obfuscate'],
      export_fields: ['reject_media', 'reject_reports', 'public_comment', 'obfuscate'],
      allow: ['my.instance'],
      drop_redundant: false,
    });
    expect(c.fetch).toEqual({
      cache_dir: join(dir, 'cache'),
      timeout_ms: 30_000,
      max_bytes: 20_000_000,
      max_stale_ms: 7 * 86_400_000,
      shrink_guard: 0.25,
      reject_ratio: 0.5,
      concurrency: 4,
    });
    expect(c.output).toEqual({ path: join(dir, 'merged.csv'), format: 'csv', feed_entries: 20 });
    expect(c.lock_file).toBe(join(dir, 'cache', 'fediblock.lock'));

    expect(c.sources).toEqual([
      {
        index: 0,
        name: 'oliphant-tier0',
        location: { kind: 'file', path: join(FIXTURES, 'oliphant-2024-01-21/tier0.csv') },
        format: 'csv',
        max_severity: 'suspend',
        import_fields: ['public_comment', 'reject_media'],
      },
      {
        index: 1,
        name: 'blocklist.json',
        location: { kind: 'url', url: 'https://rapidblock.org/blocklist.json' },
        format: 'rapidblock_json',
        verify_key: 'MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=',
      },
      {
        index: 2,
        name: 'example.social',
        location: { kind: 'instance', host: 'example.social', admin: true, apiBase: 'https://example.social' },
        format: 'mastodon_api',
        max_severity: 'silence',
        auth: { domain: 'example.social', token_env: 'EXAMPLE_SOCIAL_READ_TOKEN' },
      },
      {
        index: 3,
        name: 'other.example',
        location: { kind: 'instance', host: 'other.example', admin: false, apiBase: 'https://other.example' },
        format: 'mastodon_api',
        auth: { domain: 'other.example', token_file: join(dir, 'secrets/other.token') },
      },
    ]);
    expect(c.allowlists).toEqual([
      { index: 0, name: 'allow', location: { kind: 'file', path: join(FIXTURES, 'oliphant-2024-01-21/__allowlist.csv') }, format: 'csv' },
    ]);
    expect(c.destinations).toEqual([
      {
        index: 0,
        domain: 'my.instance',
        store: { kind: 'api', apiBase: 'https://my.instance' },
        auth: { domain: 'my.instance', token_env: 'MY_INSTANCE_TOKEN' },
        announce_auth: { domain: 'my.instance', token_env: 'MY_INSTANCE_ANNOUNCE_TOKEN' },
        software: 'mastodon',
        follow_checks: true,
        max_severity: 'suspend',
        max_followed_severity: 'silence',
        remove: true,
        adopt: false,
        marker: '[fediblock]',
        concurrency: 4,
        reserve: 0.1,
        brake_delete: 0.3,
        brake_create: 0.5,
        brake_min_owned: 10,
        max_writes: 0,
        sync_comments: true,
        snapshot_dir: join(dir, 'snapshots'),
      },
      expect.objectContaining({
        index: 1,
        domain: 'test.example',
        store: { kind: 'file', path: join(dir, 'test-instance.csv') },
        auth: { domain: 'test.example', token_file: join(dir, 'secrets/test.token') },
        snapshot_dir: join(dir, 'cache', 'snapshots'),
      }),
    ]);
  });
});

describe('loadConfig: defaults', () => {
  it('applies every default to a minimal config', async () => {
    const path = await writeConfig('[[source]]\nurl = "lists/a.csv"\n\n[[destination]]\ndomain = "My.Instance."\n');
    const c = await loadConfig(path, { env: { HOME: '/home/admin' } });
    const dir = dirname(path);
    expect(c.merge).toEqual({
      plan: 'max',
      threshold: { type: 'count', value: 0 },
      import_fields: ['public_comment', 'reject_media', 'reject_reports', 'obfuscate'],
      export_fields: ['reject_media', 'reject_reports', 'public_comment', 'obfuscate'],
      allow: [],
      drop_redundant: false,
    });
    expect(c.fetch).toEqual({
      cache_dir: '/home/admin/.cache/fediblock',
      timeout_ms: 30_000,
      max_bytes: 20_000_000,
      max_stale_ms: 604_800_000,
      shrink_guard: 0.25,
      reject_ratio: 0.5,
      concurrency: 4,
    });
    expect(c.output).toEqual({ format: 'csv', feed_entries: 50 });
    expect(c.sync).toEqual({ destinations_concurrency: 4 });
    expect(c.sources).toEqual([{ index: 0, name: 'a.csv', location: { kind: 'file', path: join(dir, 'lists/a.csv') }, format: 'auto' }]);
    expect(c.destinations[0]).toEqual({
      index: 0,
      domain: 'my.instance',
      store: { kind: 'api', apiBase: 'https://my.instance' },
      auth: { domain: 'my.instance' },
      software: 'mastodon',
      follow_checks: true,
      max_severity: 'suspend',
      max_followed_severity: 'silence',
      remove: true,
      adopt: false,
      marker: '[fediblock]',
      concurrency: 4,
      reserve: 0.1,
      brake_delete: 0.3,
      brake_create: 0.5,
      brake_min_owned: 10,
      max_writes: 0,
      sync_comments: true,
      snapshot_dir: '/home/admin/.cache/fediblock/snapshots',
    });
    expect(c.lock_file).toBe('/home/admin/.cache/fediblock/fediblock.lock');
  });

  it('puts the cache under $XDG_CACHE_HOME when set', async () => {
    const path = await writeConfig('');
    const c = await loadConfig(path, { env: { HOME: '/home/admin', XDG_CACHE_HOME: '/var/cache/me' } });
    expect(c.fetch.cache_dir).toBe('/var/cache/me/fediblock');
  });

  it('reads [sync] destinations_concurrency, a whole number of at least 1', async () => {
    expect((await loadConfig(await writeConfig('[sync]\ndestinations_concurrency = 50\n'), { env })).sync).toEqual({ destinations_concurrency: 50 });
    const msg = await errorOf(loadConfig(await writeConfig('[sync]\ndestinations_concurrency = 0\n'), { env }));
    expect(msg).toContain('sync.destinations_concurrency');
  });

  it('reads threshold_pct as a percentage threshold and parses units', async () => {
    const path = await writeConfig('[merge]\nthreshold_pct = 50\nplan = "min"\n[fetch]\ntimeout = "1m30s"\nmax_bytes = "512KiB"\nmax_stale = "12h"\n');
    const c = await loadConfig(path, { env });
    expect(c.merge.threshold).toEqual({ type: 'pct', value: 50 });
    expect(c.merge.plan).toBe('min');
    expect(c.fetch).toMatchObject({ timeout_ms: 90_000, max_bytes: 524_288, max_stale_ms: 43_200_000 });
  });

  it('accepts FediBlockHole format spellings in a native config', async () => {
    const path = await writeConfig('[[source]]\nurl = "https://x.example/b.json"\nformat = "rapidblock.json"\n[[allowlist]]\nurl = "a.txt"\nformat = "rapidblock.csv"\n');
    const c = await loadConfig(path, { env });
    expect(c.sources[0]!.format).toBe('rapidblock_json');
    expect(c.allowlists[0]!.format).toBe('rapidblock_csv');
  });
});

describe('loadConfig: errors an admin can act on', () => {
  it('names an unknown key by its path', async () => {
    const msg = await errorOf(loadConfig(await writeConfig('[merge]\ncolour = "red"\n'), { env }));
    expect(msg).toContain('merge.colour: unknown key');
  });

  it('suggests the key meant', async () => {
    const msg = await errorOf(loadConfig(await writeConfig('[[source]]\nurl = "a.csv"\nmax_severty = "silence"\n'), { env }));
    expect(msg).toContain('source[1].max_severty: unknown key; did you mean "max_severity"?');
  });

  it('refuses an unknown top-level section', async () => {
    const msg = await errorOf(loadConfig(await writeConfig('[[sources]]\nurl = "a.csv"\n'), { env }));
    expect(msg).toMatch(/sources: unknown key; did you mean "source"\?/);
  });

  it('names a bad enum value with its 1-based path and the choices', async () => {
    const toml = '[[source]]\nurl = "a.csv"\n[[source]]\nurl = "b.csv"\nformat = "xml"\n';
    const msg = await errorOf(loadConfig(await writeConfig(toml), { env }));
    expect(msg).toContain('source[2].format: expected one of auto, csv, mastodon_csv, json, rapidblock_json, rapidblock_csv, text, fediseer, fires; got "xml"');
  });

  it('refuses threshold and threshold_pct together', async () => {
    const msg = await errorOf(loadConfig(await writeConfig('[merge]\nthreshold = 2\nthreshold_pct = 50\n'), { env }));
    expect(msg).toContain('merge.threshold_pct: set either threshold (a count of sources) or threshold_pct (a percentage), not both');
  });

  it('reports bad durations and sizes with their key', async () => {
    const msg = await errorOf(loadConfig(await writeConfig('[fetch]\ntimeout = "30 parsecs"\nmax_bytes = "lots"\nmax_stale = 7\n'), { env }));
    expect(msg).toContain('3 problems');
    expect(msg).toContain('fetch.timeout: invalid duration "30 parsecs"');
    expect(msg).toContain('fetch.max_bytes: invalid size "lots"');
    expect(msg).toContain('fetch.max_stale: 7 has no unit');
  });

  it('reports out-of-range numbers and wrong types', async () => {
    const msg = await errorOf(loadConfig(await writeConfig('[fetch]\nshrink_guard = 1.5\nconcurrency = "four"\n'), { env }));
    expect(msg).toContain('fetch.shrink_guard: must be at most 1; got 1.5');
    expect(msg).toContain('fetch.concurrency: expected number; got "four"');
  });

  it('needs exactly one of url and instance', async () => {
    const both = await errorOf(loadConfig(await writeConfig('[[source]]\nurl = "a.csv"\ninstance = "x.example"\n'), { env }));
    expect(both).toContain('source[1]: set exactly one of url');
    const none = await errorOf(loadConfig(await writeConfig('[[source]]\nname = "x"\n'), { env }));
    expect(none).toContain('source[1]: set exactly one of url');
  });

  it('refuses instance-only keys on a url source', async () => {
    const msg = await errorOf(loadConfig(await writeConfig('[[source]]\nurl = "a.csv"\ntoken_env = "X"\n'), { env }));
    expect(msg).toContain('source[1].token_env: only applies to an instance source');
  });

  it('refuses api_base and file together on a destination', async () => {
    const msg = await errorOf(loadConfig(await writeConfig('[[destination]]\ndomain = "a.example"\napi_base = "https://a.example"\nfile = "x.csv"\n'), { env }));
    expect(msg).toContain('destination[1].file: set either api_base');
  });

  it.each([
    ['http://lists.example/a.csv', 'source', 'url'],
    ['ftp://lists.example/a.csv', 'source', 'url'],
  ])('refuses %s', async (url, section, key) => {
    const msg = await errorOf(loadConfig(await writeConfig(`[[${section}]]\n${key} = "${url}"\n`), { env }));
    expect(msg).toContain(`${section}[1].${key}: "${url}"`);
    expect(msg).toMatch(/only https|unsupported URL scheme/);
  });

  it('refuses plain http to a non-loopback instance or destination', async () => {
    const toml = '[[source]]\ninstance = "a.example"\napi_base = "http://a.example"\n[[destination]]\ndomain = "b.example"\napi_base = "http://10.0.0.1:3000"\n';
    const msg = await errorOf(loadConfig(await writeConfig(toml), { env }));
    expect(msg).toContain('source[1].api_base: "http://a.example" uses plain http; only https is allowed');
    expect(msg).toContain('destination[1].api_base: "http://10.0.0.1:3000" uses plain http');
  });

  it('allows plain http to loopback hosts', async () => {
    const toml = [
      '[[source]]\nurl = "http://127.0.0.1:8080/list.csv"',
      '[[source]]\nurl = "http://localhost/x.csv"',
      '[[source]]\ninstance = "emu.test"\napi_base = "http://[::1]:4000/"',
      '[[destination]]\ndomain = "emu.test"\napi_base = "http://127.0.0.2:9000"',
    ].join('\n');
    const c = await loadConfig(await writeConfig(toml), { env });
    expect(c.sources.map((s) => s.location)).toEqual([
      { kind: 'url', url: 'http://127.0.0.1:8080/list.csv' },
      { kind: 'url', url: 'http://localhost/x.csv' },
      { kind: 'instance', host: 'emu.test', admin: false, apiBase: 'http://[::1]:4000' },
    ]);
    expect(c.destinations[0]!.store).toEqual({ kind: 'api', apiBase: 'http://127.0.0.2:9000' });
  });

  it('refuses a destination domain with a scheme or path', async () => {
    const msg = await errorOf(loadConfig(await writeConfig('[[destination]]\ndomain = "https://a.example/"\n'), { env }));
    expect(msg).toContain('destination[1].domain: "https://a.example/" is not a domain name');
  });

  it('names the file, line and column of a TOML syntax error', async () => {
    const path = await writeConfig('[merge]\nplan = "max"\nthreshold = \n');
    const msg = await errorOf(loadConfig(path, { env }));
    expect(msg).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: TOML syntax error`));
  });

  it('says so when the file does not exist', async () => {
    const msg = await errorOf(loadConfig('/nonexistent/blocklist.toml', { env }));
    expect(msg).toBe('config file /nonexistent/blocklist.toml not found');
  });

  it('refuses duplicate source names', async () => {
    const msg = await errorOf(loadConfig(await writeConfig('[[source]]\nurl = "a.csv"\nname = "x"\n[[source]]\nurl = "b.csv"\nname = "x"\n'), { env }));
    expect(msg).toContain('source[2].name: "x" is already the name of another source');
  });

  it('never echoes an inline token', async () => {
    const msg = await errorOf(loadConfig(await writeConfig('[[destination]]\ndomain = "a.example"\ntoken = "sekrit-token-value"\nremove = "yes"\n'), { env }));
    expect(msg).toContain('destination[1].remove: expected boolean; got "yes"');
    expect(msg).not.toContain('sekrit-token-value');
  });
});

describe('loadConfig: paths and names', () => {
  it('resolves relative paths and file: URLs against the config folder', async () => {
    const toml = [
      '[fetch]\ncache_dir = "c"',
      '[output]\npath = "out/merged.csv"',
      '[[source]]\nurl = "file:lists/one.csv"',
      '[[source]]\nurl = "file:///srv/lists/two.csv"',
      '[[source]]\nurl = "/srv/lists/three.csv"',
      '[[source]]\nurl = "~/lists/four.csv"',
      '[[source]]\nurl = "sub/one.csv"',
      '[[allowlist]]\nurl = "allow.csv"',
      '[[destination]]\ndomain = "a.example"\nfile = "../snap.json"\ntoken_file = "t"\nsnapshot_dir = "snaps"',
    ].join('\n');
    const path = await writeConfig(toml);
    const dir = dirname(path);
    await mkdir(join(dir, 'lists'));
    const c = await loadConfig(path, { env });
    expect(c.fetch.cache_dir).toBe(join(dir, 'c'));
    expect(c.output.path).toBe(join(dir, 'out/merged.csv'));
    expect(c.sources.map((s) => [s.name, s.location])).toEqual([
      ['one.csv', { kind: 'file', path: join(dir, 'lists/one.csv') }],
      ['two.csv', { kind: 'file', path: '/srv/lists/two.csv' }],
      ['three.csv', { kind: 'file', path: '/srv/lists/three.csv' }],
      ['four.csv', { kind: 'file', path: '/home/admin/lists/four.csv' }],
      ['one.csv-2', { kind: 'file', path: join(dir, 'sub/one.csv') }],
    ]);
    expect(c.allowlists[0]!.location).toEqual({ kind: 'file', path: join(dir, 'allow.csv') });
    const d = c.destinations[0]!;
    expect(d.store).toEqual({ kind: 'file', path: resolve(dir, '../snap.json') });
    expect(d.auth.token_file).toBe(join(dir, 't'));
    expect(d.snapshot_dir).toBe(join(dir, 'snaps'));
  });

  it('names URL sources by their last path segment, or host', async () => {
    const c = await loadConfig(await writeConfig('[[source]]\nurl = "https://lists.example/"\n[[source]]\nurl = "https://x.example/a/tier0.csv?x=1"\n'), { env });
    expect(c.sources.map((s) => s.name)).toEqual(['lists.example', 'tier0.csv']);
  });
});
