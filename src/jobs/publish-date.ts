// The time stamped on published output (changelog sections, feed entries): `--date`, else
// SOURCE_DATE_EPOCH (reproducible builds' convention), else now. A CI job that pins either gets
// byte-identical files from the same inputs.
import { ConfigError } from '../errors.js';

export function publishDate(flag: unknown, env: NodeJS.ProcessEnv, now: () => Date = () => new Date()): Date {
  if (typeof flag === 'string') {
    // A bare date means midnight UTC, not local midnight: the same flag gives the same file anywhere.
    const text = /^\d{4}-\d\d-\d\d$/.test(flag) ? `${flag}T00:00:00Z` : flag;
    const d = new Date(text);
    if (!/^\d{4}-\d\d-\d\d/.test(flag) || Number.isNaN(d.getTime())) {
      throw new ConfigError(`--date: "${flag}" is not a date`, 'use YYYY-MM-DD or an ISO 8601 time such as 2026-12-02T06:00:00Z');
    }
    return d;
  }
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && epoch !== '') {
    if (!/^\d+$/.test(epoch)) throw new ConfigError(`SOURCE_DATE_EPOCH="${epoch}" is not a number of seconds`);
    return new Date(Number(epoch) * 1000);
  }
  return now();
}
