// Structured logs on stderr: JSON when stderr is not a TTY (cron, CI), one readable line per event
// on a TTY. pino is imported lazily: a small local merge should not pay for it at start-up.
import type { Logger } from 'pino';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** Paths pino blanks out wherever they appear, as a second line of defence; tokens are also never put in log fields. */
export const REDACT_PATHS = ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'access_token', '*.access_token'];

let level: LogLevel = 'info';
let logger: Logger | undefined;
const secrets = new Set<string>();

export function setLogLevel(l: LogLevel): void {
  level = l;
  if (logger) logger.level = l;
}

/** Register a secret so that any log line or error message containing it is scrubbed. */
export function registerSecret(s: string | undefined): void {
  if (s && s.length >= 4) secrets.add(s);
}

/** Replace every registered secret in `text` with [REDACTED]. */
export function scrub(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
  return out;
}

const stderrWrite = (line: string) => process.stderr.write(scrub(line));

export async function getLogger(): Promise<Logger> {
  if (logger) return logger;
  // pino is CommonJS: its function is the default export once bundled, a named one under tsc.
  const mod = (await import('pino')) as unknown as { default?: typeof import('pino').pino; pino?: typeof import('pino').pino };
  const pino = (mod.pino ?? mod.default) as typeof import('pino').pino;
  const tty = process.stderr.isTTY === true;
  const opts = { level, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' }, base: undefined } as const;
  if (tty) {
    // A readable one-line format for people; JSON for machines.
    const stream = {
      write(chunk: string) {
        try {
          const o = JSON.parse(chunk) as Record<string, unknown>;
          const { level: lv, time: _t, msg, ...rest } = o;
          const name = pino.levels.labels[lv as number] ?? String(lv);
          const extra = Object.keys(rest).length ? ' ' + Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ') : '';
          stderrWrite(`${name.padEnd(5)} ${String(msg ?? '')}${extra}\n`);
        } catch {
          stderrWrite(chunk);
        }
      },
    };
    logger = pino(opts, stream);
  } else {
    logger = pino(opts, { write: stderrWrite });
  }
  return logger;
}

/** Fire-and-forget logging for code that is not async; lines are ordered once pino is loaded. */
export function logLater(lv: Exclude<LogLevel, 'silent'>, obj: Record<string, unknown>, msg: string): void {
  void getLogger().then((l) => l[lv](obj, msg));
}
