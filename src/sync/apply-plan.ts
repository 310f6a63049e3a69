// `apply` only walks a plan (style.md: plan as data, apply separately). It never decides what
// should happen; it executes create/update/delete entries against a store in the safe order
// order-writes.ts sets, with bounded concurrency, and reports every outcome. A run that stops half
// way (abort, max_writes, crash) is completed by the next run, because the next plan is
// recomputed from the store. max_writes spends its budget in that order. Skipped at run time: a
// loosening under a parent whose stricter write did not succeed, a child whose parent's interim
// lowering did not, a parent's final write while a child made room for is still missing.
//
// A whole-setting store (Akkoma's :mrf_simple, the file store) only collects the changes; they are
// made by its one flush() at the end. Its writes are reported and journaled only once that flush
// succeeded: a failed flush leaves every one of them failed and unjournaled, or journaled as
// uncertain when the store says the write may have landed (restore then checks).
import pLimit from 'p-limit';
import { FLAG_FIELDS, isSeverity } from '../model.js';
import type { BlockFields, DomainBlock, Plan, PlanEntry, StoredBlock } from '../model.js';
import { InterruptedError, UnsafeError } from '../errors.js';
import { scrub } from '../log.js';
import { parentDomains } from './block-rules.js';
import { isLooserWrite, orderWrites } from './order-writes.js';
import { capabilitiesOf, ExistingBlockConflict, FlushUncertain, mayHaveLanded } from './store.js';
import type { Store } from './store.js';

export type WriteAction = 'create' | 'update' | 'delete';

export type ApplyEvent =
  | { type: 'start'; action: WriteAction; domain: string }
  | { type: 'done'; action: WriteAction; domain: string }
  | { type: 'conflict'; action: 'create'; domain: string; message: string }
  | { type: 'skipped'; action: WriteAction; domain: string; reason: string }
  | { type: 'failed'; action: WriteAction; domain: string; message: string }
  | { type: 'stopped'; reason: 'aborted' | 'max_writes'; remaining: number };

export interface ApplyReport {
  created: string[];
  updated: string[];
  deleted: string[];
  /** A create found the domain already blocked (an earlier run died after its POST, or a hand-made block appeared). */
  conflicts: Array<{ domain: string; message: string }>;
  failed: Array<{ domain: string; action: WriteAction; message: string; /** Not made because the store's one write (flush) failed. */ flush?: true }>;
  /** Covered by a parent, or not started because the run was aborted or hit max_writes. */
  skipped: Array<{ domain: string; reason: string }>;
  aborted: boolean;
  /**
   * Write requests sent (successful or not). On a whole-setting store, its one write (0 when
   * nothing was sent); max_writes still counts the changes collected for it.
   */
  writes: number;
  /** Set when `maxWrites` stopped the run before every entry was attempted. */
  maxWritesReached?: boolean;
  /** Set when `onWritten` failed (the journal could not be written): the run stopped there. */
  recordError?: string;
  /**
   * Set when a whole-setting store's one write (flush) failed: its changes are in `failed`.
   * `uncertain`: the write may have landed all the same (journaled as uncertain). `unsafe`: it
   * was refused as unsafe (the setting changed since the plan), nothing was sent.
   */
  flushFailed?: { message: string; writes: number; uncertain: boolean; unsafe: boolean };
}

/** A write that took effect, for the journal: the entry and the block the store holds after it. */
export interface WriteOutcome {
  entry: PlanEntry & { action: WriteAction };
  /** The store's block after the write, as it answered (null after a delete). */
  after: StoredBlock | null;
  /** A create that found the domain already blocked: `after` is that block, nothing was written now. */
  existed?: boolean;
  /**
   * The request went out but no answer came back (timeout, dropped connection, 5xx after retries):
   * the server may have made the write. `after` is what the write asked for (a create's id is
   * unknown: ''). Journaled all the same, so `restore` can undo it if it did land (I7).
   */
  uncertain?: boolean;
}

export interface ApplyOptions {
  /** Writes in flight at once (default 4). */
  concurrency?: number;
  /** Stop after this many write requests; 0 or undefined = unlimited. */
  maxWrites?: number;
  /** Abort: no new writes start; in-flight ones finish; the report says `aborted: true`. */
  signal?: AbortSignal;
  /** Ownership marker, only used to word conflict messages (owned vs hand-made). */
  marker?: string;
  onProgress?: (done: number, total: number, entry: PlanEntry) => void;
  onEvent?: (e: ApplyEvent) => void;
  /**
   * Awaited after each write that took effect, before the next phase starts and before the run
   * reports (the journal appends and fsyncs here). When it throws, no new write starts. On a
   * whole-setting store, called for every write once the flush succeeded.
   */
  onWritten?: (w: WriteOutcome) => Promise<void> | void;
}

const isWrite = (e: PlanEntry): e is PlanEntry & { action: WriteAction } =>
  e.action === 'create' || e.action === 'update' || e.action === 'delete';

const byDomain = <T extends { domain: string }>(a: T, b: T): number => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0);

/**
 * Execute a plan's create/update/delete entries in order-writes.ts's phases; each phase finishes
 * before the next starts, so a parent's new rule is in place before its children are tried.
 */
export async function applyPlan(plan: Plan, store: Store, opts: ApplyOptions = {}): Promise<ApplyReport> {
  const report: ApplyReport = { created: [], updated: [], deleted: [], conflicts: [], failed: [], skipped: [], aborted: false, writes: 0 };
  /** Writes started, for max_writes (a whole-setting store's collected changes included). */
  let spent = 0;
  const writes = plan.entries.filter(isWrite);
  const maxWrites = opts.maxWrites && opts.maxWrites > 0 ? opts.maxWrites : Infinity;
  const limit = pLimit(Math.max(1, Math.floor(opts.concurrency ?? 4)));
  const emit = (e: ApplyEvent) => opts.onEvent?.(e);
  let done = 0;
  // Writes a whole-setting store collected, made (or not) by its flush at the end.
  const buffered = capabilitiesOf(store).writes === 'whole-setting' && store.flush !== undefined;
  const held: WriteOutcome[] = [];

  const { phases, handover, interims, stricterDomains } = orderWrites(writes, buffered);
  const plannedWrites = new Set<PlanEntry>(writes);
  // The interim lowering is one more write than the plan lists.
  const total = writes.length + [...interims].filter((e) => !plannedWrites.has(e)).length;
  const roomMade = new Set<string>();
  /** The parent's block as the interim lowering left it, for its final write (and its journal line). */
  const leftBy = new Map<string, StoredBlock>();
  // A loosening write waits for every create or raise of a parent domain in this plan.
  const madeStricter = new Set<string>();
  const unmadeParent = (domain: string): string | undefined => parentDomains(domain).find((p) => stricterDomains.has(p) && !madeStricter.has(p));

  let stopped: 'aborted' | 'max_writes' | 'refused' | 'unreachable' | 'unrecorded' | undefined;
  const notStarted: Array<PlanEntry & { action: WriteAction }> = [];

  const run = async (planned: PlanEntry & { action: WriteAction }): Promise<void> => {
    if (opts.signal?.aborted) stopped ??= 'aborted';
    else if (spent >= maxWrites) stopped ??= 'max_writes';
    if (stopped) {
      notStarted.push(planned);
      return;
    }
    const entry = afterInterim(planned);
    const waitsFor = isLooserWrite(entry) ? unmadeParent(entry.domain) : undefined;
    const notSent =
      waitsFor !== undefined
        ? `not sent: the ${entry.action === 'delete' ? 'delete' : 'lowering'} waits until the block on ${waitsFor} is in place; the next run completes it`
        : whyWaitsForHandover(entry);
    if (notSent !== undefined) {
      report.skipped.push({ domain: entry.domain, reason: notSent });
      emit({ type: 'skipped', action: entry.action, domain: entry.domain, reason: notSent });
      done++;
      opts.onProgress?.(done, total, entry);
      return;
    }
    const prepared = prepare(entry);
    if (typeof prepared === 'string') {
      fail(entry, prepared);
    } else {
      spent++;
      emit({ type: 'start', action: entry.action, domain: entry.domain });
      let outcome: WriteOutcome | undefined;
      try {
        const after = await prepared();
        (entry.action === 'create' ? report.created : entry.action === 'update' ? report.updated : report.deleted).push(entry.domain);
        if (stricterDomains.has(entry.domain)) madeStricter.add(entry.domain);
        if (interims.has(planned)) {
          roomMade.add(entry.domain);
          if (after && !plannedWrites.has(planned)) leftBy.set(entry.domain, after);
        }
        emit({ type: 'done', action: entry.action, domain: entry.domain });
        outcome = { entry, after };
      } catch (err) {
        if (err instanceof InterruptedError) {
          // Abandoned while waiting for the rate limit: never sent, so not a failure.
          spent--;
          stopped ??= 'aborted';
          notStarted.push(entry);
          return;
        } else if (entry.action === 'create' && err instanceof ExistingBlockConflict) {
          conflict(entry, err);
          if (err.existing.domain === entry.domain) outcome = { entry, after: err.existing, existed: true };
        } else {
          fail(entry, scrub(err instanceof Error ? err.message : String(err)));
          // A whole-setting store sends nothing per write: a failed one was never made.
          if (!buffered && mayHaveLanded(err)) outcome = { entry, after: intendedAfter(entry), uncertain: true };
          // A rejected token or missing scope fails every write the same way: stop spending the
          // rate budget on requests that cannot succeed.
          if (isRefusal(err)) stopped ??= 'refused';
          // Likewise a destination still unreachable after the client's retries: every later
          // write would wait out the same retries (minutes on a long plan) and fail the same way.
          else if (isUnreachable(err)) stopped ??= 'unreachable';
        }
      }
      // A block found already there is journaled now (an earlier run made it); collected
      // writes only once the flush made them.
      if (outcome && buffered && !outcome.existed) held.push(outcome);
      else if (outcome) await record(outcome);
    }
    done++;
    opts.onProgress?.(done, total, entry);
  };

  const record = async (outcome: WriteOutcome): Promise<void> => {
    if (!opts.onWritten) return;
    try {
      await opts.onWritten(outcome);
    } catch (err) {
      // An unrecorded write could not be undone by `restore`: make no more of them.
      report.recordError ??= scrub(err instanceof Error ? err.message : String(err));
      stopped ??= 'unrecorded';
    }
  };

  /** Collected writes that were not made after all leave the created/updated/deleted lists. */
  const unreport = (outcomes: WriteOutcome[]): void => {
    const unmade = new Set(outcomes.map((o) => o.entry.domain));
    for (const list of [report.created, report.updated, report.deleted]) list.splice(0, list.length, ...list.filter((d) => !unmade.has(d)));
  };

  /** The whole-setting store's one write, then the journal: what it made, or what it may have made. */
  const flush = async (): Promise<void> => {
    const sentBefore = store.writeCount;
    const sent = () => (sentBefore === undefined || store.writeCount === undefined ? (held.length > 0 ? 1 : 0) : store.writeCount - sentBefore);
    try {
      await store.flush!();
      report.writes = sent();
    } catch (err) {
      report.writes = err instanceof UnsafeError ? 0 : sent();
      const uncertain = err instanceof FlushUncertain;
      const message = scrub(err instanceof Error ? err.message : String(err));
      report.flushFailed = { message, writes: held.length, uncertain, unsafe: err instanceof UnsafeError };
      unreport(held);
      const said = uncertain ? `may or may not have been made: ${message}` : `not made: ${message}`;
      for (const o of held) {
        report.failed.push({ domain: o.entry.domain, action: o.entry.action, message: said, flush: true });
        emit({ type: 'failed', action: o.entry.action, domain: o.entry.domain, message: said });
      }
      if (uncertain) await Promise.all(held.map((o) => record({ ...o, uncertain: true })));
      return;
    }
    // Appends are queued in this order by the journal; they may share one fsync.
    await Promise.all(held.map((o) => record(o)));
  };

  /** A parent's final write starts from the block its interim lowering left. */
  const afterInterim = (entry: PlanEntry & { action: WriteAction }): PlanEntry & { action: WriteAction } => {
    const now = leftBy.get(entry.domain);
    if (now === undefined || interims.has(entry) || entry.action === 'create') return entry;
    if (entry.action === 'delete') return { ...entry, current: now };
    // The interim may have set a flag the planned change did not touch (a suspension's flags were
    // moot): the rule's fields are set back to the target as well.
    const target: Record<string, unknown> = Object.fromEntries(Object.entries(entry.changes ?? {}).map(([k, c]) => [k, c?.to]));
    if (entry.desired) for (const k of ['severity', 'reject_media', 'reject_reports'] as const) target[k] = entry.desired[k];
    const changes: NonNullable<PlanEntry['changes']> = {};
    for (const [k, to] of Object.entries(target)) {
      const from = (now as unknown as Record<string, unknown>)[k];
      if (!Object.is(from, to)) changes[k as keyof typeof changes] = { from, to } as never;
    }
    return { ...entry, current: now, changes };
  };

  /** A child waits for the room its parent's interim lowering makes; the parent's final write waits for its children. */
  const whyWaitsForHandover = (entry: PlanEntry): string | undefined => {
    const parent = handover.parentOf.get(entry.domain);
    if (entry.action === 'create' && parent !== undefined && !roomMade.has(parent)) {
      return `not sent: waits until the block on ${parent} is lowered enough for it; the next run completes it`;
    }
    const kids = interims.has(entry) ? undefined : handover.children.get(entry.domain);
    const missing = kids?.find((k) => !report.created.includes(k));
    if (missing !== undefined) return `not sent: the ${entry.action === 'delete' ? 'delete' : 'lowering'} waits until ${missing} has its own block; the next run completes it`;
    return undefined;
  };

  const fail = (entry: PlanEntry & { action: WriteAction }, message: string) => {
    report.failed.push({ domain: entry.domain, action: entry.action, message });
    emit({ type: 'failed', action: entry.action, domain: entry.domain, message });
  };

  const conflict = (entry: PlanEntry, err: ExistingBlockConflict) => {
    const ex = err.existing;
    if (ex.domain === entry.domain) {
      // Don't retry or PUT here: the next run's plan sees the block and reconciles it (owned) or
      // reports it as hand-made; retrying within this run could loop against a live admin.
      const owned = opts.marker !== undefined && opts.marker !== '' && (ex.private_comment ?? '').includes(opts.marker);
      const who = opts.marker === undefined ? 'created by an earlier run that stopped, or by hand' : owned ? 'it carries the marker, so an earlier run created it' : 'it is hand-made (no marker), so fediblock leaves it alone';
      const message = `${entry.domain} is already blocked on ${store.name} (id ${ex.id}, ${ex.severity}); ${who}; the next run will ${owned || opts.marker === undefined ? 'reconcile it' : 'report it'}`;
      report.conflicts.push({ domain: entry.domain, message });
      emit({ type: 'conflict', action: 'create', domain: entry.domain, message });
    } else {
      const reason = `covered by parent ${ex.domain} (${ex.severity})`;
      report.skipped.push({ domain: entry.domain, reason });
      emit({ type: 'skipped', action: 'create', domain: entry.domain, reason });
    }
  };

  /** The write to send, or why it cannot be sent (a malformed entry is a planner bug). */
  const prepare = (entry: PlanEntry & { action: WriteAction }): (() => Promise<StoredBlock | null>) | string => {
    if (entry.action === 'create') {
      if (!entry.desired) return 'create entry without desired fields (planner bug)';
      if (!isSeverity(entry.desired.severity)) return `invalid severity ${JSON.stringify(entry.desired.severity)}`;
      const block: DomainBlock = { ...entry.desired, domain: entry.domain };
      return () => store.create(block);
    }
    const id = entry.current?.id;
    if (!id) return `${entry.action} entry without the current block's id (planner bug)`;
    if (entry.action === 'delete') return async () => (await store.remove(id), null);
    const fields = updateFields(entry);
    if (typeof fields === 'string') return fields;
    return () => store.update(id, fields);
  };

  for (const p of phases) {
    if (stopped) {
      notStarted.push(...(p as Array<PlanEntry & { action: WriteAction }>));
      continue;
    }
    await Promise.all(p.map((e) => limit(() => run(e as PlanEntry & { action: WriteAction }))));
  }
  // Whatever was collected is written, also when the run stopped early (a max_writes slice),
  // unless the journal already failed (nothing is made that it could not record) or SIGTERM/SIGINT
  // came (no new request is sent after it).
  if (!buffered) report.writes = spent;
  const interrupted = buffered && opts.signal?.aborted === true;
  if (interrupted) stopped ??= 'aborted';
  if (buffered && stopped !== 'unrecorded' && !interrupted) await flush();
  else if (buffered) {
    unreport(held);
    notStarted.push(...held.map((o) => o.entry));
  }

  if (stopped) {
    const reason =
      stopped === 'aborted'
        ? 'not started: the run was interrupted'
        : stopped === 'refused'
          ? 'not started: the destination refused the token'
          : stopped === 'unreachable'
            ? 'not started: the destination could not be reached'
            : stopped === 'unrecorded'
              ? 'not started: the journal could not be written'
              : `not started: max_writes (${maxWrites}) reached`;
    for (const e of notStarted) {
      report.skipped.push({ domain: e.domain, reason });
    }
    if (stopped === 'aborted' || stopped === 'max_writes') emit({ type: 'stopped', reason: stopped, remaining: notStarted.length });
    if (stopped === 'max_writes') report.maxWritesReached = true;
  }
  report.aborted = stopped === 'aborted' || opts.signal?.aborted === true;

  report.created.sort();
  report.updated.sort();
  report.deleted.sort();
  report.conflicts.sort(byDomain);
  report.failed.sort(byDomain);
  report.skipped.sort(byDomain);
  return report;
}

const UPDATABLE: ReadonlyArray<keyof BlockFields> = ['severity', 'reject_media', 'reject_reports', 'obfuscate', 'public_comment', 'private_comment'];

/** The partial fields of an update, from the entry's changes only; an empty update is refused. */
function updateFields(entry: PlanEntry): Partial<BlockFields> | string {
  const fields: Record<string, unknown> = {};
  for (const k of UPDATABLE) {
    const c = entry.changes?.[k];
    if (!c || Object.is(c.from, c.to)) continue;
    fields[k] = c.to;
  }
  if (Object.keys(fields).length === 0) return 'update entry without changes (planner bug); not sent, as Mastodon reprocesses every PUT';
  if ('severity' in fields && !isSeverity(String(fields.severity))) return `invalid severity ${JSON.stringify(fields.severity)}`;
  for (const f of FLAG_FIELDS) if (f in fields && typeof fields[f] !== 'boolean') return `invalid value for ${f}: ${JSON.stringify(fields[f])}`;
  for (const f of ['public_comment', 'private_comment'] as const) if (f in fields && typeof fields[f] !== 'string') return `invalid value for ${f}: ${JSON.stringify(fields[f])}`;
  return fields as Partial<BlockFields>;
}

/** The block a write asked for, for a write whose answer was lost. */
function intendedAfter(entry: PlanEntry & { action: WriteAction }): StoredBlock | null {
  if (entry.action === 'delete') return null;
  if (entry.action === 'create') return entry.desired ? { ...entry.desired, domain: entry.domain, id: '' } : null;
  if (!entry.current) return null;
  const changed: Record<string, unknown> = {};
  for (const [k, c] of Object.entries(entry.changes ?? {})) if (c) changed[k] = c.to;
  return { ...entry.current, ...changed } as StoredBlock;
}

/** 401/403 from the store (MastodonHttpError carries `status`). */
function isRefusal(err: unknown): boolean {
  const status = (err as { status?: unknown } | null)?.status;
  return status === 401 || status === 403;
}

/** The store could not be reached at all, retries included (MastodonHttpError's `unreachable`). */
function isUnreachable(err: unknown): boolean {
  return (err as { unreachable?: unknown } | null)?.unreachable === true;
}
