import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { isFediBlockHoleConfig, loadConfig, migrateConfig, translateFediBlockHole } from '../../src/config/index.js';
import { errorOf, writeConfig } from './helpers.js';

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures');
const TIER0 = join(FIXTURES, 'config/fediblockhole-tier0.conf.toml');
const OLIPHANT = join(FIXTURES, 'oliphant-2024-01-21');
const env = { HOME: '/home/admin' };
const ALL_FIELDS = ['public_comment', 'reject_media', 'reject_reports', 'obfuscate'];

describe('isFediBlockHoleConfig', () => {
  it('recognises FediBlockHole keys, not native ones', () => {
    expect(isFediBlockHoleConfig({ mergeplan: 'max' })).toBe(true);
    expect(isFediBlockHoleConfig({ blocklist_instance_destinations: [] })).toBe(true);
    expect(isFediBlockHoleConfig({ merge: { plan: 'max' }, source: [] })).toBe(false);
    expect(isFediBlockHoleConfig({})).toBe(false);
  });
});

describe('FediBlockHole tier-0 config', () => {
  it('loads unchanged and translates to the same merge', async () => {
    const c = await loadConfig(TIER0, { env });
    expect(c.mode).toBe('fediblockhole');
    expect(c.merge).toEqual({
      plan: 'max',
      threshold: { type: 'count', value: 0 },
      import_fields: ALL_FIELDS,
      export_fields: ['reject_media', 'reject_reports', 'public_comment', 'obfuscate'],
      allow: [],
      drop_redundant: false,
    });
    expect(c.sources.map((s) => [s.name, s.format, s.location])).toEqual(
      ['tier0.csv', 'gardenfence.csv', 'tier0-council.csv', 'dni.csv'].map((f) => [f, 'csv', { kind: 'file', path: join(OLIPHANT, f) }]),
    );
    expect(c.allowlists.map((a) => [a.name, a.format, a.location])).toEqual(
      ['__allowlist.csv', 'birdsite.csv'].map((f) => [f, 'csv', { kind: 'file', path: join(OLIPHANT, f) }]),
    );
    expect(c.output).toEqual({ path: join(FIXTURES, 'config/_unified_tier0_blocklist.csv'), format: 'csv', feed_entries: 50 });
    expect(c.destinations).toEqual([]);
    expect(c.fbh).toEqual({ no_fetch_url: false, no_fetch_instance: false, no_push_instance: false, save_intermediate: false, savedir: '/tmp' });
    expect(c.warnings.some((w) => w.includes('blocklist_savefile: relative path'))).toBe(true);
  });

  it('migrates to a native config that loads with the same settings', async () => {
    const text = migrateConfig(await readFile(TIER0, 'utf8'), 'fediblockhole-tier0.conf.toml');
    expect(migrateConfig(await readFile(TIER0, 'utf8'), 'fediblockhole-tier0.conf.toml')).toBe(text);
    expect(text).toMatch(/remove = true/);
    expect(text).toMatch(/adopt = true/);
    expect(text).toContain('fediblock diff');
    // Loaded from a temp folder: its relative paths now point beside that folder, as the original's did.
    const path = await writeConfig(text);
    const dir = dirname(path);
    const [native, fbh] = [await loadConfig(path, { env }), await loadConfig(TIER0, { env })];
    const rebase = (p: string) => resolve(dir, relative(join(FIXTURES, 'config'), p));
    expect(native.mode).toBe('native');
    expect(native.merge).toEqual(fbh.merge);
    expect(native.sources).toEqual(fbh.sources.map((s) => ({ ...s, location: { kind: 'file', path: rebase((s.location as { path: string }).path) } })));
    expect(native.allowlists).toEqual(fbh.allowlists.map((a) => ({ ...a, location: { kind: 'file', path: rebase((a.location as { path: string }).path) } })));
    expect(native.output).toEqual({ ...fbh.output, path: rebase(fbh.output.path!) });
  });
});

const FULL_FBH = `
blocklist_instance_sources = [
  { domain = 'public.example' },
  { domain = 'jorts.example', token = 'fbh-inline-token-1', admin = true, import_fields = ['domain', 'public_comment'] },
  { domain = 'env.example', token_env_var = 'FBH_ENV_TOKEN', scheme = 'http' },
]
blocklist_url_sources = [
  { url = 'https://lists.example/rb.json', format = 'rapidblock.json', max_severity = 'silence' },
  { url = 'file:///srv/lists/a.csv' },
]
allowlist_url_sources = [ { url = 'allow.csv' } ]
blocklist_instance_destinations = [
  { domain = 'my.example', token_env_var = 'FBH_MY_TOKEN', max_followed_severity = 'suspend', max_severity = 'silence', import_fields = ['public_comment'] },
  { domain = '127.0.0.1', scheme = 'http', token = 'fbh-inline-token-2', token_env_var = 'IGNORED' },
]
mergeplan = 'min'
merge_threshold = 20
merge_threshold_type = 'pct'
export_fields = ['public_comment']
save_intermediate = true
savedir = 'saved'
blocklist_auditfile = '/var/lib/fbh/audit.csv'
no_push_instance = true
override_private_comment = 'Added by Fediblock Sync'
dryrun = true
`;

describe('FediBlockHole translation', () => {
  it('reproduces FediBlockHole defaults and maps every key', async () => {
    const path = await writeConfig(FULL_FBH.replace("scheme = 'http' }", "scheme = 'https' }"), 'fediblockhole.conf.toml');
    const dir = dirname(path);
    const c = await loadConfig(path, { env });
    expect(c.merge).toEqual({ plan: 'min', threshold: { type: 'pct', value: 20 }, import_fields: [], export_fields: ['public_comment'], allow: [], drop_redundant: false });
    expect(c.sources.map((s) => [s.name, s.format, s.location, s.auth, s.max_severity, s.import_fields])).toEqual([
      // URL sources first, then instances: FediBlockHole's fetch order, which sets the comment merge order.
      ['rb.json', 'rapidblock_json', { kind: 'url', url: 'https://lists.example/rb.json' }, undefined, 'silence', undefined],
      ['a.csv', 'csv', { kind: 'file', path: '/srv/lists/a.csv' }, undefined, undefined, undefined],
      ['public.example', 'mastodon_api', { kind: 'instance', host: 'public.example', admin: false, apiBase: 'https://public.example' }, { domain: 'public.example' }, undefined, undefined],
      ['jorts.example', 'mastodon_api', { kind: 'instance', host: 'jorts.example', admin: true, apiBase: 'https://jorts.example' }, { domain: 'jorts.example', token: 'fbh-inline-token-1' }, undefined, ['public_comment']],
      ['env.example', 'mastodon_api', { kind: 'instance', host: 'env.example', admin: false, apiBase: 'https://env.example' }, { domain: 'env.example', token_env: 'FBH_ENV_TOKEN' }, undefined, undefined],
    ]);
    expect(c.allowlists).toEqual([{ index: 0, name: 'allow.csv', location: { kind: 'file', path: join(dir, 'allow.csv') }, format: 'csv' }]);
    expect(c.destinations.map((d) => [d.domain, d.store, d.auth, d.remove, d.adopt, d.marker, d.max_severity, d.max_followed_severity])).toEqual([
      ['my.example', { kind: 'api', apiBase: 'https://my.example' }, { domain: 'my.example', token_env: 'FBH_MY_TOKEN' }, false, true, 'Added by Fediblock Sync', 'silence', 'suspend'],
      ['127.0.0.1', { kind: 'api', apiBase: 'http://127.0.0.1' }, { domain: '127.0.0.1', token: 'fbh-inline-token-2' }, false, true, 'Added by Fediblock Sync', 'suspend', 'silence'],
    ]);
    expect(c.fbh).toEqual({
      no_fetch_url: false,
      no_fetch_instance: false,
      no_push_instance: true,
      save_intermediate: true,
      savedir: join(dir, 'saved'),
      blocklist_auditfile: '/var/lib/fbh/audit.csv',
      override_private_comment: 'Added by Fediblock Sync',
    });
    const warnings = c.warnings.join('\n');
    expect(warnings).toContain('dryrun: not a FediBlockHole key; ignored');
    expect(warnings).toContain('blocklist_instance_destinations[2]: both token and token_env_var are set; the inline token is used');
    expect(warnings).toContain('blocklist_instance_destinations[1].import_fields: ignored');
    expect(warnings).not.toContain('fbh-inline-token');
  });

  it('marks destinations with [fediblock] when no override_private_comment is set', () => {
    const t = translateFediBlockHole({ blocklist_instance_destinations: [{ domain: 'a.example' }] });
    expect(t.config.destination).toEqual([{ domain: 'a.example', remove: false, adopt: true }]);
  });

  it('refuses plain http to a non-loopback instance, naming the FediBlockHole key', async () => {
    const msg = await errorOf(loadConfig(await writeConfig(FULL_FBH, 'fbh.toml'), { env }));
    expect(msg).toContain('blocklist_instance_sources[3].scheme: "http://env.example" uses plain http');
  });

  it('reports errors by the FediBlockHole key the admin wrote', async () => {
    const toml = "mergeplan = 'maximum'\nblocklist_url_sources = [ { url = 'a.csv', format = 'xml' } ]\n";
    const msg = await errorOf(loadConfig(await writeConfig(toml), { env }));
    expect(msg).toContain('mergeplan: expected one of max, min; got "maximum"');
    expect(msg).toContain('blocklist_url_sources[1].format: expected one of auto, csv');
  });

  it('refuses an unknown merge_threshold_type', async () => {
    const msg = await errorOf(loadConfig(await writeConfig("merge_threshold_type = 'share'\n"), { env }));
    expect(msg).toContain('merge_threshold_type: expected one of count, pct; got "share"');
  });

  it('refuses a file mixing both schemas', async () => {
    const msg = await errorOf(loadConfig(await writeConfig("mergeplan = 'max'\n[merge]\nplan = 'max'\n"), { env }));
    expect(msg).toContain('mixes FediBlockHole keys with fediblock sections (merge)');
  });

  it('migrates without copying inline tokens, explaining removals and adoption', () => {
    const text = migrateConfig(FULL_FBH);
    expect(text).not.toContain('fbh-inline-token');
    expect(text).toContain('JORTS_EXAMPLE_TOKEN');
    expect(text).toContain('marker = "Added by Fediblock Sync"');
    expect(text).toContain('remove = false');
    expect(text).toContain('adopt = true');
    expect(text).toContain('set remove = true');
    expect(text).toContain('no_push_instance = true: run `fediblock merge`');
    const parsed = parse(text) as { destination: unknown[]; merge: Record<string, unknown> };
    expect(parsed.merge).toEqual({ plan: 'min', threshold_pct: 20, import_fields: [], export_fields: ['public_comment'] });
    expect(parsed.destination).toEqual([
      { domain: 'my.example', token_env: 'FBH_MY_TOKEN', max_severity: 'silence', max_followed_severity: 'suspend', remove: false, adopt: true, marker: 'Added by Fediblock Sync' },
      { domain: '127.0.0.1', api_base: 'http://127.0.0.1', remove: false, adopt: true, marker: 'Added by Fediblock Sync' },
    ]);
  });

  it('migrate refuses a config that is not FediBlockHole\'s', () => {
    expect(() => migrateConfig('[merge]\nplan = "max"\n')).toThrow(/not a FediBlockHole config/);
  });
});
