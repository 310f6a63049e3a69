// At most `size` calls running at once; the others wait in arrival order. A destination client
// passes every request through one, so it needs to be cheap: a slot is handed straight to the next
// waiter (no promise chain per call, unlike p-limit), which also means a newcomer can never slip
// in between and exceed the size.
export class RequestGate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`gate size must be a positive integer, got ${size}`);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active < this.size) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
