// `fediblock merge`, `check`, `explain` end to end through the built CLI.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, ROOT, runCli, tempDir, workspace } from './run-cli.js';

const OLIPHANT = join(FIXTURES, 'oliphant-2024-01-21');
const PUBLISHED = join(OLIPHANT, '_unified_tier0_blocklist.csv');

const nativeTier0 = (cache: string) => `
[merge]
plan = "max"
import_fields = ["reject_media", "reject_reports", "public_comment", "obfuscate"]
export_fields = ["reject_media", "reject_reports", "public_comment", "obfuscate"]
[fetch]
cache_dir = "${cache}"
${['tier0', 'gardenfence', 'tier0-council', 'dni'].map((n) => `[[source]]\nurl = "${join(OLIPHANT, n)}.csv"\nformat = "csv"\n`).join('')}
[[allowlist]]
url = "${join(OLIPHANT, '__allowlist.csv')}"
[[allowlist]]
url = "${join(OLIPHANT, 'birdsite.csv')}"
`;

describe('merge of the Oliphant tier-0 lists', () => {
  it('reproduces the published unified list from the FediBlockHole config, byte for byte (CRLF included)', async () => {
    const dir = await tempDir();
    const out = join(dir, 'unified.csv');
    const r = await runCli(['merge', '-c', join(FIXTURES, 'config/fediblockhole-tier0.conf.toml'), '-o', out, '--cache-dir', dir]);
    expect(r.code).toBe(0);
    expect(await readFile(out)).toEqual(await readFile(PUBLISHED));
    expect(r.stdout).toMatch(/into 447 domains/);
    expect(r.stdout).toMatch(/tier0\.csv:2: dropped the canary row 000delete/);
  });

  it('reproduces it from a native config with LF line ends, data on stdout and the summary on stderr', async () => {
    const dir = await workspace({});
    const cfg = join(dir, 'blocklist.toml');
    await (await import('node:fs/promises')).writeFile(cfg, nativeTier0(join(dir, 'cache')));
    const r = await runCli(['merge', '-c', cfg]);
    expect(r.code).toBe(0);
    const published = (await readFile(PUBLISHED, 'utf8')).replace(/\r\n/g, '\n');
    expect(r.stdout).toBe(published);
    expect(r.stderr).toMatch(/merged 4 sources into 447 domains \(438 suspend, 9 silence, 0 noop\)/);
  });

  it('--check exits 3 when the committed file differs and 0 when it matches', async () => {
    const dir = await tempDir();
    const cfg = join(FIXTURES, 'config/fediblockhole-tier0.conf.toml');
    const same = await runCli(['merge', '-c', cfg, '--check', PUBLISHED, '--cache-dir', dir]);
    expect(same.code).toBe(0);
    const stale = join(dir, 'stale.csv');
    const text = await readFile(PUBLISHED, 'utf8');
    await (await import('node:fs/promises')).writeFile(stale, text.replace('076.moe,suspend', '076.moe,silence'));
    const diff = await runCli(['merge', '-c', cfg, '--check', stale, '--cache-dir', dir]);
    expect(diff.code).toBe(3);
    expect(diff.stdout).toMatch(/not what the merge writes/);
    expect(await readFile(stale, 'utf8')).toContain('076.moe,silence');
  });
});

describe('merge formats and safety', () => {
  const files = {
    'a.csv': 'domain,severity,public_comment,reject_media\nbad.example,suspend,"=HYPERLINK(""x"")",True\nmeh.example,silence,"spam, bots",False\nBücher.example,silence,,False\n',
    'b.txt': '# plain list\nbad.example\nworse.example\n',
    'blocklist.toml': '[[source]]\nurl = "a.csv"\n[[source]]\nurl = "b.txt"\nformat = "text"\n[merge]\nexport_fields = ["reject_media", "public_comment"]\n[fetch]\ncache_dir = "cache"\n',
  };

  it('writes Mastodon CSV with lowercase booleans, punycode domains and neutralised formulas, atomically', async () => {
    const dir = await workspace(files);
    const r = await runCli(['merge', '-o', 'out.csv', '--format', 'mastodon_csv'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(await readFile(join(dir, 'out.csv'), 'utf8')).toBe(
      '#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n' +
        `bad.example,suspend,true,false,"'=HYPERLINK(""x"")",false\n` +
        'meh.example,silence,false,false,"spam, bots",false\n' +
        'worse.example,suspend,false,false,,false\n' +
        'xn--bcher-kva.example,silence,false,false,,false\n',
    );
    expect((await readdir(dir)).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('writes JSON and text', async () => {
    const dir = await workspace(files);
    const j = await runCli(['merge', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(j.stdout)[0]).toEqual({ domain: 'bad.example', severity: 'suspend', reject_media: true, public_comment: '=HYPERLINK("x")' });
    const t = await runCli(['merge', '--format', 'text'], { cwd: dir });
    expect(t.stdout).toBe('bad.example\nmeh.example\nworse.example\nxn--bcher-kva.example\n');
  });

  it('--audit writes how many sources named each domain, and what share', async () => {
    const dir = await workspace(files);
    const r = await runCli(['merge', '-o', 'out.csv', '--audit', 'audit.csv'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(await readFile(join(dir, 'audit.csv'), 'utf8')).toBe('domain,count,percent\nbad.example,2,100\nmeh.example,1,50\nworse.example,1,50\nxn--bcher-kva.example,1,50\n');
  });

  it('keeps a child its parent covers unless [merge] drop_redundant = true', async () => {
    const list = { 'a.csv': 'domain,severity\nexample.com,suspend\nbad.example.com,suspend\nmild.example.com,silence\n' };
    const kept = await workspace({ ...list, 'blocklist.toml': '[[source]]\nurl = "a.csv"\n[fetch]\ncache_dir = "cache"\n' });
    expect((await runCli(['merge', '--format', 'text'], { cwd: kept })).stdout).toBe('bad.example.com\nexample.com\nmild.example.com\n');
    const dropped = await workspace({ ...list, 'blocklist.toml': '[merge]\ndrop_redundant = true\n[[source]]\nurl = "a.csv"\n[fetch]\ncache_dir = "cache"\n' });
    expect((await runCli(['merge', '--format', 'text'], { cwd: dropped })).stdout).toBe('example.com\n');
  });

  it('threshold and allow flags', async () => {
    const dir = await workspace(files);
    const r = await runCli(['merge', '--format', 'text', '--threshold', '2'], { cwd: dir });
    expect(r.stdout).toBe('bad.example\n');
    const a = await runCli(['merge', '--format', 'text', '-A', 'MEH.example', '--plan', 'min'], { cwd: dir });
    expect(a.stdout).toBe('bad.example\nworse.example\nxn--bcher-kva.example\n');
  });
});

describe('bad input gets a clear error and loses nothing', () => {
  it('names the config key path and never prints a stack trace', async () => {
    const dir = await workspace({ 'blocklist.toml': '[[source]]\nurl = "a.csv"\nformat = "xml"\n[merge]\ncolour = "red"\n' });
    const r = await runCli(['merge'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/source\[1\]\.format/);
    expect(r.stderr).toMatch(/xml/);
    expect(r.stderr).toMatch(/merge\.colour/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects bad rows with source and line, and keeps the rest', async () => {
    const dir = await workspace({
      'a.csv': 'domain,severity\ngood.example,suspend\nbad_domain.example,suspend\nalso.example,ultra\nfine.example,silence\n',
      'blocklist.toml': '[[source]]\nurl = "a.csv"\nname = "friends"\n[fetch]\ncache_dir = "cache"\n',
    });
    const r = await runCli(['merge', '--format', 'text'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('fine.example\ngood.example\n');
    expect(r.stderr).toMatch(/rejected friends:3: .*bad_domain\.example/);
    expect(r.stderr).toMatch(/rejected friends:4: .*ultra/);
    const c = await runCli(['check'], { cwd: dir });
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/friends:3/);
  });

  it('a missing source fails the merge with exit 1 and writes nothing', async () => {
    const dir = await workspace({ 'blocklist.toml': '[[source]]\nurl = "nope.csv"\n[fetch]\ncache_dir = "cache"\n' });
    const r = await runCli(['merge', '-o', 'out.csv'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr + r.stdout).toMatch(/nope\.csv/);
    await expect(readFile(join(dir, 'out.csv'))).rejects.toThrow();
  });
});

describe('report page', () => {
  it('merge -o X --report R --against X compares with the list as it was before this run', async () => {
    const dir = await tempDir();
    const fs = await import('node:fs/promises');
    const published = join(dir, 'published.csv');
    const old = (await readFile(PUBLISHED, 'utf8')).split('\r\n').filter((l) => !l.startsWith('polaris-1.work,')).join('\r\n');
    await fs.writeFile(published, old);
    const report = join(dir, 'report.html');
    const r = await runCli(['merge', '-c', join(FIXTURES, 'config/fediblockhole-tier0.conf.toml'), '-o', published, '--report', report, '--against', published, '--cache-dir', dir]);
    expect(r.code).toBe(0);
    const html = await readFile(report, 'utf8');
    expect(html).toMatch(/Changes since the previous list/);
    const changes = html.slice(html.indexOf('Changes since the previous list'));
    expect(changes).toMatch(/polaris-1\.work/);
    expect(await readFile(published)).toEqual(await readFile(PUBLISHED));
  });
});

describe('explain', () => {
  it('shows each source vote and the deciding rule', async () => {
    const dir = await tempDir();
    const r = await runCli(['explain', '101010.pl', '-c', join(FIXTURES, 'config/fediblockhole-tier0.conf.toml'), '--cache-dir', dir, '--json']);
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(JSON.stringify(e)).toMatch(/tier0-council/);
    expect(JSON.stringify(e)).toMatch(/silence/);
    const human = await runCli(['explain', '101010.pl', '-c', join(FIXTURES, 'config/fediblockhole-tier0.conf.toml'), '--cache-dir', dir]);
    expect(human.stdout).toMatch(/101010\.pl/);
    expect(human.stdout).toMatch(/suspend/);
  });
});

describe('the quick start', () => {
  it('the dry-run sync on the bundled samples shows a plan and changes nothing', async () => {
    const before = await readFile(join(ROOT, 'samples/instance-snapshot.json'), 'utf8');
    const dir = await tempDir();
    const r = await runCli(['sync', '--dry-run', '-c', 'blocklist.toml.example', '--cache-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\+ create\s+nazi\.example\s+suspend/);
    expect(r.stdout).toMatch(/- delete\s+left-the-lists\.example/);
    expect(r.stdout).toMatch(/hand-made; set adopt = true.*hate\.example/);
    expect(r.stdout).not.toMatch(/my-own-call\.example/);
    expect(await readFile(join(ROOT, 'samples/instance-snapshot.json'), 'utf8')).toBe(before);
  });
});
