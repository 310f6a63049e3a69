// Durations and sizes as admins write them in blocklist.toml ("30s", "1h30m", "20MB", "512KiB").
// Pure parsing; the caller adds the key path to the message.

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION_HELP = 'use a number with a unit (ms, s, m, h, d, w), e.g. "30s", "5m", "1h30m", "7d"';

/** Parse "30s", "5m", "7d", "1h30m", "250ms", "1.5h" to milliseconds. Throws an Error with a readable message. */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    throw new Error(`${input} has no unit; ${DURATION_HELP}`);
  }
  const text = input.trim().toLowerCase().replace(/\s+/g, '');
  if (text === '') throw new Error(`empty duration; ${DURATION_HELP}`);
  if (/^\d+(\.\d+)?$/.test(text)) throw new Error(`"${input}" has no unit; ${DURATION_HELP}`);
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;
  let total = 0;
  let pos = 0;
  while (pos < text.length) {
    part.lastIndex = pos;
    const m = part.exec(text);
    if (!m) throw new Error(`invalid duration "${input}"; ${DURATION_HELP}`);
    total += Number(m[1]) * DURATION_UNITS[m[2] as string]!;
    pos = part.lastIndex;
  }
  return Math.round(total);
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
};

const SIZE_HELP = 'use bytes or a number with a unit (B, KB, MB, GB, KiB, MiB, GiB), e.g. "20MB", "512KiB"';

/**
 * Parse "20MB" (decimal, 20 000 000), "512KiB" (binary), "1.5GB", "4096" or 4096 to bytes.
 * Bare K/M/G are binary, as in nginx and systemd.
 */
export function parseSize(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isInteger(input) || input < 0) throw new Error(`invalid size ${input}; ${SIZE_HELP}`);
    return input;
  }
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(input.trim());
  const unit = m ? (m[2] ?? '').toLowerCase() : '';
  const factor = unit === '' ? 1 : SIZE_UNITS[unit];
  if (!m || factor === undefined) throw new Error(`invalid size "${input}"; ${SIZE_HELP}`);
  const bytes = Number(m[1]) * factor;
  if (!Number.isSafeInteger(Math.round(bytes))) throw new Error(`size "${input}" is too large`);
  return Math.round(bytes);
}
