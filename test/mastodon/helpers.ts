import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake clock shared by the client and a server: sleeping advances it instantly, so waits are
 * asserted on, never spent. Concurrent sleepers each move it to at least their own wake-up time.
 */
export function fakeClock(start = Date.UTC(2026, 10, 25, 8, 50, 0)) {
  const c = {
    t: start,
    sleeps: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => {
      c.sleeps.push(ms);
      c.t = Math.max(c.t, c.t + ms);
      await new Promise((r) => setImmediate(r));
    },
  };
  return c;
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A small purpose-built 127.0.0.1 server; the handler may answer however it likes. */
export async function tinyServer(handler: (req: SeenRequest, res: ServerResponse, n: number) => void | Promise<void>) {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: SeenRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(r);
      void Promise.resolve(handler(r, res, seen.length - 1)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)), ...headers });
  res.end(payload);
}

export const entity = (id: number, domain: string, extra: Record<string, unknown> = {}) => ({
  id: String(id),
  domain,
  digest: 'x',
  created_at: '2026-11-25T08:50:18.123Z',
  severity: 'suspend',
  reject_media: false,
  reject_reports: false,
  private_comment: null,
  public_comment: null,
  obfuscate: false,
  ...extra,
});
