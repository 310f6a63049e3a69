// A new child block that Mastodon refuses under its parent, while the same plan deletes or lowers
// that parent: the parent is lowered just enough first, then the child created, then the parent's
// own write made. Told end to end against the Mastodon emulator: after every change the emulator
// applied, the rule that covers each subdomain (Mastodon's most specific block) must do at least
// what both its rule before and after the run do.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { StoredBlock } from '../../src/model.js';
import { type Emulator, type EmulatorEffect, type EmulatorOptions, startEmulator } from '../emulator/mastodon-emulator.js';
import { type ListRow, type Workspace, csvList, ensureBuilt, workspace } from './helpers.js';

const TOKEN = 'e2e-handover-token-41c7aa';
const MARKER = '[fediblock]';
const BLOCKS = '/api/v1/admin/domain_blocks';

beforeAll(ensureBuilt, 120_000);
vi.setConfig({ testTimeout: 120_000 });

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(blocks: EmulatorOptions['blocks'], rows: Array<ListRow | string>, destination: Record<string, string | number | boolean> = {}) {
  const emu = await startEmulator({ tokens: { [TOKEN]: { scopes: ['admin:read', 'admin:write'], role: 'admin' } }, blocks });
  cleanups.push(() => emu.stop());
  const ws = await workspace({ apiBase: emu.url, sources: [{ name: 'list', url: 'list.csv' }], destination: { max_followed_severity: 'suspend', ...destination } }, { 'list.csv': csvList(rows) }, TOKEN);
  cleanups.push(() => ws.cleanup());
  return { emu, ws };
}
const show = (r: { code: number; stdout: string; stderr: string }) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

// ---- what a rule does, written here from Mastodon's behaviour (not fediblock's code) ----------
type Rule = { severity: 'noop' | 'silence' | 'suspend'; reject_media: boolean; reject_reports: boolean } | null;
const RANK = { noop: 0, silence: 1, suspend: 2 } as const;

/** The block Mastodon applies to `domain`: its own, else its nearest parent's. */
function ruleFor(state: Map<string, StoredBlock>, domain: string): Rule {
  const labels = domain.split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const b = state.get(labels.slice(i).join('.'));
    if (b) return { severity: b.severity, reject_media: b.reject_media, reject_reports: b.reject_reports };
  }
  return null;
}
/** Whether `r` does at least everything `m` does (no rule does nothing; a suspension does everything). */
function enforces(r: Rule, m: Rule): boolean {
  const does = (x: Rule) => ({ sev: x ? RANK[x.severity] : -1, media: x !== null && (x.severity === 'suspend' || x.reject_media), reports: x !== null && (x.severity === 'suspend' || x.reject_reports) });
  const a = does(r);
  const b = does(m);
  if (r?.severity === 'suspend') return true;
  return a.sev >= b.sev && (a.media || !b.media) && (a.reports || !b.reports) && (m === null || m.severity !== 'suspend');
}
const describeRule = (r: Rule) => (r ? [r.severity, ...(r.reject_media ? ['reject_media'] : []), ...(r.reject_reports ? ['reject_reports'] : [])].join('+') : 'no rule');

/** Replays the run's changes: a sentence for each moment a subdomain did less than what its rules before and after the run both do. */
function momentsTooLoose(before: StoredBlock[], effects: EmulatorEffect[], domains: string[]): string[] {
  const start = new Map(before.map((b) => [b.domain, b]));
  const end = new Map(start);
  for (const e of effects) {
    if (e.after) end.set(e.domain, e.after);
    else end.delete(e.domain);
  }
  const state = new Map(start);
  const out: string[] = [];
  for (const e of effects) {
    if (e.after) state.set(e.domain, e.after);
    else state.delete(e.domain);
    for (const d of domains) {
      const [was, will, now] = [ruleFor(start, d), ruleFor(end, d), ruleFor(state, d)];
      if (!enforces(now, meet(was, will))) out.push(`after change ${e.seq} (${e.after ? 'writing' : 'deleting'} ${e.domain}): ${d} under ${describeRule(now)}, before ${describeRule(was)}, after ${describeRule(will)}`);
    }
  }
  return out;
}
/** What both rules do. */
function meet(a: Rule, b: Rule): Rule {
  if (a === null || b === null) return null;
  if (a.severity === 'suspend') return b;
  if (b.severity === 'suspend') return a;
  return { severity: RANK[a.severity] <= RANK[b.severity] ? a.severity : b.severity, reject_media: a.reject_media && b.reject_media, reject_reports: a.reject_reports && b.reject_reports };
}

async function syncTracked(emu: Emulator, ws: Workspace, domains: string[], args: string[] = []) {
  const before = emu.blocks();
  const mark = emu.effects().length;
  const from = emu.requests.length;
  const r = await ws.run(['sync', '--yes', ...args]);
  const writes = emu.requests.slice(from).filter((q) => q.method !== 'GET' && q.path.startsWith(BLOCKS));
  const idToDomain = new Map([...before, ...emu.blocks()].map((b) => [b.id, b.domain]));
  const log = writes.map((q) => {
    const body = q.body as { domain?: string; severity?: string; reject_reports?: unknown } | undefined;
    const target = q.method === 'POST' ? body?.domain : idToDomain.get(q.path.split('/').pop()!);
    return `${q.method} ${target}${q.method === 'PUT' && body?.severity ? ` ${body.severity}` : ''}`;
  });
  return { r, log, tooLoose: momentsTooLoose(before, emu.effects().slice(mark), domains) };
}

describe('a looser child under a parent the plan deletes or lowers', () => {
  it('parent deleted: lowered to what the child needs, the child created, then the parent deleted; the subdomain is never left without its rule', async () => {
    const { emu, ws } = await setup([{ domain: 'example.com', severity: 'suspend', private_comment: MARKER }], [{ domain: 'a.example.com', severity: 'silence', reject_media: true }]);
    const { r, log, tooLoose } = await syncTracked(emu, ws, ['a.example.com', 'b.example.com', 'example.com']);
    expect(r.code, show(r)).toBe(0);
    expect(tooLoose).toEqual([]);
    expect(log).toEqual(['PUT example.com silence', 'POST a.example.com', 'DELETE example.com']);
    expect(emu.blocks().map((b) => [b.domain, b.severity, b.reject_media])).toEqual([['a.example.com', 'silence', true]]);
    expect(r.stdout).toMatch(/3 write requests/);
    // The plan says so before anything is written.
    expect(r.stdout).toMatch(/- delete {3}example\.com[^\n]*first lowered to silence \+ reject_media for a\.example\.com \(one more write\)\)$/m);
    const again = await syncTracked(emu, ws, ['a.example.com']);
    expect(again.log).toEqual([]);
  });

  it('parent lowered (fuzz seed 11): the child keeps reject_reports at every moment', async () => {
    const { emu, ws } = await setup(
      [{ domain: 'b.test', severity: 'suspend', private_comment: MARKER }],
      [{ domain: 'b.test', severity: 'noop' }, { domain: 'x.b.test', severity: 'noop', reject_reports: true }],
    );
    const { r, log, tooLoose } = await syncTracked(emu, ws, ['x.b.test', 'y.b.test', 'b.test']);
    expect(r.code, show(r)).toBe(0);
    expect(tooLoose).toEqual([]);
    expect(log).toEqual(['PUT b.test noop', 'POST x.b.test', 'PUT b.test']);
    const by = new Map(emu.blocks().map((b) => [b.domain, b]));
    expect([by.get('b.test')?.severity, by.get('b.test')?.reject_reports]).toEqual(['noop', false]);
    expect([by.get('x.b.test')?.severity, by.get('x.b.test')?.reject_reports]).toEqual(['noop', true]);
    expect((await syncTracked(emu, ws, [])).log).toEqual([]);
  });

  it('max_writes = 1: every slice leaves the subdomain covered, and the slices converge', async () => {
    const { emu, ws } = await setup([{ domain: 'example.com', severity: 'suspend', private_comment: MARKER }], [{ domain: 'a.example.com', severity: 'silence' }], { max_writes: 1 });
    const start = emu.blocks();
    const mark = emu.effects().length;
    const logs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { r, log } = await syncTracked(emu, ws, ['a.example.com']);
      expect(r.code, show(r)).toBe(0);
      if (log.length === 0) break;
      logs.push(...log);
    }
    expect(momentsTooLoose(start, emu.effects().slice(mark), ['a.example.com', 'b.example.com'])).toEqual([]);
    expect(logs).toEqual(['PUT example.com silence', 'POST a.example.com', 'DELETE example.com']);
    expect(emu.blocks().map((b) => [b.domain, b.severity])).toEqual([['a.example.com', 'silence']]);
  });
});
