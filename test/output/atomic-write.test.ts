import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/output/atomic-write.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fediblock-atomic-'));
});
afterEach(async () => {
  await fs.chmod(dir, 0o755).catch(() => {});
  await fs.rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('writes, replaces, creates parent directories and leaves no temp files', async () => {
    const file = path.join(dir, 'a', 'b', 'out.csv');
    await writeFileAtomic(file, 'one\n');
    expect(await fs.readFile(file, 'utf8')).toBe('one\n');
    await writeFileAtomic(file, new TextEncoder().encode('two\n'));
    expect(await fs.readFile(file, 'utf8')).toBe('two\n');
    expect(await fs.readdir(path.dirname(file))).toEqual(['out.csv']);
  });

  it('writes chunks as they come, even when each reuses the buffer of the one before', async () => {
    const file = path.join(dir, 'chunks.csv');
    const shared = Buffer.alloc(4);
    function* chunks(): Generator<Buffer> {
      for (const word of ['abcd', 'efgh', 'ij']) yield shared.subarray(0, shared.write(word, 0));
    }
    await writeFileAtomic(file, chunks());
    expect(await fs.readFile(file, 'utf8')).toBe('abcdefghij');
  });

  it('applies an explicit mode, and keeps the mode of the file it replaces', async () => {
    const file = path.join(dir, 'secret.json');
    await writeFileAtomic(file, '{}', { mode: 0o600 });
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    await writeFileAtomic(file, '{"a":1}');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
  });

  it.skipIf(process.getuid?.() === 0)('leaves the old file intact when the directory is not writable', async () => {
    const file = path.join(dir, 'out.txt');
    await writeFileAtomic(file, 'old');
    await fs.chmod(dir, 0o555);
    await expect(writeFileAtomic(file, 'new')).rejects.toThrow();
    await fs.chmod(dir, 0o755);
    expect(await fs.readFile(file, 'utf8')).toBe('old');
    expect(await fs.readdir(dir)).toEqual(['out.txt']);
  });

  it('cleans its temp file and keeps the old file when the rename fails', async () => {
    // The target is a non-empty directory: the temp file is written, the rename fails.
    const target = path.join(dir, 'busy');
    await fs.mkdir(target);
    await fs.writeFile(path.join(target, 'keep'), 'x');
    await expect(writeFileAtomic(target, 'data')).rejects.toThrow();
    expect(await fs.readdir(dir)).toEqual(['busy']);
    expect(await fs.readFile(path.join(target, 'keep'), 'utf8')).toBe('x');
  });

  it('cleans its temp file when writing the data fails', async () => {
    const file = path.join(dir, 'out.txt');
    await writeFileAtomic(file, 'old');
    // Not a string or bytes: the write itself throws after the temp file was opened.
    await expect(writeFileAtomic(file, 42 as unknown as string)).rejects.toThrow();
    expect(await fs.readdir(dir)).toEqual(['out.txt']);
    expect(await fs.readFile(file, 'utf8')).toBe('old');
  });
});
