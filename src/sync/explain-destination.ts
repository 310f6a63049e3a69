// `explain DOMAIN -d DESTINATION`, the destination half: after the sources' votes, what the
// planner decided for that domain on that instance and why, and what fediblock wrote there before
// (from the journal). Pure: the job plans and reads the journal, this only reads the results.
import type { BlockFields, FollowCap, Plan, PlanEntry, StoredBlock } from '../model.js';

export interface HistoryLine {
  time: string;
  run: string;
  command: string;
  action: string;
  before: BlockFields | null;
  after: BlockFields | null;
  sources: string[];
  rule: string | null;
  reason: string | null;
}

export interface DestinationExplanation {
  destination: string;
  domain: string;
  /** The plan's entry for the domain; undefined when the planner had nothing to say about it. */
  decision?: PlanEntry;
  /** The block the instance holds now, and whose it is. */
  current?: { block: StoredBlock; owner: 'fediblock' | 'hand-made' };
  /** For a child left to its parent: the parent, its block and whose it is. */
  covering?: { domain: string; owner: 'fediblock' | 'hand-made' | 'planned'; severity?: string };
  /** Why deletions are held on this run (stale or shrunk sources). */
  holds: string[];
  history: HistoryLine[];
}

export function explainDestination(
  domain: string,
  plan: Plan,
  current: StoredBlock[],
  marker: string,
  history: HistoryLine[],
): DestinationExplanation {
  const owner = (b: StoredBlock) => (b.private_comment.includes(marker) ? ('fediblock' as const) : ('hand-made' as const));
  const decision = plan.entries.find((e) => e.domain === domain);
  const now = current.find((b) => b.domain === domain);
  const out: DestinationExplanation = { destination: plan.destination, domain, holds: plan.holds, history: history.filter((h) => h.action !== 'run_end') };
  if (decision) out.decision = decision;
  if (now) out.current = { block: now, owner: owner(now) };
  const parent = decision?.reason ? /covered by parent (\S+)/.exec(decision.reason)?.[1] : undefined;
  if (parent) {
    const held = current.find((b) => b.domain === parent);
    const planned = plan.entries.find((e) => e.domain === parent && (e.action === 'create' || e.action === 'update'));
    out.covering = held
      ? { domain: parent, owner: owner(held), severity: planned?.desired?.severity ?? held.severity }
      : { domain: parent, owner: 'planned', ...(planned?.desired ? { severity: planned.desired.severity } : {}) };
  }
  return out;
}

const fields = (b: Pick<BlockFields, 'severity' | 'reject_media' | 'reject_reports'> | null | undefined): string => {
  if (!b) return 'no block';
  const parts: string[] = [b.severity];
  if (b.reject_media) parts.push('reject_media');
  if (b.reject_reports) parts.push('reject_reports');
  return parts.join(', ');
};

function capLine(cap: FollowCap): string {
  if (cap.error) return `capped by follows: ${cap.from} → ${cap.to}, because the follow check failed (${cap.error})`;
  const counts: string[] = [];
  if (cap.follows !== undefined) counts.push(`${cap.follows} local account${cap.follows === 1 ? '' : 's'} follow${cap.follows === 1 ? 's' : ''} accounts there`);
  if (cap.followers !== undefined) counts.push(`${cap.followers} account${cap.followers === 1 ? '' : 's'} there follow${cap.followers === 1 ? 's' : ''} local accounts`);
  return `capped by follows: ${cap.from} → ${cap.to}${counts.length ? ` (${counts.join(', ')})` : ''}`;
}

function decisionLine(e: PlanEntry): string {
  const why = [e.sources?.length ? `sources: ${e.sources.join(', ')}` : '', e.rule ?? ''].filter(Boolean).join('; ');
  const tail = why ? ` — ${why}` : '';
  switch (e.action) {
    case 'create':
      return `will be created: ${fields(e.desired)}${tail}`;
    case 'update': {
      const changed = Object.entries(e.changes ?? {}).map(([k, c]) => `${k} ${String(c?.from)} → ${String(c?.to)}`);
      return `will be updated: ${changed.length ? changed.join(', ') : fields(e.desired)}${tail}`;
    }
    case 'delete':
      return `will be deleted: ${e.reason ?? 'no longer in the merged list'}`;
    case 'unchanged':
      return `left as it is: the instance already holds what the list wants${e.reason ? ` (${e.reason})` : ''}`;
    case 'skip':
      return `left alone: ${e.reason ?? 'skipped'}`;
  }
}

export function formatDestinationExplanation(x: DestinationExplanation): string {
  const lines = [`On ${x.destination}:`];
  lines.push(`  now: ${x.current ? `${fields(x.current.block)} (${x.current.owner === 'fediblock' ? "fediblock's block" : 'hand-made block'})` : 'not blocked'}`);
  if (!x.decision) lines.push('  nothing to do: the merged list does not name it and the instance does not block it');
  else {
    lines.push(`  ${decisionLine(x.decision)}`);
    if (x.decision.cap) lines.push(`  ${capLine(x.decision.cap)}`);
    if (x.covering) {
      const whose = x.covering.owner === 'planned' ? 'created in this same run' : x.covering.owner === 'fediblock' ? "fediblock's block" : 'a hand-made block';
      lines.push(`  covered by ${x.covering.domain}${x.covering.severity ? ` (${x.covering.severity})` : ''}: ${whose}; Mastodon applies it to ${x.domain}`);
    }
    if (x.decision.action === 'skip' && /deletion held/.test(x.decision.reason ?? '')) lines.push('  held: a source is stale or shrank, so nothing is deleted this run');
  }
  lines.push(`History on ${x.destination}:`);
  if (!x.history.length) lines.push('  fediblock has not written this domain there');
  for (const h of x.history) {
    const change = h.action === 'create' ? fields(h.after) : h.action === 'delete' ? `${fields(h.before)} removed` : `${fields(h.before)} → ${fields(h.after)}`;
    const why = [h.sources.length ? h.sources.join(', ') : '', h.rule ?? '', h.reason ?? ''].filter(Boolean).join('; ');
    lines.push(`  ${h.time.slice(0, 16).replace('T', ' ')} UTC  ${h.command} ${h.action}: ${change}${why ? ` (${why})` : ''}  [run ${h.run}]`);
  }
  return lines.join('\n');
}
