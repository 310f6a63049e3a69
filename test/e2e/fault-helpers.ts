// Helpers for the fault-injection and secrets suites (issue 4): spawn the built CLI, serve list
// sources from loopback HTTP servers that can be made to fail in the ways upstreams fail, and
// write throwaway workspaces. Independent of helpers.ts (the sync-scenario suite's) on purpose.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/fediblock.js');
export const MARKER = '[fediblock]';
export const BLOCKS_PATH = '/api/v1/admin/domain_blocks';

export { ensureBuilt } from '../ensure-built.js';

// ---- running the CLI --------------------------------------------------------------------------

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Spawned {
  child: ChildProcess;
  done: Promise<CliResult>;
}

export function spawnCli(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<CliResult>((ok, fail) => {
    child.on('error', fail);
    child.on('close', (code, signal) => {
      const r = { code, signal, stdout, stderr };
      if (process.env.FAULTS_DEBUG) console.log(`$ fediblock ${args.join(' ')}\n${show(r)}`);
      ok(r);
    });
  });
  return { child, done };
}

export const runCli = (args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<CliResult> => spawnCli(args, opts).done;

export const show = (r: CliResult): string => `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** The first stderr line matching every pattern (one line a person can act on), or undefined. */
export function lineWith(text: string, ...patterns: RegExp[]): string | undefined {
  return text.split('\n').find((l) => patterns.every((p) => p.test(l)));
}

// ---- list sources that fail on demand -------------------------------------------------------

/**
 * - ok: 200 with the body;
 * - down: nothing listens on the port (connection refused);
 * - timeout: the request is accepted and never answered;
 * - html: 200 with an HTML error page (a proxy or a CDN "challenge");
 * - truncated: Content-Length twice the body, half of it sent, then the socket destroyed;
 * - empty: 200 with no body at all.
 */
export type SourceMode = 'ok' | 'down' | 'timeout' | 'html' | 'truncated' | 'empty';

export interface FaultySource {
  url: string;
  /** host:port */
  host: string;
  setBody(body: string): void;
  setMode(mode: SourceMode): Promise<void>;
  readonly hits: number;
  close(): Promise<void>;
}

export async function faultySource(initial: string, path = '/list.csv'): Promise<FaultySource> {
  let body = initial;
  let mode: SourceMode = 'ok';
  let hits = 0;
  let server: Server | undefined;
  let port = 0;
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    hits++;
    if (req.url !== path) {
      res.writeHead(404).end();
      return;
    }
    switch (mode) {
      case 'timeout':
        hanging.add(res);
        return;
      case 'html':
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end('<!DOCTYPE html>\n<html><head><title>Just a moment...</title></head>\n<body><h1>Checking your browser</h1>\n<p>example.com,suspend</p></body></html>\n');
        return;
      case 'truncated': {
        const buf = Buffer.from(body, 'utf8');
        res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-length': String(buf.length * 2) });
        res.write(buf.subarray(0, Math.floor(buf.length / 2)));
        setTimeout(() => res.socket?.destroy(), 50);
        return;
      }
      case 'empty':
        res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-length': '0' }).end();
        return;
      default:
        res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'cache-control': 'no-store' }).end(body);
    }
  };

  const listen = () =>
    new Promise<void>((ok, fail) => {
      const s = createServer(handle);
      s.on('connection', (sock) => {
        sockets.add(sock);
        sock.on('close', () => sockets.delete(sock));
      });
      s.once('error', fail);
      s.listen(port, '127.0.0.1', () => {
        const a = s.address();
        if (a && typeof a === 'object') port = a.port;
        server = s;
        ok();
      });
    });
  const stop = async () => {
    const s = server;
    server = undefined;
    if (!s) return;
    for (const r of hanging) r.destroy();
    hanging.clear();
    for (const sock of sockets) sock.destroy();
    await new Promise<void>((r) => s.close(() => r()));
  };

  await listen();
  return {
    url: `http://127.0.0.1:${port}${path}`,
    host: `127.0.0.1:${port}`,
    setBody: (b) => {
      body = b;
    },
    async setMode(m) {
      for (const r of hanging) r.destroy();
      hanging.clear();
      mode = m;
      if (m === 'down') await stop();
      else if (!server) await listen();
    },
    get hits() {
      return hits;
    },
    close: stop,
  };
}

// ---- lists, configs, workspaces ----------------------------------------------------------------

export interface Row {
  domain: string;
  severity?: 'noop' | 'silence' | 'suspend';
  public_comment?: string;
}

/** FediBlockHole-style CSV. */
export function csvList(rows: Array<Row | string>): string {
  const lines = ['domain,severity,reject_media,reject_reports,public_comment,obfuscate'];
  for (const r0 of rows) {
    const r = typeof r0 === 'string' ? { domain: r0 } : r0;
    lines.push(`${r.domain},${r.severity ?? 'silence'},False,False,${r.public_comment ?? ''},False`);
  }
  return lines.join('\n') + '\n';
}

const tomlValue = (v: string | number | boolean) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

export interface ConfigSpec {
  sources: Array<{ name: string; url: string; format?: string }>;
  /** Emulator URL; omitted = no destination. */
  apiBase?: string;
  fetch?: Record<string, string | number>;
  destination?: Record<string, string | number | boolean>;
  /** Raw TOML appended at the end. */
  extra?: string;
}

export function configToml(dir: string, spec: ConfigSpec): string {
  const lines = ['[fetch]', `cache_dir = ${JSON.stringify(join(dir, 'cache'))}`];
  const fetch = { timeout: '5s', ...spec.fetch };
  for (const [k, v] of Object.entries(fetch)) lines.push(`${k} = ${tomlValue(v)}`);
  for (const s of spec.sources) {
    lines.push('', '[[source]]', `url = ${JSON.stringify(s.url)}`, `name = ${JSON.stringify(s.name)}`, `format = ${JSON.stringify(s.format ?? 'csv')}`);
  }
  if (spec.apiBase !== undefined) {
    lines.push('', '[[destination]]', 'domain = "admin.example"', `api_base = ${JSON.stringify(spec.apiBase)}`);
    for (const [k, v] of Object.entries(spec.destination ?? {})) lines.push(`${k} = ${tomlValue(v)}`);
  }
  if (spec.extra) lines.push('', spec.extra);
  return lines.join('\n') + '\n';
}

export interface Workspace {
  dir: string;
  config: string;
  cacheDir: string;
  lockFile: string;
  env: NodeJS.ProcessEnv;
  write(name: string, content: string, mode?: number): Promise<string>;
  writeConfig(spec: ConfigSpec, mode?: number): Promise<void>;
  run(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult>;
  spawn(args: string[], env?: NodeJS.ProcessEnv): Spawned;
  cleanup(): Promise<void>;
}

/** A temp dir with blocklist.toml and a cache dir; HOME and XDG_CACHE_HOME point inside it. */
export async function makeWorkspace(spec: ConfigSpec, env: NodeJS.ProcessEnv = {}): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'fediblock-faults-'));
  await mkdir(join(dir, 'cache'), { recursive: true });
  const config = join(dir, 'blocklist.toml');
  const baseEnv: NodeJS.ProcessEnv = { HOME: dir, XDG_CACHE_HOME: join(dir, 'xdg-cache'), ...env };
  const ws: Workspace = {
    dir,
    config,
    cacheDir: join(dir, 'cache'),
    lockFile: join(dir, 'cache', 'fediblock.lock'),
    env: baseEnv,
    async write(name, content, mode) {
      const p = join(dir, name);
      await writeFile(p, content, mode === undefined ? {} : { mode });
      return p;
    },
    async writeConfig(s, mode = 0o600) {
      await rm(config, { force: true });
      await writeFile(config, configToml(dir, s), { mode });
    },
    run: (args, extra = {}) => runCli(['-c', config, ...args], { cwd: dir, env: { ...baseEnv, ...extra } }),
    spawn: (args, extra = {}) => spawnCli(['-c', config, ...args], { cwd: dir, env: { ...baseEnv, ...extra } }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  await ws.writeConfig(spec);
  return ws;
}

/** Every regular file under `dir`, recursively. */
export async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  await walk(dir);
  return out;
}

/** Files under `dir` whose bytes contain `needle`. */
export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const f of await walkFiles(dir)) {
    if ((await stat(f)).size > 50_000_000) continue;
    if ((await readFile(f)).includes(needle)) hits.push(f);
  }
  return hits;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll until `cond` holds (no wall-clock assertion: only a generous ceiling against hangs). */
export async function waitFor(cond: () => boolean, what: string, ceilingMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ceilingMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
