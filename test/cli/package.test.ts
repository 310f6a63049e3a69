// `npm pack` ships only what runs, and the tarball installs and works on its own.
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './run-cli.js';

const run = promisify(execFile);

describe('npm package', () => {
  it('contains only the bundle, bin, README, LICENSE, package.json and the example config', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });
    const files: string[] = JSON.parse(stdout)[0].files.map((f: { path: string }) => f.path);
    const unexpected = files.filter((f) => !/^(dist\/bundle\/.+\.js|bin\/fediblock\.js|README\.md|LICENSE|package\.json|blocklist\.toml\.example)$/.test(f));
    expect(unexpected).toEqual([]);
    expect(files).toContain('dist/bundle/cli.js');
  });

  it('installs from the tarball into an empty folder and runs --version and a merge', async () => {
    const dir = await tempDir('fediblock-pack-');
    await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT });
    const tarball = (await readdir(dir)).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    const prefix = join(dir, 'install');
    // Dependencies come from npm's cache, filled by the project's own `npm ci`.
    await run('npm', ['install', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev', join(dir, tarball as string)], { cwd: dir, timeout: 120_000 });
    const bin = join(prefix, 'node_modules/.bin/fediblock');
    const v = await run(bin, ['--version']);
    const pkg = JSON.parse((await import('node:fs')).readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(v.stdout.trim()).toBe(pkg.version);
    const out = join(dir, 'merged.txt');
    await run(bin, ['merge', '-c', join(ROOT, 'fixtures/config/fediblockhole-tier0.conf.toml'), '--format', 'text', '-o', out, '--cache-dir', join(dir, 'cache')], { cwd: dir });
    expect((await readFile(out, 'utf8')).split('\r\n').filter(Boolean)).toHaveLength(447);
  }, 180_000);
});

describe('supported Node versions', () => {
  it('engines and the README name the same versions: 20.18+, 22 and 24', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe('^20.18.1 || ^22 || >=24');
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('Node.js 20 (20.18 or later), 22 or 24');
  });
});
