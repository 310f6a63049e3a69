// TEST DOUBLE — `POST /api/v1/statuses` of a Mastodon instance, for `fediblock announce --post`.
// Plugged into mastodon-emulator.ts; kept in its own file so the domain-block emulator stays
// about domain blocks.
//
// Facts, from Mastodon's source (app/controllers/api/v1/statuses_controller.rb,
// app/services/post_status_service.rb, app/validators/status_length_validator.rb):
// - `doorkeeper_authorize! :write, :'write:statuses'`: no or invalid token → 401, a token
//   without either scope → 403 "This action is outside the authorized scopes".
// - `set_thread`: an `in_reply_to_id` that does not exist → 404 "The post you are trying to reply
//   to does not appear to exist."
// - Idempotency: with an `Idempotency-Key` header, PostStatusService first looks the key up
//   (per account, `idempotency:status:<account>:<key>`, kept 3,600 s) and returns the status it
//   made the first time instead of making another.
// - Length: `[spoiler_text, countable_text(text)].join.each_grapheme_cluster.size` must not exceed
//   the limit (500 unless the server is configured otherwise, shown as
//   `configuration.statuses.max_characters` in /api/v2/instance); in countable_text every URL
//   counts as 23 characters and a mention `@user@domain` as `@user`. Over the limit → 422
//   `Validation failed: Text character limit of 500 exceeded`. Blank text → 422 `Validation
//   failed: Text can't be blank`.
// - `visibility` is one of public, unlisted, private, direct; absent → the account's default
//   (public here).
// Emulator choices: the URL and mention patterns below are simpler than Mastodon's extractor; an
// unknown visibility is a 422 with Rails' inclusion message; statuses ids count up from 1 as
// strings (Mastodon's are snowflakes: strings too).

export interface EmulatorStatus {
  id: string;
  /** The text as posted. */
  text: string;
  visibility: 'public' | 'unlisted' | 'private' | 'direct';
  in_reply_to_id: string | null;
  created_at: string;
  /** The token that posted it. */
  token: string;
}

export interface StatusesCaller {
  token?: string;
  /** Token known and not revoked. */
  valid: boolean;
  scopes: string[];
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const VISIBILITIES = ['public', 'unlisted', 'private', 'direct'] as const;
const IDEMPOTENCY_TTL_MS = 3_600_000;
const URL_PLACEHOLDER = 'x'.repeat(23);

/** Mastodon's count of a status's characters (see the header). */
export function mastodonLength(text: string, spoiler = ''): number {
  const countable = text.replace(/https?:\/\/[^\s<>"]+/g, URL_PLACEHOLDER).replace(/(^|[^\w/])@(\w+)@[\w.-]+\w/g, '$1@$2');
  let n = 0;
  for (const _ of new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(spoiler + countable)) n++;
  return n;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function createStatusesApi(opts: { maxCharacters: number; host: string; now: () => number }) {
  const statuses: EmulatorStatus[] = [];
  const idempotency = new Map<string, { id: string; at: number }>();
  let nextId = 1;

  const entity = (s: EmulatorStatus) => ({
    id: s.id,
    created_at: s.created_at,
    in_reply_to_id: s.in_reply_to_id,
    visibility: s.visibility,
    content: `<p>${s.text.split(/\n{2,}/).map((p) => escapeHtml(p).replace(/\n/g, '<br />')).join('</p><p>')}</p>`,
    uri: `https://${opts.host}/users/announcer/statuses/${s.id}`,
    url: `https://${opts.host}/@announcer/${s.id}`,
    spoiler_text: '',
    sensitive: false,
  });

  function post(who: StatusesCaller, params: Record<string, unknown>, idempotencyKey: string | undefined): Reply {
    if (!who.valid) {
      return { status: 401, body: { error: 'The access token is invalid' }, headers: { 'WWW-Authenticate': 'Bearer realm="Doorkeeper", error="invalid_token"' } };
    }
    if (!who.scopes.some((s) => s === 'write' || s === 'write:statuses')) return { status: 403, body: { error: 'This action is outside the authorized scopes' } };
    const replyTo = params.in_reply_to_id;
    if (replyTo !== undefined && replyTo !== null && replyTo !== '' && !statuses.some((s) => s.id === String(replyTo))) {
      return { status: 404, body: { error: 'The post you are trying to reply to does not appear to exist.' } };
    }
    const key = idempotencyKey ? `${who.token}:${idempotencyKey}` : undefined;
    if (key) {
      const seen = idempotency.get(key);
      if (seen && opts.now() - seen.at < IDEMPOTENCY_TTL_MS) return { status: 200, body: entity(statuses.find((s) => s.id === seen.id)!) };
    }
    const text = typeof params.status === 'string' ? params.status : '';
    if (text.trim() === '') return { status: 422, body: { error: "Validation failed: Text can't be blank" } };
    if (mastodonLength(text, typeof params.spoiler_text === 'string' ? params.spoiler_text : '') > opts.maxCharacters) {
      return { status: 422, body: { error: `Validation failed: Text character limit of ${opts.maxCharacters} exceeded` } };
    }
    const v = params.visibility ?? 'public';
    if (!VISIBILITIES.includes(v as EmulatorStatus['visibility'])) return { status: 422, body: { error: 'Validation failed: Visibility is not included in the list' } };
    const s: EmulatorStatus = {
      id: String(nextId++),
      text,
      visibility: v as EmulatorStatus['visibility'],
      in_reply_to_id: replyTo === undefined || replyTo === null || replyTo === '' ? null : String(replyTo),
      created_at: new Date(opts.now()).toISOString(),
      token: who.token ?? '',
    };
    statuses.push(s);
    if (key) idempotency.set(key, { id: s.id, at: opts.now() });
    return { status: 200, body: entity(s) };
  }

  return {
    /** A reply when the request is for this API, else undefined. */
    route(method: string, path: string, params: Record<string, unknown>, who: StatusesCaller, idempotencyKey: string | undefined): Reply | undefined {
      if (path !== '/api/v1/statuses') return undefined;
      if (method !== 'POST') return { status: 404, body: { error: 'Record not found' } };
      return post(who, params, idempotencyKey);
    },
    statuses: (): EmulatorStatus[] => statuses.map((s) => ({ ...s })),
  };
}
