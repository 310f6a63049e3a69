// Issue 14, points 3 and 4, through the built CLI against the emulator: a long rate-limit wait is
// announced when it starts (also off a terminal, as in cron mail), and SIGTERM abandons the wait at
// once, keeps what was written, writes the journal and the summary, and exits 1 within seconds.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { startEmulator } from '../emulator/mastodon-emulator.js';
import { BIN, csvList, ensureBuilt, workspace } from './helpers.js';

const TOKEN = 'operator-wait-token-0b3c9e';
beforeAll(ensureBuilt, 120_000);
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it('a long rate-limit wait is said when it starts; SIGTERM abandons it, journals, reports and exits 1 within seconds', async () => {
  // 12 requests per epoch-aligned 5-minute window, 10% (2) kept for the admin.
  const emu = await startEmulator({ tokens: { [TOKEN]: { scopes: ['admin:read', 'admin:write'], role: 'admin' } }, rateLimit: { limit: 12, windowMs: 300_000 } });
  cleanups.push(() => emu.stop());
  const rows = Array.from({ length: 40 }, (_, i) => ({ domain: `d${i + 1}.example`, severity: 'silence' as const }));
  const ws = await workspace({ apiBase: emu.url, sources: [{ name: 'list', url: 'list.csv' }] }, { 'list.csv': csvList(rows) }, TOKEN);
  cleanups.push(() => ws.cleanup());

  const child = spawn(process.execPath, [BIN, '-c', ws.config, 'sync', '--yes'], { cwd: ws.dir, env: { PATH: process.env.PATH, NO_COLOR: '1', ...ws.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const exited = new Promise<number>((r) => child.on('close', (code) => r(code ?? -1)));
  const waitLine = new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no wait line within 60 s:\n${stderr}`)), 60_000);
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const m = /^waiting .*$/m.exec(stderr);
      if (m) {
        clearTimeout(t);
        resolve(m[0]);
      }
    });
  });
  const line = await waitLine;
  expect(line).toMatch(/^waiting (\d+m \d{2}s|\d+s) for admin\.example's rate limit \(12 requests \/ 5 min; 2 kept for you\)$/);
  const writesBefore = emu.writes().length;
  expect(writesBefore).toBeGreaterThan(0);

  const killedAt = Date.now();
  child.kill('SIGTERM');
  const code = await exited;
  const took = Date.now() - killedAt;
  expect(code, `${stdout}\n${stderr}`).toBe(1);
  expect(took, 'exit after SIGTERM').toBeLessThan(5_000);
  expect(emu.writes().length, 'no write after the signal').toBe(writesBefore);
  // The summary says what was done and that the rest waits for the next run.
  expect(stdout, stdout).toMatch(new RegExp(`admin\\.example: ${writesBefore} created, 0 updated, 0 deleted.*interrupted; the next run completes the rest`));
  expect(stderr.match(/SIGTERM/g), stderr).toHaveLength(1);
  expect(stderr.match(/^waiting /gm), 'the wait is announced once').toHaveLength(1);
  // The journal has every write and the run's end.
  const journal = (await readFile(join(ws.cacheDir, 'journal', 'admin.example.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { action: string; exit?: number; writes?: number });
  expect(journal.filter((j) => j.action === 'create')).toHaveLength(writesBefore);
  expect(journal.at(-1)).toMatchObject({ action: 'run_end', exit: 1, writes: writesBefore });
}, 90_000);
