// Fediseer's `censures_given` / `hesitations_given` answers (formats.md 4.12), in their three shapes:
//   {"instances": [{"domain", "censure_reasons" | "hesitation_reasons", …}], "total"}
//   {"domains": ["bad.example", …], "total"}            (domains=true)
//   {"csv": "bad.example,worse.example", "total"}        (csv=true)
// Every entry gets the source's severity: the config resolves it (censures → `severity`, default
// suspend; hesitations → silence), since the domains and csv shapes do not say which list they are.
// Reasons become the public comment: each reason may itself be "spam, harassment", so they are
// split on commas, trimmed, de-duplicated (case-insensitively, first spelling kept) and joined
// with ", ".
import { emptyBlock, type DomainBlock, type Notice, type Reject, type Severity } from '../../model.js';
import { FediblockError } from '../../errors.js';
import { shorten } from './fields.js';
import { childOffsets, firstNonSpace, memberValueOffset, readString } from './json-lines.js';
import { lineIndex } from './line-index.js';
import { describeJsonType, readJson } from './read-json.js';
import type { AdapterOptions, AdapterResult } from './types.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

type Shape = 'instances' | 'domains' | 'csv';

export function parseFediseer(text: string, source: string, opts: AdapterOptions = {}): AdapterResult {
  const data = readJson(text, source);
  const shape: Shape | undefined = !isObject(data) ? undefined : Array.isArray(data.instances) ? 'instances' : Array.isArray(data.domains) ? 'domains' : typeof data.csv === 'string' ? 'csv' : undefined;
  if (!isObject(data) || shape === undefined) {
    const got = isObject(data) ? `an object with keys ${Object.keys(data).slice(0, 5).map((k) => JSON.stringify(k)).join(', ') || '(none)'}` : describeJsonType(data);
    throw new FediblockError(`${source}: expected a Fediseer answer ({"instances": […]}, {"domains": […]} or {"csv": "…"}), got ${got}`, {
      hint: 'The url should be …/api/v1/censures_given/<domains> or …/api/v1/hesitations_given/<domains>.',
    });
  }
  const severity: Severity = opts.severity ?? 'suspend';
  const blocks: DomainBlock[] = [];
  const entryOf: number[] = [];
  const bad: { entry: number; reason: string; value?: string }[] = [];
  const odd: { entry: number; message: string }[] = [];

  const entries: unknown[] = shape === 'csv' ? (data.csv as string).split(',') : (data[shape] as unknown[]);
  let rows = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (shape === 'csv') {
      const d = (e as string).trim();
      if (d === '') continue;
      rows++;
      blocks.push(emptyBlock(d, severity));
      entryOf.push(i);
      continue;
    }
    rows++;
    const domain = shape === 'domains' ? e : isObject(e) ? e.domain : undefined;
    if (typeof domain !== 'string') {
      const reason = shape === 'domains' ? `expected a domain name, got ${describeJsonType(e)}` : isObject(e) ? 'domain: missing or not a string' : `expected an instance object, got ${describeJsonType(e)}`;
      bad.push({ entry: i, reason });
      continue;
    }
    const b = emptyBlock(domain, severity);
    if (isObject(e)) {
      const reasons = readReasons(e.censure_reasons ?? e.hesitation_reasons);
      if (reasons === undefined) odd.push({ entry: i, message: `${shorten(domain)}: reasons are not a list of strings; left out of the comment` });
      else b.public_comment = reasons;
    }
    blocks.push(b);
    entryOf.push(i);
  }

  let starts: number[] | undefined;
  const entryLine = (i: number): number => {
    starts ??= entryLines(text, shape, entries.length);
    return starts[i] ?? 0;
  };
  const rejects: Reject[] = bad.map((b) => ({ source, line: entryLine(b.entry), reason: b.reason, ...(b.value === undefined ? {} : { value: b.value }) }));
  const notices: Notice[] = odd.map((n) => ({ source, line: entryLine(n.entry), message: n.message }));
  return { blocks, rejects, notices, rows, lineOf: (i) => entryLine(entryOf[i] ?? -1) };
}

/** "spam, harassment" + "Spam" + "fraud" → "spam, harassment, fraud"; undefined when not strings. */
export function readReasons(value: unknown): string | undefined {
  if (value === undefined || value === null) return '';
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((r) => typeof r === 'string' || r === null)) return undefined;
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of list as (string | null)[]) {
    for (const part of (r ?? '').split(',')) {
      const reason = part.trim();
      const key = reason.toLowerCase();
      if (reason === '' || seen.has(key)) continue;
      seen.add(key);
      out.push(reason);
    }
  }
  return out.join(', ');
}

/** Line of each entry: array elements, or every csv entry on the csv member's line. */
function entryLines(text: string, shape: Shape, count: number): number[] {
  const lineAt = lineIndex(text);
  for (const keyAt of childOffsets(text, firstNonSpace(text))) {
    if (readString(text, keyAt).value !== shape) continue;
    const valueAt = memberValueOffset(text, keyAt);
    if (shape === 'csv') return new Array<number>(count).fill(lineAt(valueAt));
    return childOffsets(text, valueAt).map(lineAt);
  }
  return [];
}
