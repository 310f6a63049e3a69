// Shared set-up for the journal, log and restore end-to-end suites: an emulator, a workspace whose
// sources are local CSV files, and direct admin calls for "edits by hand" between runs.
import { afterEach } from 'vitest';
import { readJournal, type Journal } from '../../src/journal/read-journal.js';
import type { StoredBlock } from '../../src/model.js';
import { type Emulator, type EmulatorOptions, startEmulator } from '../emulator/mastodon-emulator.js';
import { type ConfigSpec, type ListRow, type Workspace, csvList, workspace } from './helpers.js';

export const TOKEN = 'journal-e2e-token-7c1d9e';
export const MARKER = '[fediblock]';
export const BLOCKS = '/api/v1/admin/domain_blocks';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

export interface Setup {
  emu: Emulator;
  ws: Workspace;
  setList(rows: Array<ListRow | string>): Promise<void>;
  journal(): Promise<Journal>;
  /** An admin's own call to the API, as if made in Mastodon's interface. */
  byHand(method: string, path: string, body?: unknown): Promise<{ status: number; data: unknown }>;
  block(domain: string): StoredBlock | undefined;
}

export async function setup(opts: { emulator?: EmulatorOptions; list?: Array<ListRow | string>; destination?: ConfigSpec['destination'] }): Promise<Setup> {
  const emu = await startEmulator({ tokens: { [TOKEN]: { scopes: ['admin:read', 'admin:write'], role: 'admin' } }, ...opts.emulator });
  cleanups.push(() => emu.stop());
  const ws = await workspace(
    { apiBase: emu.url, sources: [{ name: 'tier0', url: 'list.csv' }], ...(opts.destination ? { destination: opts.destination } : {}) },
    { 'list.csv': csvList(opts.list ?? []) },
    TOKEN,
  );
  cleanups.push(() => ws.cleanup());
  return {
    emu,
    ws,
    setList: (rows) => ws.write('list.csv', csvList(rows)),
    journal: () => readJournal(ws.cacheDir, 'admin.example'),
    byHand: async (method, path, body) => {
      const res = await fetch(emu.url + path, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, data: (await res.json().catch(() => undefined)) as unknown };
    },
    block: (domain) => emu.blocks().find((b) => b.domain === domain),
  };
}

export const show = (r: { code: number; stdout: string; stderr: string }) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
