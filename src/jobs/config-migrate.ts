// `fediblock config migrate OLD.toml`: print the native equivalent of a FediBlockHole config.
import { readFile } from 'node:fs/promises';
import { migrateConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import type { JobContext } from './context.js';

export async function runConfigMigrate(ctx: JobContext): Promise<number> {
  const file = String(ctx.opts.file);
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new ConfigError(`cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  });
  ctx.stdout.write(migrateConfig(text, file));
  return 0;
}
