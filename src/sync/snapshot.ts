// Before the first write of a sync, the destination's blocks are saved here, so any run can be
// undone (`fediblock restore SNAPSHOT`). Snapshots hold private comments (moderator-only data),
// so they are written 0600; they never hold tokens (only block fields are serialised).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
// zod/mini (see config/schema.ts); a namespace import lets esbuild drop the parts never used.
import * as z from 'zod/mini';
import '../zod-messages.js';
import { FediblockError } from '../errors.js';
import { SEVERITIES, blockFields } from '../model.js';
import type { StoredBlock } from '../model.js';
import { writeFileAtomic } from '../output/atomic-write.js';

export interface Snapshot {
  destination: string;
  taken_at: string;
  /** The run that took it, before its first write: where `restore` starts undoing in the journal. */
  run?: string;
  blocks: StoredBlock[];
}

/** `20261125T094500Z` for 2026-11-25T09:45:00.xxxZ. */
export const snapshotStamp = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');

/** A destination (a domain, or a file store's path) as a safe file-name prefix. */
export const snapshotPrefix = (destination: string): string => destination.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A block's own fields as snapshots and the journal store them (read-journal.ts reuses it). */
export const blockFieldsSchema = z.object({
  severity: z.enum(SEVERITIES),
  reject_media: z.boolean(),
  reject_reports: z.boolean(),
  obfuscate: z.boolean(),
  public_comment: z.string(),
  private_comment: z.string(),
});

const nonEmpty = z.string().check(z.minLength(1));

const blockSchema = z.extend(blockFieldsSchema, {
  id: nonEmpty,
  domain: nonEmpty,
  digest: z.optional(z.string()),
  created_at: z.optional(z.string()),
});

const snapshotSchema = z.object({
  version: z.literal(1),
  destination: nonEmpty,
  taken_at: nonEmpty,
  run: z.optional(nonEmpty),
  blocks: z.array(blockSchema),
});

const byDomain = (a: { domain: string }, b: { domain: string }): number => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0);

/** Only the block's own fields, in a fixed order: nothing else a caller's objects carry ends up on disk. */
const clean = (b: StoredBlock): StoredBlock => ({
  id: b.id,
  domain: b.domain,
  ...(b.digest !== undefined ? { digest: b.digest } : {}),
  ...(b.created_at !== undefined ? { created_at: b.created_at } : {}),
  ...blockFields(b),
});

/**
 * Save `blocks` as `<dir>/<destination>-<UTC stamp>.json` atomically and return the path. Two
 * snapshots of one destination within the same second get `-2`, `-3`… rather than overwriting.
 */
export async function writeSnapshot(dir: string, destination: string, blocks: StoredBlock[], now: Date = new Date(), run?: string): Promise<string> {
  const taken_at = now.toISOString();
  const base = `${snapshotPrefix(destination)}-${snapshotStamp(now)}`;
  await fs.mkdir(dir, { recursive: true });
  let file = path.join(dir, `${base}.json`);
  for (let n = 2; await exists(file); n++) file = path.join(dir, `${base}-${n}.json`);
  const data = { version: 1, destination, taken_at, ...(run !== undefined ? { run } : {}), blocks: blocks.map(clean).sort(byDomain) };
  await writeFileAtomic(file, JSON.stringify(data, null, 2) + '\n', { mode: 0o600 });
  return file;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

/** Read and validate a snapshot; errors name the file and the first bad field. */
export async function readSnapshot(file: string): Promise<Snapshot> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new FediblockError(`cannot read snapshot ${file}: ${(err as Error).message}`, { cause: err });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new FediblockError(`snapshot ${file} is not valid JSON: ${(err as Error).message}`, { hint: 'pass a file written by `fediblock sync` (snapshot_dir)' });
  }
  const r = snapshotSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue && issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : 'document';
    throw new FediblockError(`snapshot ${file} is not a fediblock snapshot: ${where}: ${issue?.message ?? 'invalid'}`, {
      hint: 'pass a file written by `fediblock sync` (snapshot_dir)',
    });
  }
  const { destination, taken_at, run, blocks } = r.data;
  return { destination, taken_at, ...(run !== undefined ? { run } : {}), blocks: blocks.map((b) => clean(b as StoredBlock)) };
}

/** Paths of a destination's snapshots in `dir`, oldest first; [] when the directory does not exist. */
export async function listSnapshots(dir: string, destination: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const re = new RegExp(`^${escapeRe(snapshotPrefix(destination))}-(\\d{8}T\\d{6}Z)(?:-(\\d+))?\\.json$`);
  const found: Array<{ name: string; stamp: string; n: number }> = [];
  for (const name of names) {
    const m = re.exec(name);
    if (m) found.push({ name, stamp: m[1] ?? '', n: m[2] ? Number(m[2]) : 1 });
  }
  found.sort((a, b) => (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : a.n - b.n));
  return found.map((f) => path.join(dir, f.name));
}
