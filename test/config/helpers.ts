import { expect } from 'vitest';
import { mkdtemp, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'fediblock-config-'));
}

/** Write `text` as a config file in a fresh temp dir; returns its path. */
export async function writeConfig(text: string, name = 'blocklist.toml', mode = 0o600): Promise<string> {
  const dir = await tempDir();
  const path = join(dir, name);
  await writeFile(path, text);
  await chmod(path, mode);
  return path;
}

/** The ConfigError message thrown by `p`. */
export async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect((e as Error).name).toBe('ConfigError');
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}
