// `restore SNAPSHOT`: the way back to a saved state, reversing only fediblock's own changes
// (decisions.md "Sync behaviour"). Pure; apply walks the returned plan like any other.
//
// - owned now, absent from the snapshot            → delete (fediblock created it since);
// - owned in the snapshot, absent now              → create exactly as it was (private_comment too);
// - owned now and then, different                  → update back (every field, comments included);
// - hand-made in the snapshot, owned now (adopted) → update back, which also removes the marker;
// - hand-made now (whatever it was then)           → untouched: the admin's, including blocks added
//   since and blocks whose marker the admin removed (reported as a skip when it was owned then);
// - hand-made in the snapshot, gone now            → not recreated (the admin may have removed it;
//   reported as a skip).
// Follow checks are not made: a restore puts back what was there before.
import { blockFields, type BlockFields, type Plan, type PlanEntry, type StoredBlock } from '../model.js';
import { byDomain, diffFields, isManaged, type DestinationPolicy } from './plan-sync.js';

export interface RestoreOptions {
  now?: string;
  storeFingerprint?: string;
}

const fieldsOf = blockFields;

export function planRestore(
  snapshot: StoredBlock[],
  current: StoredBlock[],
  policy: Pick<DestinationPolicy, 'domain' | 'marker' | 'own_all'>,
  opts: RestoreOptions = {},
): Plan {
  const snapBy = new Map<string, StoredBlock>();
  for (const s of snapshot) if (!snapBy.has(s.domain)) snapBy.set(s.domain, s);
  const curBy = new Map<string, StoredBlock>();
  for (const c of current) if (!curBy.has(c.domain)) curBy.set(c.domain, c);
  const entries: PlanEntry[] = [];

  for (const c of curBy.values()) {
    const s = snapBy.get(c.domain);
    if (!isManaged(c, policy)) {
      if (s !== undefined && isManaged(s, policy)) {
        entries.push({ action: 'skip', domain: c.domain, reason: 'marker removed by hand since the snapshot; left alone', current: c });
      }
      continue;
    }
    if (s === undefined) {
      entries.push({ action: 'delete', domain: c.domain, reason: 'not in the snapshot (created by fediblock since)', current: c });
      continue;
    }
    const desired = fieldsOf(s);
    const changes = diffFields(fieldsOf(c), desired);
    const adopted = !isManaged(s, policy);
    if (Object.keys(changes).length === 0) {
      entries.push({ action: 'unchanged', domain: c.domain, current: c });
    } else {
      entries.push({
        action: 'update',
        domain: c.domain,
        reason: adopted ? 'undoing adoption: back to the hand-made block in the snapshot' : 'back to the snapshot',
        desired,
        current: c,
        changes,
      });
    }
  }

  for (const s of snapBy.values()) {
    if (curBy.has(s.domain)) continue;
    if (isManaged(s, policy)) {
      entries.push({ action: 'create', domain: s.domain, reason: 'restoring from the snapshot', desired: fieldsOf(s) });
    } else {
      entries.push({ action: 'skip', domain: s.domain, reason: 'hand-made in the snapshot and gone now; not recreated (it may have been removed by hand)' });
    }
  }

  entries.sort(byDomain);
  return {
    version: 1,
    destination: policy.domain,
    created_at: opts.now ?? new Date().toISOString(),
    store_fingerprint: opts.storeFingerprint ?? '',
    entries,
    holds: [],
  };
}
