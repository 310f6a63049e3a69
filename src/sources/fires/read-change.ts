// One FIRES change as the server serialises it (formats.md 4.13), read into one shape whatever the
// server's version: camelCase since 0.7.0 (`entityKind`, `recommendedPolicy`…), snake_case before
// (`entity_kind`, `recommended_policy`…), and the earliest `entity: {type, value}` object.
// A change's place in the dataset is the UUIDv7 at the end of its `id` URL: time-ordered, so
// comparing the lowercase strings compares the changes' order.

export interface FiresChange {
  /** The change's own URL. */
  id: string;
  /** The UUID at the end of `id`, lowercase. */
  uuid: string;
  /** Recommendation, Advisory, Retraction, Tombstone (or something newer, kept as written). */
  type: string;
  published?: string;
  /** `domain` or `actor`, lowercase; absent on a Tombstone. */
  entityKind?: string;
  entityKey?: string;
  policy?: string;
  filters: string[];
  /** Label URLs, as written. */
  labels: string[];
}

/** The first change id a feed can start after (the reference server's own "genesis" cursor). */
export const GENESIS_CURSOR = '00000000-0000-7000-a000-000000000000';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (s: string): boolean => UUID.test(s);

/** The UUID at the end of a change's id URL, lowercase; undefined when it does not end in one. */
export function uuidOf(id: string): string | undefined {
  let path = id;
  try {
    path = new URL(id).pathname;
  } catch {
    // a bare id: use it as it is
  }
  const last = path.split('/').filter(Boolean).pop() ?? '';
  return UUID.test(last) ? last.toLowerCase() : undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : typeof v === 'string' && v !== '' ? [v] : []);

/** A change, or why the item cannot be one (it then cannot be ordered or folded). */
export function readChange(item: unknown): FiresChange | { problem: string } {
  if (!isObject(item)) return { problem: 'not an object' };
  const id = str(item.id);
  if (id === undefined) return { problem: 'no id' };
  const uuid = uuidOf(id);
  if (uuid === undefined) return { problem: `id ${id} does not end in a UUID` };
  const type = str(item.type);
  if (type === undefined) return { problem: 'no type' };
  const entity = isObject(item.entity) ? item.entity : undefined;
  const kind = str(item.entityKind) ?? str(item.entity_kind) ?? str(entity?.type);
  const key = str(item.entityKey) ?? str(item.entity_key) ?? str(entity?.value);
  const published = str(item.published) ?? str(item.created);
  const policy = str(item.recommendedPolicy) ?? str(item.recommended_policy);
  const change: FiresChange = {
    id,
    uuid,
    type,
    filters: strings(item.recommendedFilters ?? item.recommended_filters),
    labels: strings(item.labels),
  };
  if (published !== undefined) change.published = published;
  if (kind !== undefined) change.entityKind = kind.toLowerCase();
  if (key !== undefined) change.entityKey = key;
  if (policy !== undefined) change.policy = policy.toLowerCase();
  return change;
}
