// Errors from a GoToSocial or Akkoma API, worded for the admin. Like the Mastodon client's, they
// carry `status` (401/403 stop an apply) and `unreachable`, and never the token.
import { FediblockError } from '../../errors.js';

export class DestinationHttpError extends FediblockError {
  readonly status: number | undefined;
  readonly host: string;
  readonly method: string;
  readonly path: string;
  readonly unreachable: boolean;
  constructor(message: string, info: { status?: number; host: string; method: string; path: string; hint?: string; unreachable?: boolean }) {
    super(message, info.hint === undefined ? {} : { hint: info.hint });
    this.name = 'DestinationHttpError';
    this.status = info.status;
    this.host = info.host;
    this.method = info.method;
    this.path = info.path;
    this.unreachable = info.unreachable === true;
  }
}

/** `{"error": "..."}` as both servers send it, shortened. */
export function errorText(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'error' in body) {
    const e = (body as { error: unknown }).error;
    if (typeof e === 'string' && e.trim() !== '') return e.length > 300 ? `${e.slice(0, 300)}…` : e;
  }
  return undefined;
}
