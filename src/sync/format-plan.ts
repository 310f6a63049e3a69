// Human renderings of a plan: a text table for `diff`/`sync` and a GitHub-flavoured markdown
// section for CI job summaries. Pure string builders; text from lists and servers (comments,
// error messages) is stripped of control characters so it cannot drive the terminal.
import type { BlockFields, FieldChange, Plan, PlanEntry, StoredBlock } from '../model.js';
import { summarizePlan, summaryLine, type CappedSummary, type PlanSummary } from './summarize-plan.js';

export interface FormatOptions {
  color: boolean;
  /** The store's blocks, to count hand-made blocks the plan leaves alone. */
  current?: StoredBlock[];
}

/** Skip groups list at most this many domains, then "…and N more". */
export const SKIP_DOMAINS_SHOWN = 5;
const MAX_VALUE = 60;
const MAX_DOMAIN_COL = 40;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const clean = (s: string): string => s.replace(CONTROL, ' ');

function shorten(s: string, max = MAX_VALUE): string {
  const t = clean(s);
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}

const quote = (v: unknown): string => (typeof v === 'string' ? `"${shorten(v).replace(/"/g, '\\"')}"` : String(v));

const CHANGE_ORDER: (keyof BlockFields)[] = ['severity', 'reject_media', 'reject_reports', 'obfuscate', 'public_comment', 'private_comment'];

function describeChanges(changes: PlanEntry['changes']): string {
  if (changes === undefined) return '';
  const parts: string[] = [];
  for (const k of CHANGE_ORDER) {
    const c: FieldChange | undefined = changes[k];
    if (c === undefined) continue;
    parts.push(k === 'severity' ? `severity ${String(c.from)} → ${String(c.to)}` : `${k} ${quote(c.from)} → ${quote(c.to)}`);
  }
  return parts.join(', ');
}

function flagTags(f: BlockFields | undefined): string[] {
  if (f === undefined) return [];
  const tags: string[] = [];
  if (f.reject_media) tags.push('media');
  if (f.reject_reports) tags.push('reports');
  if (f.obfuscate) tags.push('obfuscated');
  return tags;
}

const plural = (n: number, one: string): string => `${n} ${n === 1 ? one : `${one}s`}`;

function capNote(c: CappedSummary): string {
  if (c.error !== undefined) return c.error === 'not checked' ? 'follows not checked' : `follow check failed: ${shorten(c.error)}`;
  return `${plural(c.follows ?? 0, 'follow')}, ${plural(c.followers ?? 0, 'follower')}`;
}

function moreSuffix(domains: string[]): string {
  const shown = domains.slice(0, SKIP_DOMAINS_SHOWN).join(', ');
  const rest = domains.length - SKIP_DOMAINS_SHOWN;
  return rest > 0 ? `${shown} …and ${rest} more` : shown;
}

const ANSI = { green: '32', yellow: '33', red: '31', cyan: '36', dim: '2', bold: '1' } as const;
type Paint = (code: keyof typeof ANSI, s: string) => string;

const changed = (e: PlanEntry): boolean => e.action === 'create' || e.action === 'update' || e.action === 'delete';

export function formatPlanTable(plan: Plan, opts: FormatOptions): string {
  const paint: Paint = opts.color ? (code, s) => `\u001b[${ANSI[code]}m${s}\u001b[0m` : (_c, s) => s;
  const s: PlanSummary = summarizePlan(plan, opts.current);
  const lines: string[] = [paint('bold', `Plan for ${clean(plan.destination)}`)];
  const listed = plan.entries.filter(changed);
  const width = Math.min(MAX_DOMAIN_COL, Math.max(0, ...listed.map((e) => e.domain.length)));
  const pad = (d: string): string => (d.length >= width ? d : d + ' '.repeat(width - d.length));

  for (const e of listed) {
    const domain = pad(clean(e.domain));
    if (e.action === 'create') {
      const tags = flagTags(e.desired).map((t) => `[${t}]`);
      const cap = e.cap ? `(capped from ${e.cap.from})` : '';
      lines.push(paint('green', ['+ create ', domain, e.desired?.severity ?? '', ...tags, cap].filter((x) => x !== '').join('  ')));
    } else if (e.action === 'update') {
      const cap = e.cap ? `(capped from ${e.cap.from})` : '';
      lines.push(paint('yellow', ['~ update ', domain, describeChanges(e.changes), cap].filter((x) => x !== '').join('  ')));
    } else {
      lines.push(paint('red', `- delete   ${domain}  (${shorten(e.reason ?? 'no longer in the merged list', 120)})`));
    }
  }

  if (s.capped.length > 0) {
    lines.push('', paint('cyan', `Capped by follow checks (${s.capped.length}):`));
    const w = Math.min(MAX_DOMAIN_COL, Math.max(...s.capped.map((c) => c.domain.length)));
    for (const c of s.capped) {
      lines.push(`  ${clean(c.domain).padEnd(w)}  ${c.from} → ${c.to}  ${capNote(c)}`);
    }
  }

  if (s.skips.length > 0) {
    lines.push('', paint('dim', `Skipped (${s.counts.skip}):`));
    for (const g of s.skips) lines.push(paint('dim', `  ${shorten(g.reason, 200)} (${g.count}): ${moreSuffix(g.domains.map(clean))}`));
  }

  if (plan.notes?.length) {
    lines.push('', paint('dim', 'Not expressible on this destination:'));
    for (const n of plan.notes) lines.push(paint('dim', `  ${shorten(n, 240)}`));
  }
  if (s.holds.length > 0) lines.push('', paint('red', `Deletions held: ${s.holds.map((h) => shorten(h, 200)).join('; ')}`));
  lines.push('', paint('bold', summaryLine(s)));
  return `${lines.join('\n')}\n`;
}

// ---- markdown ----

/** Escape text for a GFM table cell: pipes, markup characters, line breaks. */
export function escapeMarkdown(s: string): string {
  return clean(s.replace(/\r?\n/g, ' ')).replace(/[\\|*_`[\]<>#~]/g, (c) => `\\${c}`);
}

const code = (d: string): string => `\`${d.replace(/[`|]/g, '')}\``;

export function formatPlanMarkdown(plan: Plan, opts: { current?: StoredBlock[] } = {}): string {
  const s = summarizePlan(plan, opts.current);
  const out: string[] = [`### fediblock plan for ${escapeMarkdown(plan.destination)}`, '', `**${summaryLine(s)}**`, ''];

  const listed = plan.entries.filter(changed);
  if (listed.length > 0) {
    out.push('| Action | Domain | Severity | Details |', '| --- | --- | --- | --- |');
    for (const e of listed) {
      let action: string;
      let severity: string;
      let details: string;
      if (e.action === 'create') {
        action = '➕ create';
        severity = e.cap ? `${e.desired?.severity ?? ''} (capped from ${e.cap.from})` : e.desired?.severity ?? '';
        details = flagTags(e.desired).join(', ');
      } else if (e.action === 'update') {
        action = '✏️ update';
        const sc = e.changes?.severity;
        severity = sc ? `${String(sc.from)} → ${String(sc.to)}` : e.current?.severity ?? '';
        if (e.cap) severity += ` (capped from ${e.cap.from})`;
        const { severity: _s, ...rest } = e.changes ?? {};
        details = describeChanges(rest);
      } else {
        action = '➖ delete';
        severity = e.current?.severity ?? '';
        details = e.reason ?? '';
      }
      out.push(`| ${action} | ${code(e.domain)} | ${escapeMarkdown(severity)} | ${escapeMarkdown(details)} |`);
    }
    out.push('');
  }

  if (s.capped.length > 0) {
    out.push(`#### Capped by follow checks (${s.capped.length})`, '', '| Domain | Severity | Follows |', '| --- | --- | --- |');
    for (const c of s.capped) out.push(`| ${code(c.domain)} | ${c.from} → ${c.to} | ${escapeMarkdown(capNote(c))} |`);
    out.push('');
  }

  if (s.skips.length > 0) {
    out.push(`#### Skipped (${s.counts.skip})`, '', '| Reason | Count | Domains |', '| --- | ---: | --- |');
    for (const g of s.skips) {
      const shown = g.domains.slice(0, SKIP_DOMAINS_SHOWN).map(code).join(', ');
      const rest = g.count - SKIP_DOMAINS_SHOWN;
      out.push(`| ${escapeMarkdown(g.reason)} | ${g.count} | ${shown}${rest > 0 ? ` …and ${rest} more` : ''} |`);
    }
    out.push('');
  }

  if (plan.notes?.length) out.push('#### Not expressible on this destination', '', ...plan.notes.map((n) => `- ${escapeMarkdown(n)}`), '');
  if (s.holds.length > 0) out.push(`> **Deletions held:** ${escapeMarkdown(s.holds.join('; '))}`, '');
  return `${out.join('\n')}\n`;
}
