// GoToSocial's admin domain-block API (0.19.x facts: issue 12, mastodon-api.md §8). Differences
// from Mastodon that shape this client:
// - every block is a suspension; the entity has no severity, digest or reject flags;
// - the list is one unpaginated array, with domains in Unicode (normalised to ASCII here);
// - POST of an existing domain answers 200 with the existing block (comments untouched);
// - 409 means another admin action on the domain is still running: re-read, then retry later;
// - PUT (0.19.0+) changes only obfuscate and the comments, 405 before; GET by id answers 500 for
//   an unknown id, so this client never reads a single block;
// - an invalid domain answers 500, so writes do not retry 500 (they would only repeat it).
import { FediblockError } from '../../errors.js';
import type { StoredBlock } from '../../model.js';
import { normalizeDomain } from '../../sources/normalize-domain.js';
import { DestinationHttpError, errorText } from '../http/errors.js';
import { parseJson, type HttpTransport, type Raw } from '../http/transport.js';

const BLOCKS = '/api/v1/admin/domain_blocks';
export const GTS_SCOPES = 'admin:read:domain_blocks admin:write:domain_blocks';
const WRITE_RETRIES = [502, 503, 504] as const;

/** What a GoToSocial block can carry besides its domain. */
export interface GtsFields {
  obfuscate: boolean;
  public_comment: string;
  private_comment: string;
}

/** Another admin action on the domain was still running (409); the caller retries later. */
export class GtsBusyError extends DestinationHttpError {}

export class GoToSocialClient {
  readonly t: HttpTransport;
  constructor(t: HttpTransport) {
    this.t = t;
  }

  get host(): string {
    return this.t.host;
  }

  async listDomainBlocks(): Promise<StoredBlock[]> {
    const res = await this.t.request('GET', BLOCKS);
    this.refuse(res, 'GET', BLOCKS, 'admin:read:domain_blocks');
    if (res.status !== 200) throw this.unexpected(res, 'GET', BLOCKS);
    const body = parseJson(res);
    if (!Array.isArray(body)) throw new DestinationHttpError(`${this.host} returned something other than a list from GET ${BLOCKS}`, { host: this.host, method: 'GET', path: BLOCKS });
    return body.map((e, i) => this.toStored(e, `GET ${BLOCKS} item ${i}`));
  }

  /** The created block, or the one that already existed (GoToSocial answers both with 200). */
  async createDomainBlock(domain: string, f: GtsFields): Promise<StoredBlock> {
    checkDomain(domain);
    const res = await this.t.request('POST', BLOCKS, { body: { domain, ...f }, write: true, retryStatuses: WRITE_RETRIES });
    this.refuse(res, 'POST', BLOCKS, 'admin:write:domain_blocks');
    if (res.status === 200 || res.status === 201) return this.toStored(parseJson(res), `POST ${BLOCKS}`);
    if (res.status === 409) throw this.busy(res, 'POST', BLOCKS, domain);
    if (res.status === 500) {
      throw new DestinationHttpError(this.t.scrub(`${this.host} answered 500 to blocking ${domain}${this.said(res)}; GoToSocial does so for a domain it considers invalid`), {
        status: 500,
        host: this.host,
        method: 'POST',
        path: BLOCKS,
      });
    }
    throw this.unexpected(res, 'POST', BLOCKS, domain);
  }

  /** Only obfuscate and the comments can change (0.19.0+); older versions answer 405. */
  async updateDomainBlock(id: string, f: Partial<GtsFields>): Promise<StoredBlock> {
    checkId(id);
    if (Object.keys(f).length === 0) throw new FediblockError(`refusing an empty update of domain block ${id} (GoToSocial answers 400)`);
    const path = `${BLOCKS}/${encodeURIComponent(id)}`;
    const res = await this.t.request('PUT', path, { body: f, write: true, retryStatuses: WRITE_RETRIES });
    this.refuse(res, 'PUT', path, 'admin:write:domain_blocks');
    if (res.status === 200) return this.toStored(parseJson(res), `PUT ${path}`);
    if (res.status === 405) {
      throw new DestinationHttpError(`${this.host} cannot update a domain block in place (PUT answered 405: GoToSocial before 0.19)`, { status: 405, host: this.host, method: 'PUT', path });
    }
    if (res.status === 404) throw new DestinationHttpError(`${this.host} has no domain block ${id} any more; it was probably removed by hand: run again to re-plan`, { status: 404, host: this.host, method: 'PUT', path });
    if (res.status === 409) throw this.busy(res, 'PUT', path, id);
    throw this.unexpected(res, 'PUT', path);
  }

  /** A block already gone (404) counts as deleted. */
  async deleteDomainBlock(id: string): Promise<void> {
    checkId(id);
    const path = `${BLOCKS}/${encodeURIComponent(id)}`;
    const res = await this.t.request('DELETE', path, { write: true, retryStatuses: WRITE_RETRIES });
    this.refuse(res, 'DELETE', path, 'admin:write:domain_blocks');
    if (res.status === 200 || res.status === 204 || res.status === 404) return;
    if (res.status === 409) throw this.busy(res, 'DELETE', path, id);
    throw this.unexpected(res, 'DELETE', path);
  }

  close(): Promise<void> {
    return this.t.close();
  }

  private toStored(e: unknown, where: string): StoredBlock {
    const o = (e ?? {}) as Record<string, unknown>;
    const str = (k: string): string => (typeof o[k] === 'string' ? (o[k] as string) : '');
    if (typeof o.id !== 'string' || o.id === '' || typeof o.domain !== 'string' || o.domain === '') {
      throw new DestinationHttpError(`${this.host} returned an unexpected domain block from ${where} (no id or domain)`, { host: this.host, method: where.split(' ')[0]!, path: BLOCKS });
    }
    // Stored as punycode, returned in Unicode: compare in the ASCII form the merged list uses.
    const n = normalizeDomain(o.domain);
    const b: StoredBlock = {
      id: o.id,
      domain: n.ok ? n.domain : o.domain.toLowerCase(),
      severity: 'suspend',
      reject_media: false,
      reject_reports: false,
      obfuscate: o.obfuscate === true,
      public_comment: str('public_comment'),
      private_comment: str('private_comment'),
    };
    if (str('created_at')) b.created_at = str('created_at');
    return b;
  }

  private said(res: Raw): string {
    const m = errorText(parseJson(res));
    return m ? ` (${m})` : '';
  }

  private refuse(res: Raw, method: string, path: string, scope: string): void {
    if (res.status === 401) {
      throw new DestinationHttpError(this.t.scrub(`${this.host} rejected the token on ${method} ${path}${this.said(res)}: it is missing, unknown or revoked`), {
        status: 401,
        host: this.host,
        method,
        path,
        hint: `In GoToSocial, create an application and token with scopes ${GTS_SCOPES} (or admin) for an admin account; then update the token variable.`,
      });
    }
    if (res.status === 403) {
      throw new DestinationHttpError(this.t.scrub(`${this.host} refused ${method} ${path}${this.said(res)}: the token lacks the scope ${scope} (or admin), or its account is not an admin`), {
        status: 403,
        host: this.host,
        method,
        path,
        hint: `Use a token of an admin account with scopes ${GTS_SCOPES} (GoToSocial enforces scopes from 0.19).`,
      });
    }
  }

  private busy(res: Raw, method: string, path: string, what: string): GtsBusyError {
    return new GtsBusyError(this.t.scrub(`${this.host}: another admin action on ${what} is still running (409${this.said(res)})`), { status: 409, host: this.host, method, path });
  }

  private unexpected(res: Raw, method: string, path: string, domain?: string): DestinationHttpError {
    return new DestinationHttpError(this.t.scrub(`${this.host} answered ${method} ${path}${domain ? ` for ${domain}` : ''} with HTTP ${res.status}${this.said(res)}`), {
      status: res.status,
      host: this.host,
      method,
      path,
    });
  }
}

function checkDomain(domain: string): void {
  if (typeof domain !== 'string' || domain === '' || domain.length > 253 || !/^[a-z0-9.-]+$/.test(domain) || domain.startsWith('.') || domain.includes('..')) {
    throw new FediblockError(`refusing to send an invalid domain "${String(domain).slice(0, 80)}" (GoToSocial answers 500 for it)`);
  }
}

function checkId(id: string): void {
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new FediblockError(`invalid domain block id "${String(id).slice(0, 40)}"`);
}

/** Whether a GoToSocial version can update blocks in place (PUT from 0.19.0); unknown → assume yes. */
export function gtsCanUpdate(version: string): boolean {
  const m = /^v?(\d+)\.(\d+)\./.exec(version.trim());
  if (!m) return true;
  const maj = Number(m[1]);
  const min = Number(m[2]);
  return maj > 0 || min >= 19;
}
