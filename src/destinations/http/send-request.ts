// One HTTP request and its whole answer, through undici's dispatch API rather than its
// stream-based `request()`: no Readable body, no async iterator, no AbortSignal per request. A
// sync into 50 instances sends 10,000 requests from one process on a shared core, and there
// `request()`'s machinery was a large part of the client's CPU time per request (see README,
// performance). Behaviour is the same: the answer is read whole up to a size limit, and the
// attempt as a whole is bounded in time (an Error named TimeoutError, as AbortSignal.timeout gave).
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
  body?: string;
  timeoutMs: number;
  maxBodyBytes: number;
}

export function sendRequest(dispatcher: Dispatcher, r: SendRequest): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let settled = false;
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err: Error | undefined, answer?: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(answer!);
    };
    const stop = (err: Error) => {
      if (controller && !controller.aborted) controller.abort(err);
      finish(err);
    };
    const timer = setTimeout(() => stop(Object.assign(new Error(`no answer within ${r.timeoutMs} ms`), { name: 'TimeoutError' })), r.timeoutMs);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (settled) c.abort(new Error('request abandoned'));
      },
      onResponseStart(_c, statusCode, h) {
        status = statusCode;
        headers = h;
      },
      onResponseData(_c, chunk) {
        size += chunk.length;
        if (size > r.maxBodyBytes) stop(new Error(`response larger than ${r.maxBodyBytes} bytes`));
        else chunks.push(chunk);
      },
      onResponseEnd() {
        finish(undefined, { status, headers, text: chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8') });
      },
      onResponseError(_c, err) {
        finish(err);
      },
    };
    try {
      dispatcher.dispatch({ method: r.method as Dispatcher.HttpMethod, path: r.path, headers: r.headers, ...(r.body === undefined ? {} : { body: r.body }) }, handler);
    } catch (err) {
      finish(err as Error);
    }
  });
}
