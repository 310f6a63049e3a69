// Journal-based `restore` through the built CLI against the emulator (issue 9, hole 3;
// decisions.md second round): undo fediblock's own writes since a snapshot, newest first, and
// never write a block only the admin touched.
import { beforeAll, describe, expect, it } from 'vitest';
import type { StoredBlock } from '../../src/model.js';
import { ensureBuilt } from './helpers.js';
import { BLOCKS, MARKER, setup, show } from './journal-helpers.js';

beforeAll(ensureBuilt, 120_000);

const fields = (b: StoredBlock | undefined) =>
  b && { domain: b.domain, severity: b.severity, reject_media: b.reject_media, reject_reports: b.reject_reports, obfuscate: b.obfuscate, public_comment: b.public_comment, private_comment: b.private_comment };
const sorted = (bs: StoredBlock[]) => [...bs].sort((a, b) => (a.domain < b.domain ? -1 : 1));
const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

describe('restore SNAPSHOT from the journal', () => {
  it('hands an adopted block back as the admin made it (a block made by hand after the snapshot is never deleted)', async () => {
    const s = await setup({
      emulator: { blocks: [{ domain: 'old.example', severity: 'suspend', private_comment: MARKER }] },
      destination: { adopt: true, max_followed_severity: 'suspend' },
      list: ['old.example', { domain: 'a.example', severity: 'silence' }],
    });
    const r1 = await s.ws.run(['sync', '--yes']);
    expect(r1.code, show(r1)).toBe(0);
    const [first] = await s.ws.snapshots();
    expect(first).toBeDefined();
    const original = sorted(s.emu.blocks());

    // The admin blocks a domain by hand; a later list names it too, and adopt = true takes it over.
    const hand = await s.byHand('POST', BLOCKS, { domain: 'hand.example', severity: 'silence', private_comment: 'by alice', public_comment: 'rude' });
    expect(hand.status).toBe(200);
    const made = s.block('hand.example')!;
    await s.setList(['old.example', { domain: 'a.example', severity: 'silence' }, 'hand.example']);
    const r2 = await s.ws.run(['sync', '--yes']);
    expect(r2.code, show(r2)).toBe(0);
    // Adoption keeps alice's public comment (the list has none) and appends the marker once.
    expect(s.block('hand.example')).toMatchObject({ severity: 'suspend', public_comment: 'rude', private_comment: `by alice ${MARKER}` });

    // Restore the snapshot taken before the first sync, without -d: the snapshot names the destination.
    const mark = s.emu.requests.length;
    const r3 = await s.ws.run(['restore', first!, '--yes']);
    expect(r3.code, show(r3)).toBe(0);
    const now = sorted(s.emu.blocks());
    // a.example (created by the first sync) is gone; the hand-made block is exactly as alice made it.
    expect(now.map((b) => b.domain)).toEqual(['hand.example', 'old.example']);
    expect(s.block('hand.example')).toEqual(made);
    expect(fields(s.block('old.example'))).toEqual(fields(original.find((b) => b.domain === 'old.example')));
    const writes = s.emu.requests.slice(mark).filter((r) => WRITE.has(r.method) && r.path.startsWith(BLOCKS));
    expect(writes.map((w) => `${w.method} ${w.path.replace(/\d+$/, 'ID')}`).sort()).toEqual([`DELETE ${BLOCKS}/ID`, `PUT ${BLOCKS}/ID`]);

    // The restore is in the journal too, and `log` shows it.
    const log = await s.ws.run(['log', 'hand.example']);
    expect(log.stdout).toMatch(/ adopted hand\.example, a block made by hand: limited → suspended — tier0 \(max plan\); adopting hand-made block\n/);
    expect(log.stdout).toMatch(/ \(restore\) updated hand\.example: suspended → limited — adopted by fediblock since the snapshot; handing it back as it was made by hand\n/);
  });

  it('puts back what fediblock updated and deleted, deletes what it created, and leaves blocks the admin changed since', async () => {
    const s = await setup({
      emulator: {
        blocks: [
          { domain: 'keep.example', severity: 'silence', reject_media: true, public_comment: 'old reason', private_comment: `Garden Fence 2026-01-01 ${MARKER}` },
          { domain: 'drop.example', severity: 'suspend', public_comment: 'gone', private_comment: `note ${MARKER}` },
          { domain: 'mine.example', severity: 'suspend', private_comment: 'by hand' },
        ],
      },
      destination: { max_followed_severity: 'suspend' },
      list: [{ domain: 'keep.example', severity: 'silence', reject_media: true, public_comment: 'old reason' }, 'drop.example'],
    });
    const before = sorted(s.emu.blocks());
    // Sync 1: nothing to do yet but a create, so the snapshot before it is the state to return to.
    await s.setList([{ domain: 'keep.example', severity: 'silence', reject_media: true, public_comment: 'old reason' }, 'drop.example', 'new.example', 'edited.example']);
    const r1 = await s.ws.run(['sync', '--yes']);
    expect(r1.code, show(r1)).toBe(0);
    const [snap] = await s.ws.snapshots();

    // Sync 2: keep.example raised with a new reason, drop.example lifted.
    await s.setList([{ domain: 'keep.example', severity: 'suspend', public_comment: 'new reason' }, 'new.example', 'edited.example']);
    const r2 = await s.ws.run(['sync', '--yes']);
    expect(r2.code, show(r2)).toBe(0);
    expect(s.block('drop.example')).toBeUndefined();

    // The admin edits a block fediblock created, and blocks a domain by hand.
    const edited = s.block('edited.example')!;
    expect((await s.byHand('PUT', `${BLOCKS}/${edited.id}`, { severity: 'silence' })).status).toBe(200);
    expect((await s.byHand('POST', BLOCKS, { domain: 'later.example', severity: 'suspend' })).status).toBe(200);
    const editedNow = s.block('edited.example');
    const later = s.block('later.example');

    const dry = await s.ws.run(['restore', snap!, '-d', 'admin.example', '--dry-run']);
    expect(dry.code, show(dry)).toBe(0);
    expect(dry.stdout).toMatch(/changed by hand since fediblock last wrote it; left alone \(1\): edited\.example/);
    expect(dry.stdout.trimEnd().split('\n').at(-1)).toBe('dry run: nothing was written');

    const mark = s.emu.requests.length;
    const r3 = await s.ws.run(['restore', snap!, '-d', 'admin.example', '--yes']);
    expect(r3.code, show(r3)).toBe(0);
    // Back as before the first sync: keep.example's fields (and private comment) restored, drop.example recreated.
    for (const d of ['keep.example', 'drop.example', 'mine.example']) expect(fields(s.block(d)), d).toEqual(fields(before.find((b) => b.domain === d)));
    expect(s.block('new.example')).toBeUndefined();
    // What the admin touched stays as the admin left it.
    expect(s.block('edited.example')).toEqual(editedNow);
    expect(s.block('later.example')).toEqual(later);
    const touched = s.emu.requests
      .slice(mark)
      .filter((r) => WRITE.has(r.method) && r.path.startsWith(BLOCKS))
      .map((r) => r.method);
    expect(touched.sort()).toEqual(['DELETE', 'POST', 'PUT']);

    // Restoring the same snapshot again finds nothing left to undo: the restore undid itself only
    // back to the same state, so nothing is written.
    const mark2 = s.emu.requests.length;
    const r4 = await s.ws.run(['restore', snap!, '--yes']);
    expect(r4.code, show(r4)).toBe(0);
    expect(s.emu.requests.slice(mark2).filter((r) => WRITE.has(r.method))).toHaveLength(0);
  });
});
