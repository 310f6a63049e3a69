// The journal through the built CLI against the emulator: every write sync and apply make is a
// line in <cache_dir>/journal/<destination>.jsonl, with the ids the instance gave, before the
// run reports; the snapshot names the run that follows it.
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { isRunEnd } from '../../src/journal/journal-record.js';
import { ensureBuilt } from './helpers.js';
import { BLOCKS, MARKER, setup, show } from './journal-helpers.js';

beforeAll(ensureBuilt, 120_000);

describe('journal of sync and apply', () => {
  it('records creates, updates, adoptions and deletes with the instance’s ids, and a run_end per run', async () => {
    const s = await setup({
      emulator: {
        blocks: [
          { domain: 'hand.example', severity: 'silence', private_comment: 'by alice', public_comment: 'rude' },
          { domain: 'mine.example', severity: 'silence', private_comment: MARKER },
          { domain: 'gone.example', severity: 'suspend', private_comment: `added 2026-01-01 ${MARKER}` },
          { domain: 'left.example', severity: 'suspend', private_comment: 'by bob' },
        ],
      },
      destination: { adopt: true, max_followed_severity: 'suspend' },
      list: [{ domain: 'new.example', severity: 'suspend', public_comment: 'spam' }, { domain: 'hand.example', severity: 'suspend' }, { domain: 'mine.example', severity: 'suspend' }],
    });
    const before = new Map(s.emu.blocks().map((b) => [b.domain, b]));
    const r = await s.ws.run(['sync', '--yes']);
    expect(r.code, show(r)).toBe(0);

    const j = await s.journal();
    expect(j.warnings).toEqual([]);
    const by = new Map(j.entries.map((e) => [e.domain, e]));
    expect([...by.keys()].sort()).toEqual(['gone.example', 'hand.example', 'mine.example', 'new.example']);
    const created = s.block('new.example')!;
    expect(by.get('new.example')).toMatchObject({ command: 'sync', destination: 'admin.example', action: 'create', before: null, after: { id: created.id, severity: 'suspend', public_comment: 'spam', private_comment: MARKER } });
    expect(by.get('hand.example')).toMatchObject({
      action: 'adopt',
      before: { id: before.get('hand.example')!.id, severity: 'silence', private_comment: 'by alice', public_comment: 'rude' },
      after: { id: before.get('hand.example')!.id, severity: 'suspend', private_comment: `by alice ${MARKER}` },
    });
    expect(by.get('mine.example')).toMatchObject({ action: 'update', before: { severity: 'silence' }, after: { severity: 'suspend' } });
    expect(by.get('gone.example')).toMatchObject({ action: 'delete', before: { id: before.get('gone.example')!.id, private_comment: `added 2026-01-01 ${MARKER}` }, after: null });
    expect(by.has('left.example')).toBe(false);

    const runs = new Set(j.lines.map((l) => l.run));
    expect(runs.size).toBe(1);
    const [run] = [...runs];
    expect(run).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{4}$/);
    const end = j.lines.at(-1)!;
    expect(isRunEnd(end) && end).toMatchObject({ action: 'run_end', exit: 0, writes: 4 });

    // The snapshot names the run that followed it.
    const [snap] = await s.ws.snapshots();
    expect(JSON.parse(await readFile(snap!, 'utf8'))).toMatchObject({ destination: 'admin.example', run });

    // A run with nothing to do writes nothing, not even a run_end.
    const again = await s.ws.run(['sync', '--yes']);
    expect(again.code, show(again)).toBe(0);
    expect((await s.journal()).lines).toHaveLength(j.lines.length);

    // sync --json names the run, so announce --run and log can find it.
    await s.setList([{ domain: 'new.example', severity: 'suspend', public_comment: 'spam' }, { domain: 'hand.example', severity: 'suspend' }, { domain: 'mine.example', severity: 'suspend' }, 'more.example']);
    const third = await s.ws.run(['sync', '--yes', '--json']);
    expect(third.code, show(third)).toBe(0);
    const doc = JSON.parse(third.stdout) as { destinations: Array<{ run?: string }> };
    const j3 = await s.journal();
    expect(doc.destinations[0]!.run).toBe(j3.lines.at(-1)!.run);
    expect(j3.entries.at(-1)).toMatchObject({ run: doc.destinations[0]!.run, action: 'create', domain: 'more.example' });
  });

  it('apply PLAN journals as "apply"; a create the instance refuses is not journaled; a failed run ends with its exit code', async () => {
    const s = await setup({
      destination: { max_followed_severity: 'suspend' },
      list: ['a.example', { domain: 'b.example', severity: 'silence' }],
      emulator: { fault: (req) => (req.method === 'POST' && req.path === BLOCKS && (req.body as { domain?: string } | undefined)?.domain === 'b.example' ? { status: 422, body: { error: 'Validation failed' } } : undefined) },
    });
    const planFile = `${s.ws.dir}/plan.json`;
    expect((await s.ws.run(['sync', '--plan-out', planFile])).code).toBe(0);
    const r = await s.ws.run(['apply', planFile, '--yes']);
    expect(r.code, show(r)).toBe(1);
    const j = await s.journal();
    expect(j.entries.map((e) => [e.command, e.action, e.domain])).toEqual([['apply', 'create', 'a.example']]);
    expect(j.lines.at(-1)).toMatchObject({ command: 'apply', action: 'run_end', exit: 1, writes: 1 });
  });
});
