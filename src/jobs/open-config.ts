// Loads the config for a job and applies the global flags that override it.
import { join, resolve } from 'node:path';
import { loadConfig, type LoadedConfig } from '../config/index.js';
import { getLogger } from '../log.js';
import type { JobContext } from './context.js';

export async function openConfig(ctx: JobContext): Promise<LoadedConfig> {
  const config = await loadConfig(ctx.configPath);
  if (ctx.cacheDir) {
    const dir = resolve(ctx.cacheDir);
    const oldDefault = join(config.fetch.cache_dir, 'snapshots');
    config.fetch.cache_dir = dir;
    config.lock_file = join(dir, 'fediblock.lock');
    // Snapshots follow the cache unless the admin placed them elsewhere on purpose.
    for (const d of config.destinations) if (d.snapshot_dir === oldDefault) d.snapshot_dir = join(dir, 'snapshots');
  }
  // Translation notes (ignored keys, FediBlockHole differences) change nothing a run does: `check`
  // and `config check` print them, and a person at a terminal sees them; a cron run stays quiet.
  if (config.warnings.length && process.stderr.isTTY === true && !ctx.quiet) {
    const log = await getLogger();
    for (const w of config.warnings) log.warn({ event: 'config_warning', config: config.path }, w);
  }
  return config;
}
