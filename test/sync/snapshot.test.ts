import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyBlock } from '../../src/model.js';
import type { StoredBlock } from '../../src/model.js';
import { storeFingerprint } from '../../src/sync/fingerprint.js';
import { listSnapshots, readSnapshot, writeSnapshot } from '../../src/sync/snapshot.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fediblock-snap-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const block = (id: string, domain: string, extra: Partial<StoredBlock> = {}): StoredBlock => ({ ...emptyBlock(domain), id, ...extra });

describe('snapshots', () => {
  it('writes <destination>-<UTC stamp>.json atomically, sorted, without foreign fields; reads it back', async () => {
    const now = new Date('2026-11-25T09:45:00.678Z');
    const blocks = [block('2', 'z.example', { private_comment: '[fediblock]' }), { ...block('1', 'a.example', { created_at: '2026-01-01T00:00:00.000Z' }), token: 'SECRET-TOKEN' } as StoredBlock];
    const file = await writeSnapshot(path.join(dir, 'snaps'), 'social.example', blocks, now);
    expect(path.basename(file)).toBe('social.example-20261125T094500Z.json');
    const text = await fs.readFile(file, 'utf8');
    expect(text).not.toContain('SECRET-TOKEN');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(await fs.readdir(path.join(dir, 'snaps'))).toEqual([path.basename(file)]);
    const raw = JSON.parse(text);
    expect(raw.version).toBe(1);
    const snap = await readSnapshot(file);
    expect(snap.destination).toBe('social.example');
    expect(snap.taken_at).toBe('2026-11-25T09:45:00.678Z');
    expect(snap.blocks.map((b) => b.domain)).toEqual(['a.example', 'z.example']);
    expect(snap.blocks[0]).toEqual({ ...block('1', 'a.example'), created_at: '2026-01-01T00:00:00.000Z' });
    expect(storeFingerprint(snap.blocks)).toBe(storeFingerprint(blocks));
  });

  it('lists a destination\'s snapshots oldest first, never overwriting within one second', async () => {
    const d = path.join(dir, 's');
    expect(await listSnapshots(d, 'social.example')).toEqual([]);
    const t1 = new Date('2026-11-25T09:45:00Z');
    const t0 = new Date('2026-11-24T23:00:00Z');
    const a = await writeSnapshot(d, 'social.example', [], t1);
    const b = await writeSnapshot(d, 'social.example', [block('1', 'x.example')], t1);
    const c = await writeSnapshot(d, 'social.example', [], t0);
    await writeSnapshot(d, 'social.example-other', [], t1);
    await writeSnapshot(d, 'other.example', [], t1);
    await fs.writeFile(path.join(d, 'social.example-notes.json'), '{}');
    expect(path.basename(b)).toBe('social.example-20261125T094500Z-2.json');
    expect(await listSnapshots(d, 'social.example')).toEqual([c, a, b]);
    expect((await readSnapshot(b)).blocks).toHaveLength(1);
  });

  it('makes a file store path a safe file name', async () => {
    const file = await writeSnapshot(dir, '../lists/published.csv', [], new Date('2026-11-25T09:45:00Z'));
    expect(path.dirname(file)).toBe(dir);
    expect(await listSnapshots(dir, '../lists/published.csv')).toEqual([file]);
  });

  it('refuses invalid snapshots with a message naming the file and field', async () => {
    const file = path.join(dir, 'bad.json');
    await fs.writeFile(file, JSON.stringify({ version: 1, destination: 'x', taken_at: 't', blocks: [{ id: '1', domain: 'a.example', severity: 'ban' }] }));
    await expect(readSnapshot(file)).rejects.toThrow(/snapshot .*bad\.json is not a fediblock snapshot: blocks\[0\]\.severity/);
    await fs.writeFile(file, '{nope');
    await expect(readSnapshot(file)).rejects.toThrow(/not valid JSON/);
    await fs.writeFile(file, '[]');
    await expect(readSnapshot(file)).rejects.toThrow(/not a fediblock snapshot/);
    await expect(readSnapshot(path.join(dir, 'missing.json'))).rejects.toThrow(/cannot read snapshot/);
  });
});

describe('storeFingerprint', () => {
  it('ignores order and created_at/digest, and sees every field that matters', () => {
    const a = [block('1', 'a.example'), block('2', 'b.example', { public_comment: 'x' })];
    const fp = storeFingerprint(a);
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    expect(storeFingerprint([...a].reverse())).toBe(fp);
    expect(storeFingerprint([{ ...a[0]!, created_at: 'x', digest: 'y' }, a[1]!])).toBe(fp);
    for (const change of [{ id: '9' }, { severity: 'silence' as const }, { reject_media: true }, { reject_reports: true }, { obfuscate: true }, { public_comment: 'p' }, { private_comment: 'q' }]) {
      expect(storeFingerprint([{ ...a[0]!, ...change }, a[1]!])).not.toBe(fp);
    }
    expect(storeFingerprint([])).not.toBe(fp);
  });
});
