// Loopback HTTP servers and temp dirs for the fetch tests.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FetchSettings } from '../../src/sources/load-sources.js';

export interface TestServer {
  url: string;
  port: number;
  /** Every request seen, in order. */
  requests: { method: string; url: string; headers: IncomingMessage['headers'] }[];
  /** Responses the handler sent, by status. */
  statuses: number[];
  inFlight: number;
  maxInFlight: number;
  close(): Promise<void>;
}

export async function startServer(handler: (req: IncomingMessage, res: ServerResponse, srv: TestServer) => void | Promise<void>): Promise<TestServer> {
  const server = createServer();
  const srv: TestServer = {
    url: '',
    port: 0,
    requests: [],
    statuses: [],
    inFlight: 0,
    maxInFlight: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('request', (req, res) => {
    srv.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    srv.inFlight++;
    srv.maxInFlight = Math.max(srv.maxInFlight, srv.inFlight);
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      srv.inFlight--;
    };
    res.on('finish', () => {
      srv.statuses.push(res.statusCode);
      end();
    });
    res.on('close', end);
    void handler(req, res, srv);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  srv.port = (server.address() as AddressInfo).port;
  srv.url = `http://127.0.0.1:${srv.port}`;
  return srv;
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = await startServer(() => undefined);
  const port = s.port;
  await s.close();
  return port;
}

export async function tempDir(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'fediblock-fetch-'));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

export function settings(cacheDir: string, over: Partial<FetchSettings> = {}): FetchSettings {
  return {
    cacheDir,
    timeoutMs: 5_000,
    maxBytes: 1_000_000,
    maxStaleMs: 7 * 24 * 3600 * 1000,
    shrinkGuard: 0.25,
    rejectRatio: 0.5,
    concurrency: 4,
    acceptShrink: new Set(),
    ...over,
  };
}

/** A text list of `n` domains: d0.example … */
export function textList(n: number, prefix = 'd'): string {
  let s = '';
  for (let i = 0; i < n; i++) s += `${prefix}${i}.example\n`;
  return s;
}

export const noSleep = async (): Promise<void> => undefined;

/**
 * Servers and clean-ups a test file registers, released after each test: `serve` starts a
 * loopback server that is closed afterwards, `cleanups` takes any other teardown.
 */
export function useServers(afterEach: (fn: () => Promise<void>) => void) {
  const servers: TestServer[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await Promise.all(cleanups.splice(0).map((c) => c()));
  });
  const serve = async (h: Parameters<typeof startServer>[0]) => {
    const s = await startServer(h);
    servers.push(s);
    return s;
  };
  return { serve, cleanups };
}
