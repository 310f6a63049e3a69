// `explain DOMAIN -d DESTINATION` end to end against the emulator: after the sources' votes, what
// the planner decides on that instance and why, and the domain's history there from the journal.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../emulator/mastodon-emulator.js';
import { csvList, ensureBuilt, workspace } from './helpers.js';

const ADMIN = 'e2e-admin-token-5e2a81';
beforeAll(ensureBuilt, 120_000);
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const emu = await startEmulator({
    tokens: { [ADMIN]: { scopes: ['admin:read', 'admin:write'], role: 'admin' } },
    follows: { 'friends-there.example': { follows: 3, followers: 1 } },
    blocks: [
      { domain: 'hand.example', severity: 'suspend', private_comment: 'our own call' },
      { domain: 'parent.example', severity: 'suspend', private_comment: '' },
    ],
  });
  cleanups.push(() => emu.stop());
  const list = csvList([
    { domain: 'friends-there.example', public_comment: 'harassment' },
    { domain: 'hand.example', public_comment: 'spam' },
    { domain: 'sub.parent.example', public_comment: 'spam' },
  ]);
  const ws = await workspace({ apiBase: emu.url, sources: [{ name: 'tier0', url: 'list.csv' }] }, { 'list.csv': list }, ADMIN);
  cleanups.push(() => ws.cleanup());
  return { emu, ws };
}

describe('explain -d', { timeout: 120_000 }, () => {
  it('says what the planner decides there and why: capped by follows with counts, hand-made skips, covered by a hand-made parent; then the history', async () => {
    const { ws } = await setup();
    const before = await ws.run(['explain', 'friends-there.example', '-d', 'admin.example']);
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toContain('tier0: suspend');
    expect(before.stdout).toContain('On admin.example:\n  now: not blocked\n  will be created: silence — sources: tier0');
    expect(before.stdout).toContain('  capped by follows: suspend → silence (3 local accounts follow accounts there, 1 account there follows local accounts)');
    expect(before.stdout).toContain('History on admin.example:\n  fediblock has not written this domain there');

    const hand = await ws.run(['explain', 'hand.example', '-d', 'admin.example']);
    expect(hand.stdout).toContain('  now: suspend (hand-made block)\n  left alone: hand-made; set adopt = true to manage it');

    const child = await ws.run(['explain', 'sub.parent.example', '-d', 'admin.example']);
    expect(child.stdout).toMatch(/covered by parent\.example \(suspend\): a hand-made block; Mastodon applies it to sub\.parent\.example/);

    expect((await ws.run(['sync', '--yes'])).code).toBe(0);
    const after = await ws.run(['explain', 'friends-there.example', '-d', 'admin.example', '--json']);
    const doc = JSON.parse(after.stdout) as { destination: { current: { owner: string }; history: Array<{ action: string; command: string; sources: string[] }> } };
    expect(doc.destination.current.owner).toBe('fediblock');
    expect(doc.destination.history.map((h) => [h.command, h.action, h.sources])).toEqual([['sync', 'create', ['tier0']]]);
    const text = await ws.run(['explain', 'friends-there.example', '-d', 'admin.example']);
    expect(text.stdout).toMatch(/History on admin\.example:\n {2}\d{4}-\d\d-\d\d \d\d:\d\d UTC {2}sync create: silence \(tier0; [^)]*\) {2}\[run \d{8}T\d{6}Z-[0-9a-f]+\]/);
  });

  it('an unknown destination is a clear error', async () => {
    const { ws } = await setup();
    const r = await ws.run(['explain', 'x.example', '-d', 'nowhere.example']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no \[\[destination\]\] with domain = "nowhere\.example"/);
  });
});
