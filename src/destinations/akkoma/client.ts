// Akkoma/Pleroma's admin config API, for the one setting fediblock edits (`:pleroma, :mrf_simple`).
// Facts (issue 12, from Akkoma 3.16's source): GET/POST /api/v1/pleroma/admin/config; a POST
// replaces each sent subkey whole and keeps the others; the database config must be enabled
// (400 "You must enable configurable_from_database …"); a Bearer token with admin:read to read and
// admin:write to write, on an admin account (403 "User is not an admin." / "Insufficient
// permissions: admin:write."). `/api/v1/domain_blocks` is a user's own mute list: never used.
import { FediblockError } from '../../errors.js';
import { DestinationHttpError, errorText } from '../http/errors.js';
import { parseJson, type HttpTransport, type Raw } from '../http/transport.js';

const CONFIG = '/api/v1/pleroma/admin/config';
export const AKKOMA_SCOPES = 'admin:read admin:write';

export class AkkomaClient {
  readonly t: HttpTransport;
  constructor(t: HttpTransport) {
    this.t = t;
  }

  get host(): string {
    return this.t.host;
  }

  /** The whole admin config answer ({configs: [...]}). */
  async readConfig(): Promise<unknown> {
    const res = await this.t.request('GET', CONFIG);
    this.refuse(res, 'GET', 'admin:read');
    if (res.status !== 200) throw this.unexpected(res, 'GET');
    const body = parseJson(res);
    if (!body || typeof body !== 'object' || !Array.isArray((body as { configs?: unknown }).configs)) {
      throw new DestinationHttpError(`${this.host} returned an unexpected answer to GET ${CONFIG} (no configs list)`, { host: this.host, method: 'GET', path: CONFIG });
    }
    return body;
  }

  /** One POST of the given :mrf_simple subkeys. No retry of 500: a write is never repeated blindly. */
  async writeMrfSimple(subkeys: unknown[]): Promise<void> {
    const body = { configs: [{ group: ':pleroma', key: ':mrf_simple', value: subkeys }] };
    const res = await this.t.request('POST', CONFIG, { body, write: true, retryStatuses: [502, 503, 504] });
    this.refuse(res, 'POST', 'admin:write');
    if (res.status !== 200) throw this.unexpected(res, 'POST');
  }

  close(): Promise<void> {
    return this.t.close();
  }

  private refuse(res: Raw, method: string, scope: string): void {
    const said = errorText(parseJson(res)) ?? '';
    const info = { status: res.status, host: this.host, method, path: CONFIG };
    if (res.status === 400 && /configurable_from_database/.test(said)) {
      throw new DestinationHttpError(`${this.host} keeps its settings in files only: fediblock edits :mrf_simple through the admin config API, which needs configurable_from_database`, {
        ...info,
        hint: 'Set `config :pleroma, configurable_from_database: true` in the server\'s config file (then migrate it: `pleroma_ctl config migrate_to_db`), and restart it.',
      });
    }
    if (res.status === 401) {
      throw new DestinationHttpError(this.t.scrub(`${this.host} rejected the token on ${method} ${CONFIG}${said ? ` (${said})` : ''}: it is missing, unknown or revoked`), {
        ...info,
        hint: `Create a token for an admin account with scopes ${AKKOMA_SCOPES}.`,
      });
    }
    if (res.status === 403) {
      const why = /invalid credentials/i.test(said)
        ? 'the token is missing, unknown or revoked'
        : /not an admin/i.test(said)
        ? 'the token\'s account is not an admin'
        : /insufficient permissions/i.test(said)
          ? `the token lacks the scope ${scope} (granular admin scopes do not count)`
          : `either the token lacks the scope ${scope} or its account is not an admin`;
      throw new DestinationHttpError(this.t.scrub(`${this.host} refused ${method} ${CONFIG}${said ? ` ("${said}")` : ''}: ${why}`), {
        ...info,
        hint: `Use a token of an admin account with scopes ${AKKOMA_SCOPES}.`,
      });
    }
  }

  private unexpected(res: Raw, method: string): FediblockError {
    const said = errorText(parseJson(res));
    return new DestinationHttpError(this.t.scrub(`${this.host} answered ${method} ${CONFIG} with HTTP ${res.status}${said ? `: ${said}` : ''}`), { status: res.status, host: this.host, method, path: CONFIG });
  }
}
