// The FIRES rules (decisions.md, second round), as pure functions: changes folded into the
// dataset's current state, and that state read as blocks.
//
// The state keeps the latest change per (entityKind, entityKey), whatever its type: a Retraction
// or an Advisory after a Recommendation ends the block, exactly as a fresh snapshot would show it
// (the snapshot lists the latest change per entity, Retractions included). Folding is by change id
// (UUIDv7, time-ordered), so the order pages arrive in does not matter.
import { emptyBlock, type DomainBlock, type Notice, type Reject, type Severity, type SourceEvidence } from '../../model.js';
import { normalizeDomain } from '../normalize-domain.js';
import type { FiresChange } from './read-change.js';

export type EntityMap = Map<string, FiresChange>;

const entityId = (c: FiresChange): string => `${c.entityKind ?? ''}\n${(c.entityKey ?? '').toLowerCase()}`;

/** Folds `changes` into `entities` (in place); returns the Tombstones met (they name no entity). */
export function foldChanges(entities: EntityMap, changes: FiresChange[]): FiresChange[] {
  const skipped: FiresChange[] = [];
  for (const c of changes) {
    if (c.entityKey === undefined || c.entityKind === undefined) {
      skipped.push(c);
      continue;
    }
    const id = entityId(c);
    const held = entities.get(id);
    if (held === undefined || c.uuid > held.uuid) entities.set(id, c);
  }
  return skipped;
}

/** The newest change id in `entities` (or `floor` when none is newer). */
export function newestUuid(changes: Iterable<FiresChange>, floor: string): string {
  let max = floor;
  for (const c of changes) if (c.uuid > max) max = c.uuid;
  return max;
}

const POLICY: Record<string, Severity | 'accept'> = { drop: 'suspend', reject: 'suspend', filter: 'silence', accept: 'accept' };
const FILTERS: Record<string, 'reject_media' | 'reject_reports'> = { 'reject-media': 'reject_media', 'reject-reports': 'reject_reports' };

export interface DerivedList {
  blocks: DomainBlock[];
  rejects: Reject[];
  notices: Notice[];
  /** Entities that say something now (everything but retracted ones): the reject ratio's base. */
  rows: number;
  /** The deciding change of every domain the dataset names, blocked or not. */
  evidence: Record<string, SourceEvidence>;
  counts: { domains: number; blocks: number; retracted: number; notBlocks: number; actors: number };
}

/** The last path segment (or #fragment) of a label URL: a name of last resort. */
export function labelFallbackName(url: string): string {
  try {
    const u = new URL(url);
    if (u.hash.length > 1) return decodeURIComponent(u.hash.slice(1));
    const seg = u.pathname.split('/').filter(Boolean).pop();
    return seg === undefined ? url : decodeURIComponent(seg);
  } catch {
    return url;
  }
}

/**
 * Reads the folded state as blocks, in entity-key order (deterministic). `labelName` turns a label
 * URL into the name used in the public comment.
 */
export function deriveBlocks(entities: Iterable<FiresChange>, source: string, labelName: (url: string) => string): DerivedList {
  const sorted = [...entities].sort((a, b) => ((a.entityKey ?? '') < (b.entityKey ?? '') ? -1 : (a.entityKey ?? '') > (b.entityKey ?? '') ? 1 : 0));
  const out: DerivedList = { blocks: [], rejects: [], notices: [], rows: 0, evidence: {}, counts: { domains: 0, blocks: 0, retracted: 0, notBlocks: 0, actors: 0 } };
  for (const c of sorted) {
    const at = `change ${c.uuid}`;
    const key = c.entityKey ?? '';
    if (c.type === 'Retraction') {
      out.counts.retracted++;
    } else {
      out.rows++;
    }
    if (c.entityKind !== 'domain') {
      if (c.type !== 'Retraction') {
        out.counts.actors++;
        out.notices.push({ source, at, message: `skipped ${c.entityKind ?? 'unknown'} entity ${key}: only domain entities become blocks` });
      }
      continue;
    }
    const n = normalizeDomain(key);
    if (!n.ok) {
      if (c.type !== 'Retraction') out.rejects.push({ source, line: 0, at, reason: `entityKey: ${n.reason}`, value: key.slice(0, 80) });
      continue;
    }
    const labels = c.labels.map(labelName);
    const evidence: SourceEvidence = { kind: 'fires', type: c.type, labels, change: c.id };
    if (c.policy !== undefined) evidence.policy = c.policy;
    if (c.filters.length) evidence.filters = c.filters;
    if (c.published !== undefined) evidence.published = c.published;
    out.evidence[n.domain] = evidence;
    out.counts.domains++;
    if (c.type === 'Retraction') continue;

    const notBlock = (why: string) => {
      out.counts.notBlocks++;
      out.notices.push({ source, at, message: `${n.domain}: ${why}` });
    };
    if (c.type !== 'Recommendation' && c.type !== 'Advisory') {
      notBlock(`a ${c.type} change is not a block`);
      continue;
    }
    if (c.policy === undefined) {
      notBlock(`${c.type === 'Advisory' ? 'an Advisory' : 'a Recommendation'} without a policy is informational, not a block`);
      continue;
    }
    const meaning = Object.hasOwn(POLICY, c.policy) ? POLICY[c.policy] : undefined;
    if (meaning === undefined) {
      out.rejects.push({ source, line: 0, at, reason: `recommendedPolicy: expected drop, reject, filter or accept`, value: c.policy.slice(0, 80) });
      continue;
    }
    if (meaning === 'accept') {
      // Filters on an accept are ignored: accepting is the opposite of a block.
      notBlock('recommended policy accept: no block');
      continue;
    }
    const b = emptyBlock(n.domain, meaning);
    for (const f of c.filters) {
      const flag = Object.hasOwn(FILTERS, f) ? FILTERS[f] : undefined;
      if (flag === undefined) out.notices.push({ source, at, message: `${n.domain}: unknown recommended filter "${f.slice(0, 40)}" ignored` });
      else b[flag] = true;
    }
    b.public_comment = [...new Set(labels)].join(', ');
    out.blocks.push(b);
    out.counts.blocks++;
  }
  return out;
}
