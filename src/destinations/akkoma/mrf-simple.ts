// Akkoma/Pleroma keep domain blocks in the `:pleroma, :mrf_simple` setting (issue 12,
// decisions.md "Other destinations"). This module maps that setting to blocks and back. Pure.
//
// - suspend → :reject; silence → :federated_timeline_removal and :followers_only;
//   reject_media → :media_removal; reject_reports → :report_removal. Other subkeys (accept,
//   avatar_removal, …) are never touched.
// - Entries are {"tuple": [domain, reason]} pairs; a plain string (older configs) reads as a
//   domain without a reason and is sent back as it was.
// - The marker lives in the reason ("spam [fediblock]"). A reason never starts with ":" (it would
//   become an atom): a comment that does gets the marker in front instead ("[fediblock] :x"),
//   which reads back to the same comment.
// - A domain is fediblock's when any of its mapped entries carries the marker; its mapped entries
//   are then rewritten together. A changed subkey is sent whole, hand-made entries included.
import type { BlockFields, Severity, StoredBlock } from '../../model.js';
import { normalizeDomain } from '../../sources/normalize-domain.js';
import { withoutMarker } from '../../sync/ownership.js';

export const MAPPED = [':reject', ':federated_timeline_removal', ':followers_only', ':media_removal', ':report_removal'] as const;
export type MappedKey = (typeof MAPPED)[number];

export interface Tuple {
  tuple: [unknown, unknown];
}

const isTuple = (v: unknown): v is Tuple => typeof v === 'object' && v !== null && Array.isArray((v as Tuple).tuple) && (v as Tuple).tuple.length === 2;

/** The `value` of the :mrf_simple config (a list of {"tuple": [":subkey", entries]}), or [] when unset. */
export function mrfSimpleValue(configs: unknown): unknown[] {
  const list = (configs as { configs?: unknown })?.configs;
  if (!Array.isArray(list)) return [];
  const c = list.find((x) => (x as { group?: unknown })?.group === ':pleroma' && (x as { key?: unknown })?.key === ':mrf_simple') as { value?: unknown } | undefined;
  return Array.isArray(c?.value) ? c.value : [];
}

/** Whether `:pleroma, :mrf` lists SimplePolicy among its policies (undefined when the setting is not shown). */
export function simplePolicyEnabled(configs: unknown): boolean | undefined {
  const list = (configs as { configs?: unknown })?.configs;
  if (!Array.isArray(list)) return undefined;
  const c = list.find((x) => (x as { group?: unknown })?.group === ':pleroma' && (x as { key?: unknown })?.key === ':mrf') as { value?: unknown } | undefined;
  if (!Array.isArray(c?.value)) return undefined;
  const p = c.value.find((t) => isTuple(t) && t.tuple[0] === ':policies');
  if (!p || !isTuple(p)) return undefined;
  const v = p.tuple[1];
  const names = Array.isArray(v) ? v : [v];
  return names.some((n) => typeof n === 'string' && /(^|\.)SimplePolicy$/.test(n));
}

/** Entries of one subkey, as read. */
export function entriesOf(value: unknown[], key: string): unknown[] {
  const t = value.find((x) => isTuple(x) && x.tuple[0] === key);
  return t && isTuple(t) && Array.isArray(t.tuple[1]) ? t.tuple[1] : [];
}

/** The domain and reason of an entry (a tuple pair or a bare string). */
export function readEntry(e: unknown): { domain: string; reason: string } | undefined {
  if (typeof e === 'string') return { domain: e, reason: '' };
  if (isTuple(e) && typeof e.tuple[0] === 'string') return { domain: e.tuple[0], reason: typeof e.tuple[1] === 'string' ? e.tuple[1] : '' };
  return undefined;
}

/** How entries are matched to the merged list's ASCII domains; wildcard patterns stay as written. */
export function domainKey(raw: string): string {
  const d = raw.trim().toLowerCase();
  if (d.includes('*')) return d;
  const n = normalizeDomain(d);
  return n.ok ? n.domain : d;
}

export function reasonFor(f: Pick<BlockFields, 'public_comment' | 'private_comment'>, marker: string): string {
  const pc = (f.public_comment ?? '').trim();
  if (marker === '' || !(f.private_comment ?? '').includes(marker)) return pc.startsWith(':') ? pc.replace(/^:+\s*/, '') : pc;
  if (pc === '') return marker;
  return pc.startsWith(':') ? `${marker} ${pc}` : `${pc} ${marker}`;
}

/** The blocks the setting holds, one per domain (the id is the domain as matched). */
export function blocksFromSetting(value: unknown[], marker: string): StoredBlock[] {
  const seen = new Map<string, { keys: Set<MappedKey>; reasons: string[] }>();
  for (const key of MAPPED) {
    for (const e of entriesOf(value, key)) {
      const r = readEntry(e);
      if (!r) continue;
      const k = domainKey(r.domain);
      const s = seen.get(k) ?? { keys: new Set<MappedKey>(), reasons: [] };
      s.keys.add(key);
      s.reasons.push(r.reason);
      seen.set(k, s);
    }
  }
  const out: StoredBlock[] = [];
  for (const [domain, s] of seen) {
    const marked = marker !== '' ? s.reasons.find((r) => r.includes(marker)) : undefined;
    const reason = marked ?? s.reasons.find((r) => r !== '') ?? '';
    const severity: Severity = s.keys.has(':reject') ? 'suspend' : s.keys.has(':federated_timeline_removal') && s.keys.has(':followers_only') ? 'silence' : 'noop';
    out.push({
      id: domain,
      domain,
      severity,
      reject_media: s.keys.has(':media_removal'),
      reject_reports: s.keys.has(':report_removal'),
      obfuscate: false,
      public_comment: marked !== undefined ? withoutMarker(reason, marker) : reason,
      private_comment: marked !== undefined ? marker : '',
    });
  }
  return out.sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
}

/** The subkeys a block belongs in. */
export function keysFor(f: BlockFields): Set<MappedKey> {
  const keys = new Set<MappedKey>();
  if (f.severity === 'suspend') keys.add(':reject');
  if (f.severity === 'silence') {
    keys.add(':federated_timeline_removal');
    keys.add(':followers_only');
  }
  if (f.reject_media) keys.add(':media_removal');
  if (f.reject_reports) keys.add(':report_removal');
  return keys;
}

/**
 * The subkeys to send after applying `changes` (domain → new fields, or null to remove), each
 * with all its entries: untouched entries as read, in their order; changed ones in place; new
 * ones at the end. Subkeys that come out equal to what was read are left out.
 */
export function changedSubkeys(value: unknown[], changes: Map<string, BlockFields | null>, marker: string): Array<{ tuple: [MappedKey, unknown[]] }> {
  const out: Array<{ tuple: [MappedKey, unknown[]] }> = [];
  for (const key of MAPPED) {
    const before = entriesOf(value, key);
    const after: unknown[] = [];
    const placed = new Set<string>();
    for (const e of before) {
      const r = readEntry(e);
      const k = r ? domainKey(r.domain) : undefined;
      if (r === undefined || k === undefined || !changes.has(k)) {
        after.push(e);
        continue;
      }
      const f = changes.get(k) ?? null;
      if (f === null || !keysFor(f).has(key) || placed.has(k)) continue;
      after.push({ tuple: [r.domain, reasonFor(f, marker)] });
      placed.add(k);
    }
    for (const [k, f] of changes) {
      if (f !== null && !placed.has(k) && keysFor(f).has(key)) after.push({ tuple: [k, reasonFor(f, marker)] });
    }
    if (JSON.stringify(after) !== JSON.stringify(before)) out.push({ tuple: [key, after] });
  }
  return out;
}
