// The list each destination was last synced to, kept at <cache_dir>/state/<destination>.json so
// the brakes can measure how the *sources* changed since (decisions.md, second round), not how
// far the instance lags behind them.
//
//   { "v": 1, "destination": "my.instance",
//     "synced":  { "at": ISO, "blocks": [[domain, severity, reject_media, reject_reports], …] } | null,
//     "pending": { "at": ISO, "blocks": […] } | null }
//
// `synced` is the last desired list a run completed every write for. `pending` is the list a run
// began applying (it passed the brakes, or --force) and did not finish: interrupted, stopped by
// max_writes, or a write failed. The brakes measure against `pending` when there is one, so
// resuming that run, or its next max_writes slice, is never braked again; a change the sources
// made since is still measured. Written atomically; a missing or unreadable file means "no state"
// (the brakes then fall back to the owned blocks, see check-brakes.ts).
//
// A plan file (sync --plan-out) carries the list it was made for in the same form
// (`desired_list`), so `apply PLAN` records the state as sync would.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isSeverity } from '../model.js';
import { writeFileAtomic } from '../output/atomic-write.js';
import type { ListRules } from './list-change.js';

type Row = [string, string, boolean, boolean];

export interface Listed {
  at: string;
  blocks: Row[];
}

interface StateFile {
  v: 1;
  destination: string;
  synced: Listed | null;
  pending: Listed | null;
}

export interface DestinationState {
  synced?: { at: string; rules: ListRules };
  pending?: { at: string; rules: ListRules };
}

export const statePath = (cacheDir: string, destination: string): string => join(cacheDir, 'state', `${destination.replace(/[^A-Za-z0-9.-]/g, '_')}.json`);

/** The rules the brakes measure against: the unfinished run's list, else the last synced one. */
export const brakeBaseline = (s: DestinationState): ListRules | undefined => s.pending?.rules ?? s.synced?.rules;

/** A listed list read back; undefined when it is missing or malformed. */
export function toRules(l: Listed | null | undefined): { at: string; rules: ListRules } | undefined {
  if (l === null || l === undefined || typeof l !== 'object' || !Array.isArray(l.blocks)) return undefined;
  const rules: ListRules = new Map();
  for (const r of l.blocks) {
    if (!Array.isArray(r) || typeof r[0] !== 'string' || !isSeverity(String(r[1]))) return undefined;
    rules.set(r[0], { severity: r[1] as never, reject_media: r[2] === true, reject_reports: r[3] === true });
  }
  return { at: String(l.at), rules };
}

export const toListed = (rules: ListRules, at: string): Listed => ({
  at,
  blocks: [...rules].map(([d, r]) => [d, r.severity, r.reject_media, r.reject_reports]),
});

export async function readDestinationState(cacheDir: string, destination: string): Promise<DestinationState> {
  let raw: StateFile;
  try {
    raw = JSON.parse(await readFile(statePath(cacheDir, destination), 'utf8')) as StateFile;
  } catch {
    return {};
  }
  if (raw?.v !== 1) return {};
  const out: DestinationState = {};
  const synced = toRules(raw.synced);
  const pending = toRules(raw.pending);
  if (synced) out.synced = synced;
  if (pending) out.pending = pending;
  return out;
}

async function write(cacheDir: string, destination: string, state: DestinationState): Promise<void> {
  const file: StateFile = {
    v: 1,
    destination,
    synced: state.synced ? toListed(state.synced.rules, state.synced.at) : null,
    pending: state.pending ? toListed(state.pending.rules, state.pending.at) : null,
  };
  await writeFileAtomic(statePath(cacheDir, destination), JSON.stringify(file) + '\n');
}

/** Before the first write of a run that passed the brakes: its list is the one being synced. */
export async function markPending(cacheDir: string, destination: string, prior: DestinationState, rules: ListRules, at: string): Promise<DestinationState> {
  const next: DestinationState = { ...(prior.synced ? { synced: prior.synced } : {}), pending: { at, rules } };
  await write(cacheDir, destination, next);
  return next;
}

/** After a run that completed every write (or had none to make): the destination holds this list. */
export async function markSynced(cacheDir: string, destination: string, rules: ListRules, at: string): Promise<void> {
  await write(cacheDir, destination, { synced: { at, rules } });
}
