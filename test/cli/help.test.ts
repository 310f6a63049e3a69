// CLI manners: --version matches the package, every command's --help has an example, and errors
// in flags are explained.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { ROOT, runCli } from './run-cli.js';

const COMMANDS = ['merge', 'explain', 'check', 'diff', 'sync', 'apply', 'restore', 'log', 'config migrate', 'config check', 'completion'];

describe('CLI manners', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    expect(VERSION).toBe(pkg.version);
    const r = await runCli(['--version']);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it.each(COMMANDS)('`%s --help` shows an example', async (cmd) => {
    const r = await runCli([...cmd.split(' '), '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples?:\n\s+fediblock /);
  });

  it('an unknown flag is an error with a hint, exit 1', async () => {
    const r = await runCli(['merge', '--colour']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown option '--colour'/);
    expect(r.stderr).toMatch(/--help/);
  });

  it('sync off a terminal without --yes is refused with exit 2', async () => {
    const r = await runCli(['sync', '-c', 'blocklist.toml.example']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--yes/);
  });
});
