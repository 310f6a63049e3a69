// One attempt of a request to a destination, as both clients send it: on the kept-alive connection
// (opened on first use), only once the rate budget lets it go, and with the answer's rate-limit
// headers handed back to the budget, whatever happened. It also counts what was actually sent,
// retries included. Headers, the body and the checks on the URL are the client's.
import { networkForbidden } from '../../undici.js';
import type { RateBudget } from './rate-budget.js';
import { Connection, type Answer } from './send-request.js';

/** Answers larger than this are refused. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export class BudgetedConnection {
  private connection: Connection | undefined;
  /** HTTP requests actually sent. */
  requestCount = 0;
  /** Of those, the ones the client marked as writes. */
  writeCount = 0;

  constructor(
    private readonly origin: URL,
    private readonly sockets: number,
    private readonly budget: RateBudget,
    private readonly timeoutMs: number,
  ) {}

  /** `path` is the path and query on the origin. */
  async send(method: string, path: string, headers: Record<string, string>, body: string | undefined, write: boolean | undefined): Promise<Answer> {
    if (networkForbidden()) throw new Error('--offline: this would need the network, and --offline forbids it');
    const connection = (this.connection ??= new Connection(this.origin, this.sockets));
    await this.budget.acquire();
    this.requestCount++;
    if (write) this.writeCount++;
    let resHeaders: Answer['headers'] | undefined;
    try {
      const res = await connection.request({ method, path, headers, body, timeoutMs: this.timeoutMs, maxBodyBytes: MAX_BODY_BYTES });
      resHeaders = res.headers;
      return res;
    } finally {
      this.budget.settle(resHeaders);
    }
  }

  /** Closes the kept-alive connections; a later send opens new ones. */
  close(): void {
    const c = this.connection;
    this.connection = undefined;
    c?.close();
  }
}
