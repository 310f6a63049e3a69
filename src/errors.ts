// Errors are values a user can act on: what failed, where, and what to do. Each carries the exit
// code the CLI should end with (decisions.md), so stages never call process.exit themselves.

export const EXIT = {
  OK: 0,
  ERROR: 1,
  UNSAFE: 2,
  CHANGES: 3,
  HELD: 4,
  LOCKED: 5,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class FediblockError extends Error {
  readonly exitCode: ExitCode;
  /** A next step for the admin, printed under the message. */
  readonly hint?: string;
  /** The event name of its JSON log line (`--log-format json`), e.g. "lock_held". */
  readonly event?: string;
  constructor(message: string, opts: { exitCode?: ExitCode; hint?: string; cause?: unknown; event?: string } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'FediblockError';
    this.exitCode = opts.exitCode ?? EXIT.ERROR;
    if (opts.hint !== undefined) this.hint = opts.hint;
    if (opts.event !== undefined) this.event = opts.event;
  }
}

/** The config file is invalid; message names the key path. */
export class ConfigError extends FediblockError {
  constructor(message: string, hint?: string) {
    super(message, hint === undefined ? {} : { hint });
    this.name = 'ConfigError';
  }
}

/** Refused as unsafe (brake, stale plan, no --yes off a TTY). */
export class UnsafeError extends FediblockError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: EXIT.UNSAFE, ...(hint === undefined ? {} : { hint }) });
    this.name = 'UnsafeError';
  }
}

/** SIGTERM or SIGINT arrived: a wait was abandoned, or a request was not sent. */
export class InterruptedError extends FediblockError {
  constructor(signal: string) {
    super(`${signal}: stopped`, { exitCode: EXIT.ERROR, event: 'interrupted' });
    this.name = 'InterruptedError';
  }
}
