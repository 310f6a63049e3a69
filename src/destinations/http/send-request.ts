// One HTTP request to a destination and its whole answer, over Node's own http/https client with
// kept-alive connections (one Agent per destination, `concurrency` sockets at most). Destinations
// do not go through undici: its HTTP parser is a WebAssembly module whose compilation alone took
// ~55 MiB of peak memory in every sync (a sync into one instance peaked at 105 MiB, 50 at 175;
// Node's parser is native), and its per-request machinery cost more CPU than the request itself
// when 50 instances were synced at once (README, performance). Behaviour: redirects are never
// followed, the answer is read whole up to a size limit, the attempt as a whole is bounded in time
// (an Error named TimeoutError), and header values are strings, or arrays when a header repeats.
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface SendRequest {
  method: string;
  /** Path and query, on the connection's origin. */
  path: string;
  headers: Record<string, string>;
  body?: string | undefined;
  timeoutMs: number;
  maxBodyBytes: number;
}

/** Kept-alive connections to one origin (https, or http on loopback: checkBaseUrl decides). */
export class Connection {
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;
  private readonly hostname: string;
  private readonly port: number | undefined;

  constructor(origin: URL, sockets: number) {
    const https = origin.protocol === 'https:';
    this.agent = https ? new HttpsAgent({ keepAlive: true, maxSockets: sockets }) : new HttpAgent({ keepAlive: true, maxSockets: sockets });
    this.send = https ? httpsRequest : httpRequest;
    this.hostname = origin.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = origin.port === '' ? undefined : Number(origin.port);
  }

  request(r: SendRequest): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      let settled = false;
      const finish = (err: Error | undefined, answer?: Answer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          req.destroy();
          reject(err);
        } else resolve(answer!);
      };
      const req = this.send({ hostname: this.hostname, port: this.port, path: r.path, method: r.method, headers: r.headers, agent: this.agent }, (res) => readAnswer(res, r.maxBodyBytes, finish));
      const timer = setTimeout(() => finish(Object.assign(new Error(`no answer within ${r.timeoutMs} ms`), { name: 'TimeoutError' })), r.timeoutMs);
      req.on('error', (err) => finish(err));
      if (r.body === undefined) req.end();
      else {
        req.setHeader('content-length', Buffer.byteLength(r.body));
        req.end(r.body);
      }
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}

function readAnswer(res: IncomingMessage, maxBodyBytes: number, finish: (err: Error | undefined, answer?: Answer) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBodyBytes) finish(new Error(`response larger than ${maxBodyBytes} bytes`));
    else chunks.push(chunk);
  });
  res.on('error', (err) => finish(err));
  res.on('aborted', () => finish(new Error('the connection closed before the whole answer came')));
  res.on('end', () => {
    if (!res.complete) return finish(new Error('the connection closed before the whole answer came'));
    finish(undefined, { status: res.statusCode ?? 0, headers: headersOf(res), text: chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8') });
  });
}

/**
 * Lower-case names; a header sent once is a string, a repeated one an array (Node would join some
 * with commas). Built from rawHeaders in one pass: Node's own header objects are built lazily, and
 * each costs as much again.
 */
function headersOf(res: IncomingMessage): IncomingHttpHeaders {
  // No prototype: a header named __proto__ is just a header.
  const out = Object.create(null) as Record<string, string | string[]>;
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i]!.toLowerCase();
    const v = raw[i + 1]!;
    const had = out[k];
    out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return out as IncomingHttpHeaders;
}
