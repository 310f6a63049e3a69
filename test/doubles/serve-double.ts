// The loopback server the destination doubles run on: node:http only (a double shares no library
// with the client), each request's body read whole before the handler sees it, and every open
// connection cut on stop so a test never waits for keep-alive sockets.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface DoubleServer {
  url: string;
  stop(): Promise<void>;
}

export async function serveDouble(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<DoubleServer> {
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => handle(req, res, text));
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
