// The invariant suite drives the job layer in-process; this thin smoke runs one short history's
// syncs through the built CLI instead, and checks I1 and I4 on the emulator's record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../ensure-built.js';
import { checkI1 } from './check-invariants.js';
import { startWorld, type World } from './sync-world.js';

let world: World;
beforeAll(async () => {
  await ensureBuilt();
  world = await startWorld(['tier0', 'garden']);
});
afterAll(() => world.close());

describe('sync through the CLI against the invariant world', () => {
  it('creates what the lists say, never touches a hand-made block, and a second run writes nothing', async () => {
    world.emu.admin.create({ domain: 'c.test', severity: 'silence', private_comment: 'by hand' });
    world.sources[0]!.rows = [
      { domain: 'a.test', severity: 'suspend', reject_media: false, reject_reports: false },
      { domain: 'c.test', severity: 'suspend', reject_media: false, reject_reports: false },
    ];
    world.sources[1]!.rows = [{ domain: 'x.b.test', severity: 'silence', reject_media: true, reject_reports: false }];
    await world.writeConfig({ adopt: false, maxWrites: 0 });
    const first = await world.syncCli();
    expect(first.code, first.stderr).toBe(0);
    const mine = new Set(world.emu.requests.filter((r) => r.effect).map((r) => r.effect!.seq));
    const effects = world.emu.effects().slice(first.effectMark).filter((e) => mine.has(e.seq));
    expect(checkI1(effects, false, 'cli')).toEqual([]);
    expect(world.emu.blocks().map((b) => [b.domain, b.severity]).sort()).toEqual([
      ['a.test', 'suspend'],
      ['c.test', 'silence'],
      ['x.b.test', 'silence'],
    ]);
    const second = await world.syncCli();
    expect(second.code, second.stderr).toBe(0);
    expect(world.emu.requests.slice(second.requestMark).filter((r) => r.method !== 'GET' && r.path.startsWith('/api/v1/admin/domain_blocks'))).toEqual([]);
  });
});
