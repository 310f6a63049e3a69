// Shared command plumbing: global flags, lazy job loading, and turning errors into exit codes and
// one readable message (never a stack trace for a user's mistake; never a token).
import type { Command } from 'commander';
import { EXIT, FediblockError, InterruptedError } from '../errors.js';
import { getLogger, logFormat, scrub, setLogFormat, setLogLevel, type LogLevel } from '../log.js';
import type { JobContext } from '../jobs/context.js';
import { interruptedBy, watchInterrupts } from '../jobs/interrupt.js';

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
  const envFormat = process.env.FEDIBLOCK_LOG_FORMAT?.trim().toLowerCase();
  setLogFormat(g.logFormat === 'json' || g.logFormat === 'text' ? g.logFormat : envFormat === 'json' ? 'json' : 'text');
  const ctx: JobContext = {
    configPath: String(g.config ?? 'blocklist.toml'),
    configExplicit: cmd.parent?.getOptionValueSource('config') === 'cli' || cmd.getOptionValueSource?.('config') === 'cli',
    quiet,
    cacheDir: typeof g.cacheDir === 'string' ? g.cacheDir : undefined,
    offline: g.offline === true,
    opts: { ...opts },
    // Read when first used: making process.stdin and process.stdout builds their streams (net and
    // stream modules for a pipe), which a quiet merge to a file never needs.
    get stdout() {
      return process.stdout;
    },
    get stderr() {
      return process.stderr;
    },
    get interactive() {
      return process.stdin.isTTY === true && process.stdout.isTTY === true;
    },
    get color() {
      return process.stdout.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
    },
  };
  try {
    if (ctx.offline) (await import('../undici.js')).forbidNetwork();
    if (name === 'sync' || name === 'diff' || name === 'apply' || name === 'restore') watchInterrupts();
    const job = await jobs[name]();
    process.exitCode = await job(ctx);
    // An interrupted run did not finish its work, whatever the job managed to report.
    if (interruptedBy() !== undefined && process.exitCode === EXIT.OK) process.exitCode = EXIT.ERROR;
  } catch (err) {
    process.exitCode = await reportError(err, ctx);
  }
}

/**
 * Say the error once, where its reader looks: with --json as the one JSON document on stdout, with
 * --log-format json as one JSON log line, otherwise as a readable line (and a hint) on stderr.
 */
async function reportError(err: unknown, ctx: JobContext): Promise<number> {
  const known = err instanceof FediblockError;
  const e = err instanceof Error ? err : new Error(String(err));
  const exit: number = known ? (err as FediblockError).exitCode : EXIT.ERROR;
  const message = scrub(known ? e.message : `internal error: ${e.message}`);
  const hint = known ? (err as FediblockError).hint : 'run with --log-level debug for details, and please report it';
  // The signal handler said it when it arrived (jobs/interrupt.ts): once is enough.
  if (err instanceof InterruptedError && ctx.opts.json !== true) return exit;
  if (ctx.opts.json === true) {
    ctx.stdout.write(JSON.stringify({ error: message, ...(hint ? { hint: scrub(hint) } : {}), exit }, null, 2) + '\n');
  } else if (logFormat() === 'json') {
    const log = await getLogger();
    log.error({ event: known ? ((err as FediblockError).event ?? 'error') : 'internal_error', exit, ...(hint ? { hint: scrub(hint) } : {}) }, message);
  } else {
    ctx.stderr.write(`fediblock: ${message}\n` + (hint ? scrub(`  ${hint}\n`) : ''));
  }
  if (!known && (process.env.FEDIBLOCK_DEBUG || ctx.opts.logLevel === 'debug')) ctx.stderr.write(scrub(`${e.stack ?? ''}\n`));
  return exit;
}
