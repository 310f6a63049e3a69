import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyBlock, type Plan, type PlanEntry } from '../../src/model.js';
import { applyPlan } from '../../src/sync/apply-plan.js';
import { FileStore } from '../../src/destinations/file/file-store.js';
import { ExistingBlockConflict } from '../../src/sync/store.js';
import type { Store } from '../../src/sync/store.js';
import { isStricter } from '../../src/sync/stricter.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fediblock-filestore-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const MASTODON_DUMP = [
  { id: '42', domain: 'bad.example', digest: 'abc', created_at: '2026-11-25T08:50:18.123Z', severity: 'suspend', reject_media: false, reject_reports: false, private_comment: null, public_comment: 'spam', obfuscate: false },
  { id: '7', domain: 'Meh.Example.', created_at: '2026-11-24T08:50:18.123Z', severity: 'silence', reject_media: true, reject_reports: false, private_comment: '[fediblock]', public_comment: null, obfuscate: false },
];

describe('FileStore JSON', () => {
  it('reads a Mastodon admin dump, applies writes in memory and round-trips through flush', async () => {
    const file = path.join(dir, 'blocks.json');
    await fs.writeFile(file, JSON.stringify(MASTODON_DUMP));
    const s = await FileStore.open(file);
    expect(s.format).toBe('json');
    expect(s.name).toBe(file);
    const listed = await s.list();
    expect(listed.map((b) => [b.id, b.domain, b.severity, b.public_comment, b.private_comment])).toEqual([
      ['42', 'bad.example', 'suspend', 'spam', ''],
      ['7', 'meh.example', 'silence', '', '[fediblock]'],
    ]);
    const created = await s.create({ ...emptyBlock('new.example', 'silence'), private_comment: '[fediblock]' });
    expect(created.id).toBe('file:new.example');
    await s.update('7', { severity: 'suspend', public_comment: 'worse' });
    await s.remove('42');
    // Not on disk until flush.
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toHaveLength(2);
    await s.flush();
    const again = await FileStore.open(file);
    const blocks = await again.list();
    expect(blocks.map((b) => [b.id, b.domain, b.severity, b.public_comment])).toEqual([
      ['7', 'meh.example', 'suspend', 'worse'],
      ['file:new.example', 'new.example', 'silence', ''],
    ]);
    expect(blocks[1]?.private_comment).toBe('[fediblock]');
    const text = await fs.readFile(file, 'utf8');
    expect(text).toMatch(/^\[\n {2}\{/); // pretty JSON
    expect((await fs.readdir(dir)).sort()).toEqual(['blocks.json']);
  });

  it('keeps the snapshot wrapper of fediblock snapshots', async () => {
    const file = path.join(dir, 'snap.json');
    await fs.writeFile(file, JSON.stringify({ version: 1, destination: 'x.example', taken_at: '2026-11-25T09:45:00.000Z', blocks: [] }));
    const s = await FileStore.open(file);
    await s.create(emptyBlock('a.example'));
    await s.flush();
    const out = JSON.parse(await fs.readFile(file, 'utf8'));
    expect(out).toMatchObject({ version: 1, destination: 'x.example', blocks: [{ domain: 'a.example', severity: 'suspend' }] });
  });

  it('a missing file is an empty store only with allowMissing', async () => {
    const file = path.join(dir, 'sub', 'published.csv');
    await expect(FileStore.open(file)).rejects.toThrow(/cannot read the file store/);
    const s = await FileStore.open(file, { allowMissing: true, name: 'published' });
    expect(s.name).toBe('published');
    expect(await s.list()).toEqual([]);
    expect((s as Store).followCounts).toBeUndefined();
    await s.create(emptyBlock('a.example'));
    await s.flush();
    expect(await fs.readFile(file, 'utf8')).toBe('domain,severity,reject_media,reject_reports,private_comment,public_comment,obfuscate\na.example,suspend,false,false,,,false\n');
  });

  it('rejects bad rows loudly, naming the file and the row', async () => {
    const file = path.join(dir, 'bad.json');
    await fs.writeFile(file, JSON.stringify([{ id: '1', domain: 'a.example', severity: 'banned' }]));
    await expect(FileStore.open(file)).rejects.toThrow(/bad\.json: block 1: severity/);
    await fs.writeFile(file, JSON.stringify([{ domain: 'a.example', severity: 'suspend' }, { domain: 'A.example', severity: 'silence' }]));
    await expect(FileStore.open(file)).rejects.toThrow(/a\.example appears twice/);
  });
});

describe('FileStore CSV', () => {
  it('round-trips a FediBlockHole CSV keeping its style (True/False, CRLF, extra columns)', async () => {
    const file = path.join(dir, 'list.csv');
    await fs.writeFile(
      file,
      '"domain","severity","reject_media","reject_reports","private_comment","public_comment","obfuscate","note"\r\n' +
        '"QOTO.org","suspend",True,True,,,True,keep me\r\n' +
        '"sealion.club","silence",False,False,"[fediblock]","a, b",False,\r\n',
    );
    const s = await FileStore.open(file);
    expect(s.format).toBe('csv');
    const blocks = await s.list();
    expect(blocks.map((b) => [b.id, b.domain, b.severity, b.reject_media, b.obfuscate, b.public_comment])).toEqual([
      ['file:qoto.org', 'qoto.org', 'suspend', true, true, ''],
      ['file:sealion.club', 'sealion.club', 'silence', false, false, 'a, b'],
    ]);
    await s.update('file:sealion.club', { severity: 'suspend' });
    await s.create({ ...emptyBlock('new.example', 'silence'), reject_media: true });
    await s.flush();
    const text = await fs.readFile(file, 'utf8');
    expect(text.split('\r\n')).toEqual([
      'domain,severity,reject_media,reject_reports,private_comment,public_comment,obfuscate,note',
      'new.example,silence,True,False,,,False,',
      'qoto.org,suspend,True,True,,,True,keep me',
      'sealion.club,suspend,False,False,[fediblock],"a, b",False,',
      '',
    ]);
    const again = await FileStore.open(file);
    expect((await again.list()).map((b) => `${b.domain}:${b.severity}`)).toEqual(['new.example:silence', 'qoto.org:suspend', 'sealion.club:suspend']);
  });

  it('round-trips a Mastodon export CSV, adding #private_comment only when a block needs it', async () => {
    const file = path.join(dir, 'domain_blocks.csv');
    await fs.writeFile(file, '#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\nbad.example,suspend,false,false,"harassment, spam",false\nmedia.example,noop,true,false,,false\n');
    const s = await FileStore.open(file);
    expect(s.format).toBe('mastodon_csv');
    await s.remove('file:media.example');
    await s.create({ ...emptyBlock('owned.example'), private_comment: '[fediblock]' });
    await s.flush();
    expect(await fs.readFile(file, 'utf8')).toBe(
      '#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate,#private_comment\n' +
        'bad.example,suspend,false,false,"harassment, spam",false,\n' +
        'owned.example,suspend,false,false,,false,[fediblock]\n',
    );
    const again = await FileStore.open(file);
    expect((await again.list()).find((b) => b.domain === 'owned.example')?.private_comment).toBe('[fediblock]');
  });

  it('flush without changes does not rewrite the file', async () => {
    const file = path.join(dir, 'list.csv');
    const original = 'domain,severity\n"b.example","silence"\na.example,suspend\n';
    await fs.writeFile(file, original);
    const s = await FileStore.open(file);
    await s.flush();
    expect(await fs.readFile(file, 'utf8')).toBe(original);
  });

  it('booleans: True/true/1 are true; a CSV without a domain header is refused', async () => {
    const file = path.join(dir, 'b.csv');
    await fs.writeFile(file, 'domain,severity,reject_media,reject_reports,obfuscate\na.example,silence,True,1,true\nb.example,,False,0,\n');
    const s = await FileStore.open(file);
    const [a, b] = await s.list();
    expect([a?.reject_media, a?.reject_reports, a?.obfuscate]).toEqual([true, true, true]);
    expect([b?.severity, b?.reject_media, b?.reject_reports, b?.obfuscate]).toEqual(['suspend', false, false, false]);
    await fs.writeFile(file, 'a.example\nb.example\n');
    await expect(FileStore.open(file)).rejects.toThrow(/no header row/);
    await fs.writeFile(file, 'domain,severity\na.example,limit\n');
    await expect(FileStore.open(file)).rejects.toThrow(/row 2: invalid severity "limit"/);
  });
});

describe('FileStore create rules (Mastodon)', () => {
  const open = async (blocks: object[]) => {
    const file = path.join(dir, 'rules.json');
    await fs.writeFile(file, JSON.stringify(blocks));
    return FileStore.open(file);
  };

  it('same domain is always a conflict, even when stricter', async () => {
    const s = await open([{ id: '1', domain: 'a.example', severity: 'silence' }]);
    const err = await s.create(emptyBlock('a.example', 'suspend')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExistingBlockConflict);
    expect((err as ExistingBlockConflict).existing).toMatchObject({ id: '1', domain: 'a.example', severity: 'silence' });
  });

  it('a child under a parent at least as strict is a conflict naming the parent; a stricter child is accepted', async () => {
    const s = await open([
      { id: '1', domain: 'silenced.example', severity: 'silence', reject_media: true },
      { id: '2', domain: 'suspended.example', severity: 'suspend' },
    ]);
    // suspend is always stricter: accepted
    await expect(s.create(emptyBlock('x.y.suspended.example', 'suspend'))).resolves.toMatchObject({ domain: 'x.y.suspended.example' });
    expect((await s.list()).some((b) => b.domain === 'x.y.suspended.example')).toBe(true);
    const c2 = await s.create(emptyBlock('sub.suspended.example', 'silence')).catch((e: unknown) => e);
    expect((c2 as ExistingBlockConflict).existing.domain).toBe('suspended.example');
    // Equal severity without reject_media is looser than a parent with it.
    const c3 = await s.create(emptyBlock('sub.silenced.example', 'silence')).catch((e: unknown) => e);
    expect((c3 as ExistingBlockConflict).existing.domain).toBe('silenced.example');
    // Equal severity with the same flags counts as stricter: accepted.
    await s.create({ ...emptyBlock('ok.silenced.example', 'silence'), reject_media: true });
    // The most specific parent decides.
    const c4 = await s.create(emptyBlock('deeper.ok.silenced.example', 'noop')).catch((e: unknown) => e);
    expect((c4 as ExistingBlockConflict).existing.domain).toBe('ok.silenced.example');
    // A parent above existing children is fine (the check only looks upward).
    await s.create(emptyBlock('example', 'silence'));
  });

  it('update and remove of an unknown id fail', async () => {
    const s = await open([]);
    await expect(s.update('nope', { severity: 'noop' })).rejects.toThrow(/no block with id nope/);
    await expect(s.remove('nope')).rejects.toThrow(/no block with id nope/);
  });
});

describe('isStricter', () => {
  const b = (severity: 'noop' | 'silence' | 'suspend', reject_media = false, reject_reports = false) => ({ severity, reject_media, reject_reports });
  it('follows stricter_than?', () => {
    expect(isStricter(b('suspend'), b('suspend', true, true))).toBe(true);
    expect(isStricter(b('silence', true, true), b('suspend'))).toBe(false);
    expect(isStricter(b('noop', true, true), b('silence'))).toBe(false);
    expect(isStricter(b('silence'), b('silence'))).toBe(true);
    expect(isStricter(b('silence'), b('noop', true))).toBe(false);
    expect(isStricter(b('silence', true), b('noop', true))).toBe(true);
    expect(isStricter(b('noop', false, true), b('noop', false, true))).toBe(true);
    expect(isStricter(b('noop'), b('noop', false, true))).toBe(false);
  });
});

describe('FileStore under applyPlan: writes count (and are journaled) only once the file is saved', () => {
  const plan = (entries: PlanEntry[]): Plan => ({ version: 1, destination: 'file', created_at: '2026-12-03T04:00:00Z', store_fingerprint: '', entries, holds: [] });
  const create = (domain: string): PlanEntry => ({ action: 'create', domain, desired: { ...emptyBlock(domain, 'suspend'), private_comment: '[fediblock]' } });

  it('each write is handed to the journal after the file holds it', async () => {
    const file = path.join(dir, 'list.json');
    await fs.writeFile(file, '[]');
    const s = await FileStore.open(file);
    const seen: string[] = [];
    const r = await applyPlan(plan([create('a.example'), create('b.example')]), s, {
      onWritten: async (w) => {
        const onDisk = (JSON.parse(await fs.readFile(file, 'utf8')) as Array<{ domain: string }>).map((b) => b.domain);
        seen.push(`${w.entry.domain}:${onDisk.includes(w.entry.domain) ? 'saved' : 'not saved'}`);
      },
    });
    expect(r.created).toEqual(['a.example', 'b.example']);
    expect(seen.sort()).toEqual(['a.example:saved', 'b.example:saved']);
  });

  it('a file that cannot be saved: every write failed, none handed to the journal, the file as it was', async () => {
    const sub = path.join(dir, 'sub');
    await fs.mkdir(sub);
    const file = path.join(sub, 'list.json');
    await fs.writeFile(file, JSON.stringify([{ domain: 'old.example', severity: 'suspend', private_comment: '[fediblock]' }]));
    const s = await FileStore.open(file);
    const old = (await s.list())[0]!;
    // The folder is replaced by a plain file between reading and saving: the save fails.
    await fs.rm(sub, { recursive: true });
    await fs.writeFile(sub, 'not a folder');
    const outcomes: unknown[] = [];
    const r = await applyPlan(plan([create('a.example'), { action: 'delete', domain: 'old.example', current: old }]), s, { onWritten: (w) => void outcomes.push(w) });
    expect(outcomes).toEqual([]);
    expect(r.created).toEqual([]);
    expect(r.deleted).toEqual([]);
    expect(r.failed.map((f) => [f.action, f.domain, f.flush])).toEqual([
      ['create', 'a.example', true],
      ['delete', 'old.example', true],
    ]);
    expect(r.flushFailed).toMatchObject({ writes: 2, uncertain: false, unsafe: false });
    expect(await fs.readFile(sub, 'utf8')).toBe('not a folder');
  });
});

describe('FileStore under applyPlan: an interrupt before the save', () => {
  it('writes nothing after SIGTERM/SIGINT: the collected changes are not saved, not journaled, and reported as not started', async () => {
    const file = path.join(dir, 'list.json');
    await fs.writeFile(file, '[]');
    const s = await FileStore.open(file);
    const ac = new AbortController();
    const outcomes: unknown[] = [];
    const entries: PlanEntry[] = ['a.example', 'b.example'].map((domain) => ({ action: 'create', domain, desired: { ...emptyBlock(domain, 'suspend'), private_comment: '[fediblock]' } }));
    // The signal comes while the second change is being collected.
    const r = await applyPlan({ version: 1, destination: 'file', created_at: '2026-12-03T04:00:00Z', store_fingerprint: '', entries, holds: [] }, s, {
      concurrency: 1,
      signal: ac.signal,
      onProgress: (done) => done === 1 && ac.abort(),
      onWritten: (w) => void outcomes.push(w),
    });
    expect(await fs.readFile(file, 'utf8')).toBe('[]');
    expect(outcomes).toEqual([]);
    expect(r.aborted).toBe(true);
    expect(r.created).toEqual([]);
    expect(r.skipped.map((x) => [x.domain, x.reason])).toEqual([
      ['a.example', 'not started: the run was interrupted'],
      ['b.example', 'not started: the run was interrupted'],
    ]);
    expect(r.writes).toBe(0);
  });
});
