// Shared command plumbing: global flags, lazy job loading, and turning errors into exit codes and
// one readable message (never a stack trace for a user's mistake; never a token).
import type { Command } from 'commander';
import { EXIT, FediblockError } from '../errors.js';
import { scrub, setLogLevel, type LogLevel } from '../log.js';
import type { JobContext } from '../jobs/context.js';

type JobName = 'announce' | 'merge' | 'explain' | 'check' | 'diff' | 'sync' | 'apply' | 'restore' | 'log' | 'config-migrate' | 'config-check' | 'completion';

const jobs: Record<JobName, () => Promise<(ctx: JobContext) => Promise<number>>> = {
  announce: async () => (await import('../jobs/announce.js')).runAnnounce,
  merge: async () => (await import('../jobs/merge.js')).runMerge,
  explain: async () => (await import('../jobs/explain.js')).runExplain,
  check: async () => (await import('../jobs/check.js')).runCheck,
  diff: async () => (await import('../jobs/diff.js')).runDiff,
  sync: async () => (await import('../jobs/sync.js')).runSync,
  apply: async () => (await import('../jobs/apply.js')).runApply,
  restore: async () => (await import('../jobs/restore.js')).runRestore,
  log: async () => (await import('../jobs/log.js')).runLog,
  'config-migrate': async () => (await import('../jobs/config-migrate.js')).runConfigMigrate,
  'config-check': async () => (await import('../jobs/config-check.js')).runConfigCheck,
  completion: async () => (await import('../jobs/completion.js')).runCompletion,
};

export async function runCommand(name: JobName, cmd: Command, opts: Record<string, unknown>): Promise<void> {
  const g = cmd.optsWithGlobals() as Record<string, unknown>;
  const quiet = g.quiet === true;
  setLogLevel((g.logLevel as LogLevel | undefined) ?? 'warn');
  const ctx: JobContext = {
    configPath: String(g.config ?? 'blocklist.toml'),
    configExplicit: cmd.parent?.getOptionValueSource('config') === 'cli' || cmd.getOptionValueSource?.('config') === 'cli',
    quiet,
    cacheDir: typeof g.cacheDir === 'string' ? g.cacheDir : undefined,
    offline: g.offline === true,
    opts: { ...opts },
    stdout: process.stdout,
    stderr: process.stderr,
    interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
    color: process.stdout.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb',
  };
  try {
    const job = await jobs[name]();
    process.exitCode = await job(ctx);
  } catch (err) {
    process.exitCode = reportError(err, ctx);
  }
}

function reportError(err: unknown, ctx: JobContext): number {
  if (err instanceof FediblockError) {
    ctx.stderr.write(scrub(`fediblock: ${err.message}\n`) + (err.hint ? scrub(`  ${err.hint}\n`) : ''));
    return err.exitCode;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  ctx.stderr.write(scrub(`fediblock: internal error: ${e.message}\n  (run with --log-level debug for details, and please report it)\n`));
  if (process.env.FEDIBLOCK_DEBUG || ctx.opts.logLevel === 'debug') ctx.stderr.write(scrub(`${e.stack ?? ''}\n`));
  return EXIT.ERROR;
}
