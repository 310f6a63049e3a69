// Logs on stderr: one readable line per event by default, everywhere (cron mail is read by
// people); JSON lines only when asked (`--log-format json` or FEDIBLOCK_LOG_FORMAT=json), for log
// collectors. pino is imported lazily: a small local merge should not pay for it at start-up.
import type { Logger } from 'pino';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
export type LogFormat = 'text' | 'json';

/** Paths pino blanks out wherever they appear, as a second line of defence; tokens are also never put in log fields. */
export const REDACT_PATHS = ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'access_token', '*.access_token'];

let level: LogLevel = 'info';
let format: LogFormat = 'text';
let logger: Logger | undefined;
const secrets = new Set<string>();

export function setLogLevel(l: LogLevel): void {
  level = l;
  if (logger) logger.level = l;
}

/** Set before the first log line; the flag wins over FEDIBLOCK_LOG_FORMAT. */
export function setLogFormat(f: LogFormat): void {
  format = f;
}

export function logFormat(): LogFormat {
  return format;
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

const PREFIX: Record<string, string> = { trace: 'trace: ', debug: 'debug: ', info: '', warn: 'warning: ', error: 'error: ', fatal: 'error: ' };

/** The readable form of a log line: its message, which says everything a person needs, once. */
function textLine(o: Record<string, unknown>, labels: Record<string, string>): string {
  const name = labels[o.level as number] ?? 'info';
  return `${PREFIX[name] ?? ''}${String(o.msg ?? '')}\n`;
}

export async function getLogger(): Promise<Logger> {
  if (logger) return logger;
  // pino is CommonJS: its function is the default export once bundled, a named one under tsc.
  const mod = (await import('pino')) as unknown as { default?: typeof import('pino').pino; pino?: typeof import('pino').pino };
  const pino = (mod.pino ?? mod.default) as typeof import('pino').pino;
  const opts = { level, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' }, base: undefined } as const;
  if (format === 'text') {
    const stream = {
      write(chunk: string) {
        try {
          stderrWrite(textLine(JSON.parse(chunk) as Record<string, unknown>, pino.levels.labels));
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
