// SIGTERM and SIGINT for the commands that talk to an instance. systemd and Kubernetes give a
// process seconds, not the minutes a rate-limit window can take: on the first signal every wait is
// abandoned at once (waits sleep on `interruptibleSleep`), no new request is sent, the requests
// already on the wire finish, and the job still writes its journal and summary and exits 1. If it
// is somehow still running a few seconds later (a slow download, a request that hangs), it exits 1
// then; a second signal exits at once.
import { InterruptedError } from '../errors.js';
import { getLogger } from '../log.js';

/** How long the job may take to wrap up after the first signal. */
const GRACE_MS = 5_000;

const controller = new AbortController();
let caught: string | undefined;
let installed = false;

export const interruptSignal = (): AbortSignal => controller.signal;
/** The signal that stopped this run, if one did. */
export const interruptedBy = (): string | undefined => caught;

export function watchInterrupts(): void {
  if (installed) return;
  installed = true;
  const on = (sig: NodeJS.Signals) => {
    if (caught !== undefined) process.exit(1);
    caught = sig;
    void getLogger().then((log) => log.warn({ event: 'interrupted', signal: sig }, `${sig}: abandoning waits, finishing the requests on the wire, then stopping`));
    controller.abort(new InterruptedError(sig));
    setTimeout(() => process.exit(1), GRACE_MS).unref();
  };
  process.on('SIGTERM', on);
  process.on('SIGINT', on);
}

/** A sleep that ends early, with an InterruptedError, when the run is interrupted. */
export function interruptibleSleep(ms: number): Promise<void> {
  const signal = controller.signal;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
