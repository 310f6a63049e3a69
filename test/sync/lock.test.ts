import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT, FediblockError } from '../../src/errors.js';
import { acquireLock } from '../../src/sync/lock.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fediblock-lock-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** The PID of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  const pid = child.pid!;
  await new Promise((r) => child.on('exit', r));
  return pid;
}

describe('acquireLock', () => {
  it('holds {pid, started_at, host}; a second acquire fails with exit 5 naming the file and PID; release removes it', async () => {
    const file = path.join(dir, 'sub', 'fediblock.lock');
    const lock = await acquireLock(file);
    const info = JSON.parse(await fs.readFile(file, 'utf8'));
    expect(info).toMatchObject({ pid: process.pid, host: os.hostname() });
    expect(typeof info.started_at).toBe('string');
    const err = await acquireLock(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FediblockError);
    expect((err as FediblockError).exitCode).toBe(EXIT.LOCKED);
    expect((err as FediblockError).message).toContain(file);
    expect((err as FediblockError).message).toContain(`pid ${process.pid}`);
    expect((err as FediblockError).message).toContain(info.started_at);
    await lock.release();
    await expect(fs.access(file)).rejects.toThrow();
    await lock.release(); // idempotent
    const again = await acquireLock(file);
    await again.release();
    expect(await fs.readdir(path.dirname(file))).toEqual([]);
  });

  it('takes over a stale lock whose process is gone', async () => {
    const file = path.join(dir, 'fediblock.lock');
    const pid = await deadPid();
    await fs.writeFile(file, JSON.stringify({ pid, started_at: '2026-11-25T00:00:00.000Z', host: os.hostname() }));
    const lock = await acquireLock(file);
    expect(JSON.parse(await fs.readFile(file, 'utf8')).pid).toBe(process.pid);
    await lock.release();
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('takes over an unreadable lock file', async () => {
    const file = path.join(dir, 'fediblock.lock');
    await fs.writeFile(file, 'garbage');
    const lock = await acquireLock(file);
    expect(JSON.parse(await fs.readFile(file, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('release leaves a lock that is no longer ours', async () => {
    const file = path.join(dir, 'fediblock.lock');
    const lock = await acquireLock(file);
    const other = JSON.stringify({ pid: process.pid, started_at: '1999-01-01T00:00:00.000Z', host: os.hostname() });
    await fs.writeFile(file, other);
    await lock.release();
    expect(await fs.readFile(file, 'utf8')).toBe(other);
  });

  it('is released when the process exits', async () => {
    const file = path.join(dir, 'fediblock.lock');
    // Node 20 cannot run TypeScript: bundle the module for a child process.
    const { build } = await import('esbuild');
    const bundle = path.join(dir, 'lock.mjs');
    await build({ entryPoints: [path.resolve('src/sync/lock.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, external: ['pino'], logLevel: 'silent' });
    const code = `const { acquireLock } = await import(${JSON.stringify(bundle)}); await acquireLock(${JSON.stringify(file)}); (await import('node:fs')).writeFileSync(${JSON.stringify(file + '.seen')}, 'x'); process.exit(0);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: 'inherit' });
    const rc = await new Promise((r) => child.on('exit', r));
    expect(rc).toBe(0);
    await fs.access(file + '.seen');
    await expect(fs.access(file)).rejects.toThrow();
  });
});
