// Issue 9's invariants, worded as the issue words them, checked against the emulator's own record
// of what happened (its request log and ordered effects), never against what fediblock reports.
import type { StoredBlock } from '../../src/model.js';
import type { EmulatorEffect } from '../emulator/mastodon-emulator.js';
import { MARKER, type Row, type Severity } from './sync-world.js';

const RANK: Record<Severity, number> = { noop: 0, silence: 1, suspend: 2 };
export const owned = (b: { private_comment?: string | null } | null | undefined): boolean => !!b && (b.private_comment ?? '').includes(MARKER);

/** Severity down, or a reject flag dropped. */
export function lowers(before: StoredBlock, after: StoredBlock | null): boolean {
  if (after === null) return true;
  const d = RANK[after.severity] - RANK[before.severity];
  if (d !== 0) return d < 0;
  return (before.reject_media && !after.reject_media) || (before.reject_reports && !after.reject_reports);
}

/** Mastodon's rule_for: the block of the domain or its most specific parent. */
export function ruleFor(blocks: Map<string, StoredBlock>, domain: string): StoredBlock | undefined {
  const labels = domain.split('.');
  for (let i = 0; i < labels.length; i++) {
    const b = blocks.get(labels.slice(i).join('.'));
    if (b) return b;
  }
  return undefined;
}

/** Whether `rule` enforces `target` (its severity, and its reject flags unless suspended). */
export function enforces(rule: Pick<Row, 'severity' | 'reject_media' | 'reject_reports'> | undefined, target: Row): boolean {
  if (!rule || RANK[rule.severity] < RANK[target.severity]) return false;
  if (rule.severity === 'suspend') return true;
  return (rule.reject_media || !target.reject_media) && (rule.reject_reports || !target.reject_reports);
}

export const byDomain = (blocks: StoredBlock[]) => new Map(blocks.map((b) => [b.domain, b]));

/** I1: fediblock never writes a block without the marker, except adopting it (adopt = true), which never lowers it. */
export function checkI1(effects: EmulatorEffect[], adopt: boolean, what: string, leftByFediblock: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  for (const e of effects) {
    if (e.before === null || owned(e.before)) continue;
    // A restore may write a block without the marker when fediblock's own last write left it so
    // (an earlier restore handed an adopted block back): undoing that write is I7, not a hand edit.
    if (leftByFediblock.has(e.domain)) continue;
    const adoption = adopt && e.after !== null && owned(e.after) && !lowers(e.before, e.after);
    if (!adoption) out.push(`I1 (${what}): wrote hand-made ${e.domain}: ${describe(e.before)} → ${e.after ? describe(e.after) : 'deleted'}${adopt ? '' : ' (adopt = false)'}`);
  }
  return out;
}

/** I3: while a source is failed, stale or shrunk, no owned block is deleted or lowered. */
export function checkI3(effects: EmulatorEffect[]): string[] {
  return effects
    .filter((e) => e.before !== null && owned(e.before) && lowers(e.before, e.after))
    .map((e) => `I3: owned ${e.domain} ${e.after ? `lowered ${describe(e.before!)} → ${describe(e.after)}` : 'deleted'} while a source was failed, stale or shrunk`);
}

/** What two rules both do (a suspension does everything, its flags included). */
function shared(a: StoredBlock, b: StoredBlock, domain: string): Row {
  if (a.severity === 'suspend') return { domain, severity: b.severity, reject_media: b.reject_media, reject_reports: b.reject_reports };
  if (b.severity === 'suspend') return { domain, severity: a.severity, reject_media: a.reject_media, reject_reports: a.reject_reports };
  return { domain, severity: RANK[a.severity] <= RANK[b.severity] ? a.severity : b.severity, reject_media: a.reject_media && b.reject_media, reject_reports: a.reject_reports && b.reject_reports };
}

/**
 * I5: no domain blocked before and after the run is unblocked at any moment during it — nor left,
 * at any moment, doing less than what its rules before and after both do (a parent deleted or
 * lowered while its subdomain gets a block of its own).
 */
export function checkI5(before: StoredBlock[], effects: EmulatorEffect[], after: StoredBlock[], stale: ReadonlySet<number> = new Set()): string[] {
  const start = byDomain(before);
  // The end the run's requests make in the order they arrived: a copy of a retried request that
  // the server applied late, after a later write to the same block, is not what the run meant.
  const end = stale.size === 0 ? byDomain(after) : replay(before, effects.filter((e) => !stale.has(e.seq)));
  const domains = new Set([...start.keys(), ...end.keys(), ...effects.map((e) => e.domain)]);
  const watched = [...domains].filter((d) => ruleFor(start, d) && ruleFor(end, d));
  const state = new Map(start);
  const out: string[] = [];
  for (const e of [...effects].sort((a, b) => a.seq - b.seq)) {
    if (e.after) state.set(e.domain, e.after);
    else state.delete(e.domain);
    for (const d of watched) {
      const now = ruleFor(state, d);
      const floor = shared(ruleFor(start, d)!, ruleFor(end, d)!, d);
      if (!now) out.push(`I5: ${d} was unblocked during the run (after ${e.after ? 'writing' : 'deleting'} ${e.domain}, change ${e.seq})`);
      else if (!enforces(now, floor)) out.push(`I5: ${d} was left under ${describe(now)} during the run, less than ${describe(ruleFor(start, d)!)} before and ${describe(ruleFor(end, d)!)} after both do (after ${e.after ? 'writing' : 'deleting'} ${e.domain}, change ${e.seq})`);
    }
  }
  return [...new Set(out)];
}

function replay(before: StoredBlock[], effects: EmulatorEffect[]): Map<string, StoredBlock> {
  const state = byDomain(before);
  for (const e of [...effects].sort((a, b) => a.seq - b.seq)) {
    if (e.after) state.set(e.domain, e.after);
    else state.delete(e.domain);
  }
  return state;
}

/** Effects applied after the effect of a request to the same block that arrived later (a retried request's late first copy). */
export function staleEffects(requests: Array<{ at: number; effect?: EmulatorEffect }>): Set<number> {
  const stale = new Set<number>();
  const writes = requests.filter((q) => q.effect !== undefined);
  for (const q of writes) {
    if (writes.some((q2) => q2 !== q && q2.effect!.domain === q.effect!.domain && q2.at > q.at && q2.effect!.seq < q.effect!.seq)) stale.add(q.effect!.seq);
  }
  return stale;
}

/** I2: every merged domain is enforced at its target, or the plan names why not. */
export function checkI2(merged: Row[], after: StoredBlock[], plan: { entries: Array<{ domain: string; action: string; reason?: string; cap?: unknown }> } | undefined): string[] {
  const state = byDomain(after);
  const out: string[] = [];
  for (const m of merged) {
    if (enforces(ruleFor(state, m.domain), m)) continue;
    const entry = plan?.entries.find((e) => e.domain === m.domain);
    const named = entry && (entry.cap !== undefined || (entry.reason !== undefined && entry.reason !== '' && !/^covered by parent/.test(entry.reason)));
    if (!named) {
      const r = ruleFor(state, m.domain);
      out.push(`I2: ${m.domain} should be ${describe(m)}, is ${r ? `${describe(r)} via ${r.domain}` : 'not blocked'}; plan: ${entry ? `${entry.action}${entry.reason ? ` (${entry.reason})` : ''}` : 'no entry'}`);
    }
  }
  return out;
}

/**
 * I7: the restore put every block fediblock wrote since the snapshot back as it was before
 * fediblock's first write to it since then, and wrote nothing else. That is the snapshot's state
 * unless the admin edited the block between the snapshot and that first write: restore undoes
 * fediblock's writes, so the admin's edit comes back, not the older snapshot (README, "Restore:
 * exactly what it undoes"; fuzz seed 1202).
 */
export function checkI7(since: EmulatorEffect[], fediblockSeqs: Set<number>, restoreEffects: EmulatorEffect[], after: StoredBlock[]): string[] {
  const out: string[] = [];
  const wrote = new Map<string, number>(); // domain → seq of fediblock's last write since the snapshot
  const firstBefore = new Map<string, StoredBlock | null>(); // domain → the block before fediblock's first write since
  for (const e of since) {
    if (!fediblockSeqs.has(e.seq)) continue;
    wrote.set(e.domain, e.seq);
    if (!firstBefore.has(e.domain)) firstBefore.set(e.domain, e.before);
  }
  const adminAfter = new Set(since.filter((e) => !fediblockSeqs.has(e.seq) && e.seq > (wrote.get(e.domain) ?? Infinity)).map((e) => e.domain));
  for (const e of restoreEffects) if (!wrote.has(e.domain)) out.push(`I7: restore wrote ${e.domain}, which fediblock had not written since the snapshot`);
  const now = byDomain(after);
  for (const d of wrote.keys()) {
    if (adminAfter.has(d)) continue; // the admin changed it since: whatever restore does there is a judgement call
    const want = firstBefore.get(d) ?? undefined;
    const got = now.get(d);
    if (!same(want, got)) out.push(`I7: ${d} is ${got ? describe(got) : 'absent'} after restore, was ${want ? describe(want) : 'absent'} before fediblock's first write since the snapshot`);
  }
  return out;
}

function same(a: StoredBlock | undefined, b: StoredBlock | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.severity === b.severity &&
    a.reject_media === b.reject_media &&
    a.reject_reports === b.reject_reports &&
    a.obfuscate === b.obfuscate &&
    (a.public_comment ?? '') === (b.public_comment ?? '') &&
    (a.private_comment ?? '') === (b.private_comment ?? '')
  );
}

export function describe(b: Pick<Row, 'severity' | 'reject_media' | 'reject_reports'> & { private_comment?: string | null }): string {
  const flags = [b.reject_media && 'reject_media', b.reject_reports && 'reject_reports'].filter(Boolean).join('+');
  return `${b.severity}${flags ? `+${flags}` : ''}${b.private_comment !== undefined ? (owned(b) ? ' [owned]' : ' [hand-made]') : ''}`;
}
