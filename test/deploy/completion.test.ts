// Shell completion scripts: valid bash (and zsh where zsh exists), and bash really completes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { completionScript, type CompletionCommand } from '../../src/output/completion.js';

const SPEC: CompletionCommand[] = [
  { name: '', options: ['-V', '--version', '-c', '--config', '-q', '--quiet', '--cache-dir', '--help'], subcommands: ['merge', 'diff', 'sync', 'config', 'completion'] },
  { name: 'merge', options: ['-o', '--output', '--report', '--against', '--check', '--help'] },
  { name: 'diff', options: ['--against', '--format', '--help'] },
  { name: 'sync', options: ['-y', '--yes', '--force', '--help'] },
  { name: 'config', options: ['--help'], subcommands: ['migrate', 'check'] },
  { name: 'completion', options: ['--help'] },
];

const dir = mkdtempSync(join(tmpdir(), 'fediblock-completion-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

const bashFile = join(dir, 'fediblock.bash');
writeFileSync(bashFile, completionScript('bash', SPEC));
writeFileSync(join(dir, 'mine.toml'), '');

/** What bash completes for the words typed so far (the last one is being completed). */
function complete(...words: string[]): string[] {
  const arr = words.map((w) => `'${w}'`).join(' ');
  const r = spawnSync('bash', ['-c', `source "$1"; COMP_WORDS=(${arr}); COMP_CWORD=${words.length - 1}; _fediblock; printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', bashFile], {
    encoding: 'utf8',
    cwd: dir,
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter(Boolean).sort();
}

describe.skipIf(!has('bash'))('bash completion', () => {
  it('is valid bash and registers itself with complete -F', () => {
    const r = spawnSync('bash', ['-n', bashFile], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const reg = spawnSync('bash', ['-c', 'source "$1"; complete -p fediblock', 'bash', bashFile], { encoding: 'utf8' });
    expect(reg.stdout.trim()).toBe('complete -F _fediblock fediblock');
  });

  it('completes commands, a command’s options, nested subcommands and files', () => {
    expect(complete('fediblock', 'sy')).toEqual(['sync']);
    expect(complete('fediblock', '')).toEqual(['completion', 'config', 'diff', 'merge', 'sync']);
    // merge's own options (plus the program's) after `fediblock merge --`
    const mergeOpts = complete('fediblock', 'merge', '--');
    expect(mergeOpts).toEqual(expect.arrayContaining(['--output', '--report', '--against', '--check', '--config', '--quiet']));
    expect(mergeOpts).not.toContain('--yes');
    expect(complete('fediblock', 'merge', '--rep')).toEqual(['--report']);
    // The program's options before a command; the command found after an option's value.
    expect(complete('fediblock', '--con')).toEqual(['--config']);
    expect(complete('fediblock', '-c', 'x.toml', 'sync', '--y')).toEqual(['--yes']);
    expect(complete('fediblock', 'config', '')).toEqual(['check', 'migrate']);
    // An option's value (no command matches "mi"): files.
    expect(complete('fediblock', '-c', 'mi')).toEqual(['mine.toml']);
    expect(complete('fediblock', 'merge', '-o', 'mi')).toEqual(['mine.toml']);
  });
});

describe('zsh completion', () => {
  const script = completionScript('zsh', SPEC);

  it('is a #compdef script that registers _fediblock', () => {
    expect(script.startsWith('#compdef fediblock\n')).toBe(true);
    expect(script).toContain('compdef _fediblock fediblock');
    expect(script).toMatch(/merge\) opts=\(-o --output --report --against --check --help\)/);
    expect(script).toMatch(/config\) subs=\(migrate check\)/);
  });

  it.skipIf(!has('zsh'))('is valid zsh (zsh -n)', () => {
    const file = join(dir, '_fediblock');
    writeFileSync(file, script);
    const r = spawnSync('zsh', ['-n', file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('completionScript input checks', () => {
  it('refuses words that could break out of the script', () => {
    expect(() => completionScript('bash', [{ name: 'x;rm', options: [] }])).toThrow(/command name/);
    expect(() => completionScript('bash', [{ name: 'x', options: ['--a$(id)'] }])).toThrow(/option/);
  });

  it('is deterministic', () => {
    expect(completionScript('bash', SPEC)).toBe(completionScript('bash', SPEC));
  });
});
