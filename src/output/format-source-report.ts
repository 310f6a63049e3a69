// The human summary of a fetch: one line per source, then its rejects (with file and line) and
// notices. `limit` keeps a cron mail short; `fediblock check` passes Infinity.
import type { MergeResult, Notice, Reject, Severity, SourceStatus } from '../model.js';

export interface SourceLine {
  name: string;
  status: SourceStatus;
  origin: string;
  blocks: number;
  rows: number;
  rejects: Reject[];
  notices: Notice[];
  warnings: string[];
  error?: string | undefined;
  /** What a service source read and holds (FIRES: entities, cursor, pages), shown by `check`. */
  details?: string[] | undefined;
  /** Allowlist entries are domains let through, not blocks. */
  role?: 'source' | 'allowlist';
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const where = (x: { source: string; line?: number; at?: string }) => (x.line ? `${x.source}:${x.line}` : x.at ? `${x.source} ${x.at}` : x.source);

/** The status column in plain words ("fresh" is our jargon: the list was read just now). */
const STATUS_WORDS: Record<SourceStatus, string> = { fresh: 'ok', stale: 'old copy', shrunk: 'shrunk', failed: 'failed' };

/** A source's error without its own name in front (the row already names it). */
export function errorWithoutName(name: string, error: string): string {
  if (error.startsWith(`${name}: `)) return error.slice(name.length + 2);
  if (error.startsWith(`${name} (`)) {
    const close = error.indexOf('): ', name.length + 2);
    if (close > 0) {
      const what = error.slice(name.length + 2, close);
      const rest = error.slice(close + 3);
      return rest.includes(what) ? rest : `${what}: ${rest}`;
    }
  }
  return error;
}

/**
 * One row per source: its status and counts, then its rejected rows and notices. A failure or a
 * warning (stale or shrunk copy) is an event, said once in its own line on stderr when it happens
 * (buildMerge or the job); the row only shows the status.
 */
export function formatSourceReport(sources: SourceLine[], limit = 10, opts: { details?: boolean } = {}): string {
  const width = Math.min(32, Math.max(6, ...sources.map((s) => s.name.length)));
  const out: string[] = [];
  for (const s of sources) {
    const counts =
      s.status === 'failed'
        ? 'no usable copy'
        : `${plural(s.blocks, s.role === 'allowlist' ? 'domain' : 'block')} from ${plural(s.rows, 'row')}, ${s.rejects.length} rejected, ${plural(s.notices.length, 'notice')}`;
    out.push(`  ${s.name.padEnd(width)}  ${STATUS_WORDS[s.status].padEnd(8)}  ${counts}`);
    if (opts.details) for (const d of s.details ?? []) out.push(`      ${d}`);
    for (const r of s.rejects.slice(0, limit)) out.push(`      rejected ${where(r)}: ${r.reason}${r.value !== undefined ? ` (${JSON.stringify(r.value)})` : ''}`);
    if (s.rejects.length > limit) out.push(`      …and ${s.rejects.length - limit} more rejected rows (run \`fediblock check\` to see all)`);
    for (const n of s.notices.slice(0, limit)) out.push(`      notice ${where(n)}: ${n.message}`);
    if (s.notices.length > limit) out.push(`      …and ${s.notices.length - limit} more notices`);
  }
  return out.join('\n') + (out.length ? '\n' : '');
}

export function formatMergeCounts(result: MergeResult & { list?: { size: number; severityCounts(): Record<Severity, number> } }): string {
  // From the compact list when there is one: a large merge never needs its blocks as objects.
  const by = result.list ? result.list.severityCounts() : { suspend: 0, silence: 0, noop: 0 };
  if (!result.list) for (const b of result.blocks) by[b.severity]++;
  const size = result.list ? result.list.size : result.blocks.length;
  const dropped = new Map<string, number>();
  for (const d of result.dropped) dropped.set(d.reason, (dropped.get(d.reason) ?? 0) + 1);
  const dropText = [...dropped].map(([r, n]) => `${n} ${r}`).join(', ');
  return `merged ${plural(result.sourceCount, 'source')} into ${plural(size, 'domain')} (${by.suspend} suspend, ${by.silence} silence, ${by.noop} noop)${dropText ? `; left out ${dropText}` : ''}`;
}
