// Plays a History against a fresh world and checks the invariants after every step. Returns the
// violations found (empty when the history is fine); the caller turns them into a failure.
import type { StoredBlock } from '../../src/model.js';
import type { EmulatorEffect } from '../emulator/mastodon-emulator.js';
import { resetStamp } from '../emulator/mastodon-emulator.js';
import { checkI1, checkI2, checkI3, checkI5, checkI7, owned, ruleFor, byDomain, staleEffects } from './check-invariants.js';
import { SOURCES, type History, type Step } from './sync-history.js';
import { MARKER, type Row, type RunResult, type World, startWorld } from './sync-world.js';
import { clock } from './virtual-clock.js';

export type Invariant = 'I1' | 'I2' | 'I3' | 'I4' | 'I5' | 'I6' | 'I7';
export const ALL: Invariant[] = ['I1', 'I2', 'I3', 'I4', 'I5', 'I6', 'I7'];

const RANK = { noop: 0, silence: 1, suspend: 2 } as const;
const SEV = ['noop', 'silence', 'suspend'] as const;

/** Mastodon's create rule (§1.5), so the admin only makes blocks the instance would accept. */
function apiAccepts(blocks: StoredBlock[], r: Row): boolean {
  const map = byDomain(blocks);
  if (map.has(r.domain)) return false;
  const parent = ruleFor(map, r.domain);
  if (!parent) return true;
  if (r.severity === 'suspend') return true;
  if (parent.severity === 'suspend') return false;
  if (r.severity === 'noop' && parent.severity === 'silence') return false;
  return (r.reject_media || !parent.reject_media) && (r.reject_reports || !parent.reject_reports);
}

export async function runHistory(h: History, enabled: ReadonlySet<Invariant> = new Set(ALL)): Promise<string[]> {
  const world = await startWorld([...SOURCES]);
  const violations: string[] = [];
  try {
    h.initial.sources.forEach((rows, i) => (world.sources[i]!.rows = rows.map((r) => ({ ...r }))));
    for (const r of h.initial.hand) if (apiAccepts(world.emu.blocks(), r)) world.emu.admin.create({ ...r, private_comment: 'by hand' });
    /** Snapshot file → the blocks and the effect count when it was taken. */
    const snaps = new Map<string, { blocks: StoredBlock[]; effectMark: number }>();
    let adopt = false;
    for (const [i, step] of h.steps.entries()) {
      clock.advance(6 * 60_000); // time passes between steps: rate windows roll, the measures cache expires
      const t0 = performance.now();
      const found = await playStep(world, step, snaps, enabled, (a) => (adopt = a), () => adopt);
      if (process.env.FUZZ_TRACE) process.stderr.write(`  step ${i} ${step.t} ${Math.round(performance.now() - t0)} ms ${JSON.stringify(step)}\n`);
      for (const v of found) violations.push(`step ${i} ${JSON.stringify(step)}: ${v}`);
      if (violations.length) break;
    }
  } finally {
    await world.close();
  }
  return violations;
}

const FIELDS = ['severity', 'reject_media', 'reject_reports', 'obfuscate', 'public_comment', 'private_comment'] as const;
const sameFields = (a: StoredBlock | null, b: StoredBlock | null): boolean =>
  a === null || b === null ? a === b : FIELDS.every((f) => (a[f] ?? '') === (b[f] ?? ''));

const fediblockSeqs = (world: World) => new Set(world.emu.requests.filter((r) => r.effect).map((r) => r.effect!.seq));
const effectsOf = (world: World, r: RunResult): EmulatorEffect[] => {
  const mine = fediblockSeqs(world);
  return world.emu.effects().slice(r.effectMark).filter((e) => mine.has(e.seq));
};
const writeRequests = (world: World, r: RunResult) =>
  world.emu.requests.slice(r.requestMark).filter((q) => q.method !== 'GET' && q.path.startsWith('/api/v1/admin/domain_blocks'));

/** Which sources this run will find failed, stale or shrunk (the shrink guard: fewer than 75% of the last good copy). */
function suspicious(world: World): boolean {
  return world.sources.some((s) => s.mode === 'fail' || (s.lastGood !== undefined && s.lastGood > 0 && new Set(s.rows.map((r) => r.domain)).size < 0.75 * s.lastGood));
}

async function recordSnapshots(world: World, snaps: Map<string, { blocks: StoredBlock[]; effectMark: number }>, r: RunResult) {
  for (const s of await world.snapshots()) if (!snaps.has(s)) snaps.set(s, { blocks: r.before, effectMark: r.effectMark });
}

async function playStep(
  world: World,
  step: Step,
  snaps: Map<string, { blocks: StoredBlock[]; effectMark: number }>,
  on: ReadonlySet<Invariant>,
  setAdopt: (a: boolean) => void,
  getAdopt: () => boolean,
): Promise<string[]> {
  const src = 'src' in step ? world.sources[step.src]! : undefined;
  switch (step.t) {
    case 'set':
      src!.rows = [...src!.rows.filter((r) => r.domain !== step.row.domain), { ...step.row }];
      return [];
    case 'drop':
      if (src!.rows.length > 1) src!.rows = src!.rows.filter((r) => r.domain !== step.domain);
      return [];
    case 'replace': {
      const kids = src!.rows.filter((r) => r.domain.endsWith(`.${step.parent}`));
      const parentRow: Row = kids.reduce<Row>((p, k) => ({ domain: step.parent, severity: RANK[k.severity] > RANK[p.severity] ? k.severity : p.severity, reject_media: p.reject_media || k.reject_media, reject_reports: p.reject_reports || k.reject_reports }), {
        domain: step.parent,
        severity: 'suspend',
        reject_media: false,
        reject_reports: false,
      });
      src!.rows = [...src!.rows.filter((r) => r.domain !== step.parent && !r.domain.endsWith(`.${step.parent}`)), parentRow];
      return [];
    }
    case 'fail':
      src!.mode = 'fail';
      return [];
    case 'recover':
      src!.mode = 'ok';
      return [];
    case 'shrink':
      src!.rows = src!.rows.slice(0, Math.max(1, Math.floor(src!.rows.length / 3)));
      return [];
    case 'admin-create':
      if (apiAccepts(world.emu.blocks(), step.row)) world.emu.admin.create({ ...step.row, private_comment: 'by hand' });
      return [];
    case 'admin-edit': {
      const blocks = world.emu.blocks().sort((a, b) => (a.domain < b.domain ? -1 : 1));
      if (!blocks.length) return [];
      const b = blocks[step.pick % blocks.length]!;
      const r = RANK[b.severity];
      if (step.change === 'delete') world.emu.admin.remove(b.domain);
      else if (step.change === 'raise' && r < 2) world.emu.admin.update(b.domain, { severity: SEV[r + 1]! });
      else if (step.change === 'lower' && r > 0) world.emu.admin.update(b.domain, { severity: SEV[r - 1]! });
      else if (step.change === 'strip-marker') world.emu.admin.update(b.domain, { private_comment: b.private_comment.split(MARKER).join('').trim() || 'taken over by hand' });
      else if (step.change === 'comment') world.emu.admin.update(b.domain, { public_comment: `edited ${b.public_comment}`.trim() });
      else if (step.change === 'drop-flags') world.emu.admin.update(b.domain, { reject_media: false, reject_reports: false });
      return [];
    }
    case 'follow':
      world.emu.setFollows(step.domain, { follows: step.follows, followers: step.followers });
      return [];
    case 'run':
      setAdopt(step.adopt);
      return playRun(world, step, snaps, on);
    case 'restore': {
      const all = [...snaps.keys()];
      if (!all.length) return [];
      const snap = all[step.pick % all.length]!;
      const at = snaps.get(snap)!;
      const since = world.emu.effects().slice(at.effectMark);
      const mine = fediblockSeqs(world);
      // Who last changed each block. An admin edit that changed nothing (dropping flags a block
      // does not have) leaves it as fediblock's last write left it (fuzz seed 4242).
      const last = new Map<string, number>();
      for (const e of world.emu.effects()) if (!sameFields(e.before, e.after)) last.set(e.domain, e.seq);
      const leftByFediblock = new Set([...last].filter(([, seq]) => mine.has(seq)).map(([d]) => d));
      await world.writeConfig({ adopt: getAdopt(), maxWrites: 0 });
      const r = await world.restore(snap);
      await recordSnapshots(world, snaps, r);
      const out: string[] = [];
      const eff = effectsOf(world, r);
      if (on.has('I1')) out.push(...checkI1(eff, false, 'restore', leftByFediblock));
      if (on.has('I7') && r.code === 0) out.push(...checkI7(since, mine, eff, world.emu.blocks()));
      return out;
    }
  }
}

async function playRun(world: World, step: Extract<Step, { t: 'run' }>, snaps: Map<string, { blocks: StoredBlock[]; effectMark: number }>, on: ReadonlySet<Invariant>): Promise<string[]> {
  const out: string[] = [];
  const held = suspicious(world);
  await world.writeConfig({ adopt: step.adopt, maxWrites: step.maxWrites });
  if (step.fault) {
    let n = 0;
    const { kind, at } = step.fault;
    world.fault = () => {
      if (n++ !== at) return undefined;
      if (kind === '5xx') return { status: 503, body: '<html>503 Service Unavailable</html>' };
      if (kind === '429') return { status: 429, body: { error: 'Too many requests' }, headers: { 'X-RateLimit-Limit': '300', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': resetStamp(clock.now() + 30_000) } };
      if (kind === 'timeout') return { delayMs: 1_300 };
      return kind;
    };
  }
  let r: RunResult;
  try {
    r = await world.sync({ force: step.force });
  } finally {
    world.fault = undefined;
  }
  await recordSnapshots(world, snaps, r);
  out.push(...checkRun(world, r, { adopt: step.adopt, held, on }));
  if (out.length) return out;

  const applied = r.json?.destinations?.[0]?.applied;
  // Interrupted: writes were under way and did not all happen (a crash, a fault past the retries, max_writes).
  const interrupted = applied !== undefined && (applied.aborted === true || applied.failed?.length > 0 || applied.maxWritesReached === true);
  if (r.code === 0 && !interrupted) return out.concat(await secondRun(world, r, step.adopt, on, 'I4'));
  if (interrupted && on.has('I6')) {
    // I6: the next plain run completes it, without --force.
    await world.writeConfig({ adopt: step.adopt, maxWrites: 0 });
    const held2 = suspicious(world);
    const c = await world.sync();
    await recordSnapshots(world, snaps, c);
    out.push(...checkRun(world, c, { adopt: step.adopt, held: held2, on }));
    const sourceFailed = (c.json?.sources ?? []).some((s: { status: string }) => s.status === 'failed');
    if (c.code === 2 || (c.code === 1 && !sourceFailed)) out.push(`I6: the run after an interrupted one exited ${c.code}: ${firstLines(c)}`);
    if (c.code === 0 && !out.length) out.push(...(await secondRun(world, c, step.adopt, on, 'I6')));
  }
  return out;
}

/** I4 (and I6's end): right after a complete run, a second one writes nothing. */
async function secondRun(world: World, first: RunResult, adopt: boolean, on: ReadonlySet<Invariant>, why: string): Promise<string[]> {
  const out: string[] = [];
  if (on.has('I2') && first.merged) out.push(...checkI2(first.merged, world.emu.blocks(), first.json?.destinations?.[0]?.plan).map((v) => `${v} (after the run, ${why})`));
  if (!on.has('I4')) return out;
  await world.writeConfig({ adopt, maxWrites: 0 });
  const again = await world.sync();
  // A late copy of a retried request that the server applied after a later write to the same block
  // (fuzz seed 90210) changed it after the run; putting that right is not a needless write.
  const late = new Set(world.emu.effects().filter((e) => staleEffects(world.emu.requests.slice(first.requestMark)).has(e.seq)).map((e) => e.domain));
  const idOf = new Map(first.before.concat(world.emu.blocks()).map((b) => [b.id, b.domain]));
  const w = writeRequests(world, again).filter((q) => !late.has(idOf.get(q.path.split('/').pop() ?? '') ?? ''));
  if (w.length) out.push(`I4: the run right after a successful one made ${w.length} writes: ${w.map((q) => `${q.method} ${q.path} ${JSON.stringify(q.body ?? '')}`).join('; ')}`);
  return out;
}

function checkRun(world: World, r: RunResult, o: { adopt: boolean; held: boolean; on: ReadonlySet<Invariant> }): string[] {
  const eff = effectsOf(world, r);
  const out: string[] = [];
  if (o.on.has('I1')) out.push(...checkI1(eff, o.adopt, 'sync'));
  if (o.on.has('I3') && o.held) out.push(...checkI3(eff));
  if (o.on.has('I5')) out.push(...checkI5(r.before, eff, world.emu.blocks(), staleEffects(world.emu.requests.slice(r.requestMark))));
  void owned;
  return out;
}

const firstLines = (r: RunResult) => (r.stderr + r.stdout).split('\n').filter((l) => /brake|refus|error|fail/i.test(l)).slice(0, 3).join(' | ');
