// `fediblock log` through the built CLI, reading the journal two syncs against the emulator wrote.
import { appendFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { journalPath } from '../../src/journal/journal-record.js';
import { ensureBuilt } from './helpers.js';
import { setup, show } from './journal-helpers.js';

beforeAll(ensureBuilt, 120_000);

const TIME = '\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}';

describe('fediblock log', () => {
  it('prints the history of every write, of one domain, since a date, and as JSON', async () => {
    const s = await setup({
      destination: { max_followed_severity: 'suspend' },
      list: [{ domain: 'bad.example', severity: 'suspend', public_comment: 'spam' }, { domain: 'quiet.example', severity: 'silence', reject_media: true }],
    });
    expect((await s.ws.run(['sync', '--yes'])).code).toBe(0);
    await s.setList([{ domain: 'quiet.example', severity: 'suspend' }]);
    const r2 = await s.ws.run(['sync', '--yes']);
    expect(r2.code, show(r2)).toBe(0);

    const all = await s.ws.run(['log']);
    expect(all.code, show(all)).toBe(0);
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('admin.example:');
    expect(lines.slice(1).map((l) => l.replace(new RegExp(`^  ${TIME} `), ''))).toEqual([
      'suspended bad.example — tier0 (max plan)',
      'limited quiet.example (media rejected) — tier0 (max plan)',
      // Within a run, what makes the instance stricter is written before what loosens it.
      'updated quiet.example: limited → suspended, media no longer rejected — tier0 (max plan)',
      'lifted bad.example (was suspended) — not named by any source; no longer in the merged list',
    ]);

    const one = await s.ws.run(['log', 'Quiet.Example', '-d', 'admin.example']);
    expect(one.code, show(one)).toBe(0);
    expect(one.stdout).toMatch(new RegExp(`^${TIME} limited quiet\\.example \\(media rejected\\) — tier0 \\(max plan\\)\\n${TIME} updated quiet\\.example: limited → suspended, media no longer rejected — tier0 \\(max plan\\)\\n$`));

    // Exactly that domain: a subdomain's history is its own.
    const sub = await s.ws.run(['log', 'www.bad.example']);
    expect(sub.stdout).toBe('no changes recorded for www.bad.example\n');

    const json = await s.ws.run(['log', 'bad.example', '--json']);
    expect(json.code, show(json)).toBe(0);
    const doc = JSON.parse(json.stdout) as { entries: Array<{ action: string; domain: string; after: { id: string } | null; before: { id: string } | null }>; runs: Array<{ action: string; exit: number }>; warnings: string[] };
    expect(doc.entries.map((x) => `${x.action} ${x.domain}`)).toEqual(['create bad.example', 'delete bad.example']);
    expect(doc.entries[1]!.before!.id).toBe(doc.entries[0]!.after!.id);
    expect(doc.runs.map((r) => [r.action, r.exit])).toEqual([
      ['run_end', 0],
      ['run_end', 0],
    ]);
    expect(doc.warnings).toEqual([]);

    const later = await s.ws.run(['log', '--since', '2099-01-01']);
    expect(later.stdout).toBe('no changes recorded since 2099-01-01T00:00:00.000Z\n');
    const bad = await s.ws.run(['log', '--since', 'last tuesday']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--since "last tuesday" is not a date/);

    // A run killed while appending leaves a torn last line: shown once as a warning, the rest still read.
    await appendFile(journalPath(s.ws.cacheDir, 'admin.example'), '{"v":1,"time":"2026-12-0');
    const torn = await s.ws.run(['log', '-d', 'admin.example']);
    expect(torn.code, show(torn)).toBe(0);
    expect(torn.stdout.trimEnd().split('\n')).toHaveLength(4);
    expect(torn.stderr.match(/warning: .*last line \(\d+\) is incomplete/g)).toHaveLength(1);
  });

  it('says so when nothing was written yet', async () => {
    const s = await setup({ list: [] });
    const r = await s.ws.run(['log', '-d', 'admin.example']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toBe('no changes recorded on admin.example\n');
  });
});
