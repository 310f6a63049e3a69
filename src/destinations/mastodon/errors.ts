// Errors from talking to a Mastodon instance, worded so an admin knows what to fix. Messages name
// the host, the method and the path; they never contain the token (every message is scrubbed of it).
import { FediblockError } from '../../errors.js';

/** Scopes fediblock asks admins to grant: admin:read covers listing and measures. */
export const RECOMMENDED_SCOPES = 'admin:read admin:write:domain_blocks';

/** What an API call needs, for error messages. */
export interface CallNeeds {
  /** The narrowest scope that works for this call. */
  scope: string;
  /** The role permission the account needs, as Mastodon's role editor names it. */
  permission: string;
}

/** An HTTP-level failure: the server answered, but not with what we needed. */
export class MastodonHttpError extends FediblockError {
  readonly status: number | undefined;
  readonly host: string;
  readonly method: string;
  readonly path: string;
  /** No answer at all (network error or timeout), after every retry. */
  readonly unreachable: boolean;
  constructor(message: string, info: { status?: number; host: string; method: string; path: string; hint?: string; cause?: unknown; unreachable?: boolean }) {
    super(message, {
      ...(info.hint === undefined ? {} : { hint: info.hint }),
      ...(info.cause === undefined ? {} : { cause: info.cause }),
    });
    this.name = 'MastodonHttpError';
    this.status = info.status;
    this.host = info.host;
    this.method = info.method;
    this.path = info.path;
    this.unreachable = info.unreachable === true;
  }
}

/**
 * The follow-count check (`POST /api/v1/admin/measures`) failed, for whatever reason (scope,
 * permission, old server, timeout, bad answer). Callers treat the domain as followed (cap its
 * severity) and warn; they never abort the run for it.
 */
export class MeasuresError extends FediblockError {
  readonly domain: string;
  readonly status: number | undefined;
  /** Not asked: the token was refused measures earlier in this run (the refusal is reported once). */
  readonly refusedEarlier: boolean;
  constructor(domain: string, message: string, opts: { status?: number; cause?: unknown; refusedEarlier?: boolean } = {}) {
    super(message, opts.cause === undefined ? {} : { cause: opts.cause });
    this.name = 'MeasuresError';
    this.domain = domain;
    this.status = opts.status;
    this.refusedEarlier = opts.refusedEarlier === true;
  }
}

/** Replace every occurrence of the token in `text`. */
export function scrubToken(text: string, token: string | undefined): string {
  if (!token) return text;
  return text.split(token).join('[REDACTED]');
}

/** The server's `error` string, shortened, for messages. */
export function serverMessage(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'error' in body) {
    const e = (body as { error: unknown }).error;
    if (typeof e === 'string' && e.trim() !== '') return e.length > 300 ? `${e.slice(0, 300)}…` : e;
  }
  return undefined;
}

/**
 * Turn a 401/403 into a message naming what to fix. Mastodon's strings are localised, so the
 * English phrases are only used to pick the likelier cause; an unrecognised 403 names both causes.
 */
export function authMessage(status: 401 | 403, where: string, host: string, needs: CallNeeds, body: unknown): { message: string; hint: string } {
  const msg = serverMessage(body) ?? '';
  if (status === 401) {
    return {
      message: `${host} rejected the token (unknown, revoked or expired) on ${where}: create a new one with scopes ${RECOMMENDED_SCOPES}`,
      hint: `In Mastodon: Preferences → Development → New application, scopes ${RECOMMENDED_SCOPES}; then update the token variable.`,
    };
  }
  if (/outside the authorized scopes/i.test(msg)) {
    return {
      message: `${host} refused ${where}: the token lacks the scope ${needs.scope}`,
      hint: `Create a token with scopes ${RECOMMENDED_SCOPES} (${needs.scope} is needed here).`,
    };
  }
  if (/not allowed/i.test(msg)) {
    return {
      message: `${host} refused ${where}: the account lacks the permission (${needs.permission})`,
      hint: 'Give the token owner a role with Manage Federation (domain blocks) and View Dashboard (follower checks).',
    };
  }
  if (/login is currently disabled/i.test(msg)) {
    return { message: `${host} refused ${where}: the token's account is disabled or suspended`, hint: 'Use a token of an active admin account.' };
  }
  return {
    message: `${host} refused ${where} (403${msg ? `: ${msg}` : ''}): either the token lacks the scope ${needs.scope} or the account lacks the permission (${needs.permission})`,
    hint: `Check the token's scopes (${RECOMMENDED_SCOPES}) and the account's role.`,
  };
}
