// End-to-end helpers: spawn the built CLI (bin/fediblock.js → dist/bundle) as an admin or a cron
// job would, and write throwaway configs and list files into temp dirs.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/fediblock.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to stdin, then closed; without it stdin is /dev/null (not a TTY either way). */
  input?: string;
}

export function runCli(args: string[], opts: RunOptions = {}): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...opts.env },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * Builds the bundle once when it is missing (`npm test` builds first anyway). Falls back to a
 * plain esbuild call that leaves out modules other work has not landed yet.
 */
export { ensureBuilt } from '../ensure-built.js';

export interface ListRow {
  domain: string;
  severity?: 'noop' | 'silence' | 'suspend';
  reject_media?: boolean;
  reject_reports?: boolean;
  public_comment?: string;
  obfuscate?: boolean;
}

/** A FediBlockHole-style CSV (domain,severity,reject_media,reject_reports,public_comment,obfuscate). */
export function csvList(rows: Array<ListRow | string>): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const b = (v: boolean | undefined) => (v ? 'True' : 'False');
  const lines = ['domain,severity,reject_media,reject_reports,public_comment,obfuscate'];
  for (const r0 of rows) {
    const r = typeof r0 === 'string' ? { domain: r0 } : r0;
    lines.push([r.domain, r.severity ?? 'suspend', b(r.reject_media), b(r.reject_reports), q(r.public_comment ?? ''), b(r.obfuscate)].join(','));
  }
  return lines.join('\n') + '\n';
}

export interface SourceSpec {
  name: string;
  /** A path relative to the workspace, or a URL. */
  url: string;
  format?: string;
}

export interface ConfigSpec {
  /** Emulator base URL. */
  apiBase: string;
  sources: SourceSpec[];
  /** Extra `key = value` lines for the [[destination]] table. */
  destination?: Record<string, string | number | boolean>;
  /** Extra lines for [fetch]. */
  fetch?: Record<string, string | number>;
}

const tomlValue = (v: string | number | boolean) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

export function configToml(dir: string, spec: ConfigSpec): string {
  const lines: string[] = ['[fetch]', `cache_dir = ${JSON.stringify(join(dir, 'cache'))}`, 'timeout = "5s"'];
  for (const [k, v] of Object.entries(spec.fetch ?? {})) lines.push(`${k} = ${tomlValue(v)}`);
  for (const s of spec.sources) {
    lines.push('', '[[source]]', `url = ${JSON.stringify(s.url)}`, `name = ${JSON.stringify(s.name)}`, `format = ${JSON.stringify(s.format ?? 'csv')}`);
  }
  lines.push('', '[[destination]]', 'domain = "admin.example"', `api_base = ${JSON.stringify(spec.apiBase)}`);
  for (const [k, v] of Object.entries(spec.destination ?? {})) lines.push(`${k} = ${tomlValue(v)}`);
  return lines.join('\n') + '\n';
}

export interface Workspace {
  dir: string;
  config: string;
  cacheDir: string;
  env: NodeJS.ProcessEnv;
  /** Writes (or rewrites) a file in the workspace. */
  write(name: string, content: string): Promise<void>;
  /** Runs the CLI with `-c <config>` in the workspace. */
  run(args: string[], opts?: { input?: string; env?: NodeJS.ProcessEnv }): Promise<CliResult>;
  /** Snapshot files, oldest first. */
  snapshots(): Promise<string[]>;
  cleanup(): Promise<void>;
}

/**
 * A temp dir holding `blocklist.toml`, the given files, and a cache dir. HOME and XDG_CACHE_HOME
 * point inside it so nothing leaks between tests or into the real home.
 */
export async function workspace(spec: ConfigSpec, files: Record<string, string>, token = 'test-token'): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'fediblock-e2e-'));
  await mkdir(join(dir, 'cache'), { recursive: true });
  const config = join(dir, 'blocklist.toml');
  await writeFile(config, configToml(dir, spec));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  const env: NodeJS.ProcessEnv = { HOME: dir, XDG_CACHE_HOME: join(dir, 'xdg-cache'), ADMIN_EXAMPLE_TOKEN: token };
  const ws: Workspace = {
    dir,
    config,
    cacheDir: join(dir, 'cache'),
    env,
    write: (name, content) => writeFile(join(dir, name), content),
    run: (args, opts = {}) => runCli(['-c', config, ...args], { cwd: dir, env: { ...env, ...opts.env }, ...(opts.input !== undefined ? { input: opts.input } : {}) }),
    snapshots: async () => {
      const sdir = join(dir, 'cache', 'snapshots');
      if (!existsSync(sdir)) return [];
      // Oldest first by the time written (names share a stamp within one second: `…Z.json`, `…Z-2.json`).
      const files = (await readdir(sdir)).filter((f) => f.endsWith('.json')).map((f) => join(sdir, f));
      const withTimes = await Promise.all(files.map(async (f) => ({ f, t: (await stat(f)).mtimeMs })));
      return withTimes.sort((a, b) => a.t - b.t || a.f.length - b.f.length || (a.f < b.f ? -1 : 1)).map((x) => x.f);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  return ws;
}

/** A tiny HTTP server serving one mutable text body (a URL source). */
export interface ListServer {
  url: string;
  set(body: string): void;
  hits: number;
  close(): Promise<void>;
}

export async function serveList(initial: string, path = '/list.csv'): Promise<ListServer> {
  let body = initial;
  const state = { hits: 0 };
  const server: Server = createServer((req, res) => {
    state.hits++;
    if (req.url !== path) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    set: (b) => {
      body = b;
    },
    get hits() {
      return state.hits;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const addr = s.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
