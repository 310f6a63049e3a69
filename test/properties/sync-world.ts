// The world a random history acts on: the Mastodon emulator, a loopback server for the sources,
// and a workspace (config, cache dir) in which the real job layer (runSync, runRestore) runs
// in-process, with the client on the suite's virtual clock (fast-client.ts).
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { StoredBlock } from '../../src/model.js';
import { type Emulator, type FaultResult, startEmulator } from '../emulator/mastodon-emulator.js';
import { clock } from './virtual-clock.js';

export const MARKER = '[fediblock]';
export const OWN_DOMAIN = 'admin.example';
export const TOKEN = 'prop-token';
const TOKEN_ENV = 'FEDIBLOCK_PROP_TOKEN';

export type Severity = 'noop' | 'silence' | 'suspend';
export interface Row {
  domain: string;
  severity: Severity;
  reject_media: boolean;
  reject_reports: boolean;
}

export interface SourceState {
  name: string;
  rows: Row[];
  /** 'fail': the server answers 404. */
  mode: 'ok' | 'fail';
  /** Domains in the last copy fediblock accepted (the shrink guard's baseline), undefined before any. */
  lastGood?: number;
}

export interface RunResult {
  code: number;
  json: any;
  stdout: string;
  stderr: string;
  /** Index into emu.requests and emu.effects() when the run started. */
  requestMark: number;
  effectMark: number;
  /** Blocks when the run started. */
  before: StoredBlock[];
  /** The merged list the run saved (-o), when no source failed. */
  merged?: Row[];
}

const sink = () => {
  let text = '';
  const w = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { w, text: () => text };
};

const csv = (rows: Row[]) =>
  ['domain,severity,reject_media,reject_reports,public_comment,obfuscate', ...rows.map((r) => `${r.domain},${r.severity},${r.reject_media},${r.reject_reports},,false`)].join('\n') + '\n';

export interface World {
  emu: Emulator;
  sources: SourceState[];
  dir: string;
  cacheDir: string;
  /** The fault hook the next run uses (reset after each run). */
  fault: ((writeIndex: number) => FaultResult) | undefined;
  writeConfig(opts: { adopt: boolean; maxWrites: number }): Promise<void>;
  sync(opts?: { force?: boolean }): Promise<RunResult>;
  restore(snapshot: string): Promise<RunResult>;
  /** `fediblock sync --yes --json` through the built CLI (a thin smoke beside the in-process runs). */
  syncCli(): Promise<RunResult>;
  snapshots(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startWorld(sourceNames: string[]): Promise<World> {
  process.env[TOKEN_ENV] = TOKEN;
  const sources: SourceState[] = sourceNames.map((name) => ({ name, rows: [], mode: 'ok' }));
  const server: Server = createServer((req, res) => {
    const name = /^\/lists\/([^/]+)\.csv$/.exec(req.url ?? '')?.[1];
    const s = sources.find((x) => x.name === name);
    if (!s || s.mode === 'fail') {
      // A 404 fails at once: a 5xx would be retried with real backoff sleeps.
      res.writeHead(404, { 'content-type': 'text/plain' }).end('gone');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/csv' }).end(csv(s.rows));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;

  const world: World = {
    emu: undefined as unknown as Emulator,
    sources,
    dir: await mkdtemp(join(tmpdir(), 'fediblock-prop-')),
    cacheDir: '',
    fault: undefined,
    async writeConfig({ adopt, maxWrites }) {
      const lines = [
        '[fetch]',
        `cache_dir = ${JSON.stringify(world.cacheDir)}`,
        'timeout = "5s"',
        '',
        ...sources.flatMap((s) => ['[[source]]', `url = "http://127.0.0.1:${port}/lists/${s.name}.csv"`, `name = "${s.name}"`, 'format = "csv"', '']),
        '[[destination]]',
        `domain = "${OWN_DOMAIN}"`,
        `api_base = ${JSON.stringify(world.emu.url)}`,
        `token_env = "${TOKEN_ENV}"`,
        `adopt = ${adopt}`,
        `max_writes = ${maxWrites}`,
        'brake_min_owned = 3', // low, so that the brakes meet this small universe
      ];
      await writeFile(join(world.dir, 'blocklist.toml'), lines.join('\n') + '\n');
    },
    async sync(opts = {}) {
      const { runSync } = await import('../../src/jobs/sync.js');
      const mergedPath = join(world.dir, 'merged.csv');
      await rm(mergedPath, { force: true });
      const r = await runJob((ctx) => runSync(ctx), { yes: true, json: true, output: mergedPath, ...(opts.force ? { force: true } : {}) });
      const merged = await readFile(mergedPath, 'utf8').then(parseMerged, () => undefined);
      // The shrink guard's baseline moves only when a source was accepted as fresh.
      const status = new Map<string, string>((r.json?.sources ?? []).map((s: { name: string; status: string }) => [s.name, s.status]));
      for (const s of sources) if (status.get(s.name) === 'fresh') s.lastGood = new Set(s.rows.map((x) => x.domain)).size;
      return merged ? { ...r, merged } : r;
    },
    async restore(snapshot) {
      const { runRestore } = await import('../../src/jobs/restore.js');
      return runJob((ctx) => runRestore(ctx), { yes: true, snapshot, destination: OWN_DOMAIN });
    },
    async syncCli() {
      const { runCli } = await import('../e2e/helpers.js');
      const requestMark = world.emu.requests.length;
      const effectMark = world.emu.effects().length;
      const before = world.emu.blocks();
      const r = await runCli(['sync', '--yes', '--json', '-c', join(world.dir, 'blocklist.toml')], { env: { [TOKEN_ENV]: TOKEN, HOME: world.dir, XDG_CACHE_HOME: world.cacheDir } });
      let json: any;
      try {
        json = JSON.parse(r.stdout);
      } catch {
        json = undefined;
      }
      return { code: r.code, json, stdout: r.stdout, stderr: r.stderr, requestMark, effectMark, before };
    },
    async snapshots() {
      const d = join(world.cacheDir, 'snapshots');
      const names = await readdir(d).catch(() => [] as string[]);
      return names.filter((n) => n.endsWith('.json')).sort().map((n) => join(d, n));
    },
    async close() {
      await world.emu.stop();
      await new Promise<void>((r) => server.close(() => r()));
      await rm(world.dir, { recursive: true, force: true });
    },
  };
  world.cacheDir = join(world.dir, 'cache');
  await mkdir(world.cacheDir, { recursive: true });
  world.emu = await startEmulator({
    tokens: { [TOKEN]: { scopes: ['admin:read', 'admin:write'], role: 'admin' } },
    now: clock.now,
    fault: (r) => (r.writeIndex >= 0 && world.fault ? world.fault(r.writeIndex) : undefined),
  });

  async function runJob(job: (ctx: import('../../src/jobs/context.js').JobContext) => Promise<number>, opts: Record<string, unknown>): Promise<RunResult> {
    const out = sink();
    const err = sink();
    const requestMark = world.emu.requests.length;
    const effectMark = world.emu.effects().length;
    const before = world.emu.blocks();
    let code: number;
    try {
      code = await job({
        configPath: join(world.dir, 'blocklist.toml'),
        configExplicit: true,
        quiet: false,
        cacheDir: undefined,
        offline: false,
        opts,
        stdout: out.w,
        stderr: err.w,
        interactive: false,
        color: false,
      });
    } catch (e) {
      // What the CLI reports as an error with an exit code; anything else is a bug and fails the property.
      const { FediblockError } = await import('../../src/errors.js');
      if (!(e instanceof FediblockError)) throw e;
      code = e.exitCode;
      err.w.write(`${e.message}\n`);
    }
    await world.emu.settled();
    await world.emu.restart(); // a crash injected during the run is over by the next step
    let json: any;
    try {
      json = JSON.parse(out.text());
    } catch {
      json = undefined;
    }
    return { code, json, stdout: out.text(), stderr: err.text(), requestMark, effectMark, before };
  }

  return world;
}

function parseMerged(text: string): Row[] {
  const [header, ...lines] = text.trim().split('\n');
  const cols = header!.split(',');
  const at = (name: string) => cols.indexOf(name);
  return lines
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const c = l.split(',');
      const b = (name: string) => at(name) >= 0 && /^true$/i.test(c[at(name)] ?? '');
      return { domain: c[0]!, severity: c[at('severity')] as Severity, reject_media: b('reject_media'), reject_reports: b('reject_reports') };
    });
}
