// `fediblock log [NAME] [-d DESTINATION] [--since DATE] [--json]`: what fediblock wrote, from the
// journal: every destination's history, or one domain's (exactly that name, not its parents).
import { parseDuration } from '../config/units.js';
import { ConfigError } from '../errors.js';
import { formatHistory } from '../journal/format-history.js';
import { isRunEnd, type JournalLine } from '../journal/journal-record.js';
import { listJournals, readJournal, readJournalFile, type Journal } from '../journal/read-journal.js';
import { normalizeDomain } from '../sources/normalize-domain.js';
import type { JobContext } from './context.js';
import { openConfig } from './open-config.js';

export async function runLog(ctx: JobContext): Promise<number> {
  const o = ctx.opts;
  let name: string | undefined;
  if (typeof o.name === 'string') {
    const n = normalizeDomain(o.name);
    if (!n.ok) throw new ConfigError(`"${o.name}" is not a domain: ${n.reason}`);
    name = n.domain;
  }
  const since = typeof o.since === 'string' ? parseSince(o.since) : undefined;
  const config = await openConfig(ctx);
  const cacheDir = config.fetch.cache_dir;
  const journals: Journal[] =
    typeof o.destination === 'string'
      ? [await readJournal(cacheDir, o.destination.toLowerCase())]
      : await Promise.all((await listJournals(cacheDir)).map((f) => readJournalFile(f)));

  const shown = journals.map((j) => ({ j, lines: select(j.lines, name, since) }));
  const warnings = journals.flatMap((j) => j.warnings);
  if (o.json === true) {
    const lines = shown.flatMap((s) => s.lines);
    ctx.stdout.write(JSON.stringify({ entries: lines.filter((l) => !isRunEnd(l)), runs: lines.filter(isRunEnd), warnings }, null, 2) + '\n');
    return 0;
  }
  for (const w of warnings) ctx.stderr.write(`warning: ${w}\n`);
  const nonEmpty = shown.filter((s) => s.lines.some((l) => !isRunEnd(l)));
  if (nonEmpty.length === 0) {
    const where = typeof o.destination === 'string' ? ` on ${o.destination.toLowerCase()}` : '';
    ctx.stdout.write(`no changes recorded${name ? ` for ${name}` : ''}${where}${since ? ` since ${since.toISOString()}` : ''}\n`);
    return 0;
  }
  const headed = nonEmpty.length > 1 || typeof o.destination !== 'string';
  for (const s of nonEmpty) {
    const destination = s.lines[0]?.destination ?? '';
    if (headed) ctx.stdout.write(`${destination}:\n`);
    for (const line of formatHistory(s.lines, { runs: name === undefined })) ctx.stdout.write(`${headed ? '  ' : ''}${line}\n`);
  }
  return 0;
}

/** The lines to show: one domain's writes (and the ends of their runs), from `since` on. */
function select(lines: JournalLine[], name: string | undefined, since: Date | undefined): JournalLine[] {
  const from = since?.getTime();
  let out = from === undefined ? lines : lines.filter((l) => Date.parse(l.time) >= from);
  if (name !== undefined) {
    const runs = new Set(out.filter((l) => !isRunEnd(l) && l.domain === name).map((l) => l.run));
    out = out.filter((l) => (isRunEnd(l) ? runs.has(l.run) : l.domain === name));
  }
  return out;
}

/** `2026-12-01`, `2026-12-01T04:00` (UTC unless a zone is given), or a duration back from now (`7d`). */
export function parseSince(text: string, now: Date = new Date()): Date {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
    const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(t) || !t.includes('T') ? t : `${t}Z`;
    const ms = Date.parse(zoned);
    if (!Number.isNaN(ms)) return new Date(ms);
  } else {
    try {
      return new Date(now.getTime() - parseDuration(t));
    } catch {
      // fall through to the error below
    }
  }
  throw new ConfigError(`--since "${text}" is not a date`, 'use a date (2026-12-01), a UTC time (2026-12-01T04:00) or a duration back from now (7d, 12h)');
}
