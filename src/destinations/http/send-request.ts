// One HTTP request and its whole answer, through undici's dispatch API rather than its
// stream-based `request()`: no Readable body, no async iterator, no AbortSignal per request, and
// one handler object rather than a set of closures. A sync into 50 instances sends 10,000 requests
// from one process on a shared core, and there `request()`'s machinery was a large part of the
// client's CPU time and garbage per request (see README, performance). Behaviour is the same: the
// answer is read whole up to a size limit, and the attempt as a whole is bounded in time (an Error
// named TimeoutError, as AbortSignal.timeout gave).
import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface SendRequest {
  method: string;
  /** Path and query, on the dispatcher's origin. */
  path: string;
  headers: Record<string, string>;
  body?: string | undefined;
  timeoutMs: number;
  maxBodyBytes: number;
}

export function sendRequest(dispatcher: Dispatcher, r: SendRequest): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const exchange = new Exchange(resolve, reject, r.timeoutMs, r.maxBodyBytes);
    try {
      dispatcher.dispatch({ method: r.method as Dispatcher.HttpMethod, path: r.path, headers: r.headers, body: r.body ?? null }, exchange);
    } catch (err) {
      exchange.finish(err as Error);
    }
  });
}

/** The handler undici calls as the answer arrives; it settles the promise once. */
class Exchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private settled = false;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly resolve: (a: Answer) => void,
    private readonly reject: (e: Error) => void,
    private readonly timeoutMs: number,
    private readonly maxBodyBytes: number,
  ) {
    this.timer = setTimeout(onTimeout, timeoutMs, this);
  }

  finish(err: Error | undefined): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    if (err) this.reject(err);
    else {
      const c = this.chunks;
      this.resolve({ status: this.status, headers: this.headers, text: c.length === 1 ? c[0]!.toString('utf8') : Buffer.concat(c).toString('utf8') });
    }
  }

  stop(err: Error): void {
    if (this.controller && !this.controller.aborted) this.controller.abort(err);
    this.finish(err);
  }

  onRequestStart(c: Dispatcher.DispatchController): void {
    this.controller = c;
    if (this.settled) c.abort(new Error('request abandoned'));
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.maxBodyBytes) this.stop(new Error(`response larger than ${this.maxBodyBytes} bytes`));
    else this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.finish(undefined);
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    this.finish(err);
  }

  timedOut(): void {
    this.stop(Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { name: 'TimeoutError' }));
  }
}

function onTimeout(x: Exchange): void {
  x.timedOut();
}
