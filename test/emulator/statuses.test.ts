// Tests of the emulator's POST /api/v1/statuses (statuses.ts). Expectations come from Mastodon's
// documented behaviour listed in that file's header, never from fediblock's client.
import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from './mastodon-emulator.js';
import { mastodonLength } from './statuses.js';

const open: Emulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.stop()));
});
const TOKENS = {
  poster: { scopes: ['write:statuses'], role: 'user' as const },
  reader: { scopes: ['read'], role: 'user' as const },
};
async function emu(opts: EmulatorOptions = {}): Promise<Emulator> {
  const e = await startEmulator({ tokens: TOKENS, ...opts });
  open.push(e);
  return e;
}
async function post(e: Emulator, body: Record<string, unknown>, opts: { token?: string | null; key?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = opts.token === undefined ? 'poster' : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (opts.key) headers['idempotency-key'] = opts.key;
  const res = await fetch(`${e.url}/api/v1/statuses`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, data: (await res.json()) as any };
}

describe('POST /api/v1/statuses', () => {
  it('posts with the given visibility (public when absent) and chains replies with in_reply_to_id', async () => {
    const e = await emu();
    const first = await post(e, { status: 'one', visibility: 'unlisted' });
    expect(first.status).toBe(200);
    expect(first.data).toMatchObject({ visibility: 'unlisted', in_reply_to_id: null, content: '<p>one</p>' });
    const second = await post(e, { status: 'two', in_reply_to_id: first.data.id });
    expect(second.data).toMatchObject({ visibility: 'public', in_reply_to_id: first.data.id });
    expect(e.statuses().map((s) => s.text)).toEqual(['one', 'two']);
  });

  it('needs a token with write or write:statuses: 401 without a valid one, 403 with another scope', async () => {
    const e = await emu();
    expect((await post(e, { status: 'x' }, { token: null })).status).toBe(401);
    expect((await post(e, { status: 'x' }, { token: 'nonsense' })).status).toBe(401);
    const r = await post(e, { status: 'x' }, { token: 'reader' });
    expect(r).toEqual({ status: 403, data: { error: 'This action is outside the authorized scopes' } });
    expect(e.statuses()).toEqual([]);
  });

  it('refuses a reply to a post that does not exist (404) and blank text (422)', async () => {
    const e = await emu();
    expect(await post(e, { status: 'x', in_reply_to_id: '999' })).toEqual({ status: 404, data: { error: 'The post you are trying to reply to does not appear to exist.' } });
    expect((await post(e, { status: '  ' })).status).toBe(422);
  });

  it('counts grapheme clusters: 500 are accepted, 501 get a 422, multi-byte text included', async () => {
    const e = await emu();
    expect((await post(e, { status: 'a'.repeat(500) })).status).toBe(200);
    expect(await post(e, { status: 'a'.repeat(501) })).toEqual({ status: 422, data: { error: 'Validation failed: Text character limit of 500 exceeded' } });
    // 'é' as e + combining accent (2 code points), a skin-toned thumbs-up (2 code points, 4 UTF-16
    // units), a family emoji (ZWJ sequence): one character each for Mastodon.
    for (const ch of ['e\u0301', '👍🏽', '👨‍👩‍👧']) {
      expect((await post(e, { status: ch.repeat(500) })).status).toBe(200);
      expect((await post(e, { status: ch.repeat(501) })).status).toBe(422);
    }
    expect(mastodonLength('see https://example.com/a/very/long/path/that/goes/on and on')).toBe('see '.length + 23 + ' and on'.length);
    expect(mastodonLength('hi @alice@remote.example')).toBe('hi @alice'.length);
  });

  it('uses the configured limit, which /api/v2/instance shows as configuration.statuses.max_characters', async () => {
    const e = await emu({ maxCharacters: 100 });
    const inst = (await (await fetch(`${e.url}/api/v2/instance`)).json()) as any;
    expect(inst.configuration.statuses.max_characters).toBe(100);
    expect((await post(e, { status: 'a'.repeat(101) })).status).toBe(422);
  });

  it('an Idempotency-Key already seen from the same account returns the first status instead of posting again', async () => {
    let t = Date.parse('2026-12-02T06:00:00Z');
    const e = await emu({ now: () => t });
    const a = await post(e, { status: 'hello', visibility: 'unlisted' }, { key: 'k1' });
    const again = await post(e, { status: 'hello', visibility: 'unlisted' }, { key: 'k1' });
    expect(again).toEqual(a);
    expect(e.statuses()).toHaveLength(1);
    expect((await post(e, { status: 'hello' }, { key: 'k2' })).data.id).not.toBe(a.data.id);
    // Kept for an hour.
    t += 3_600_000;
    expect((await post(e, { status: 'hello' }, { key: 'k1' })).data.id).not.toBe(a.data.id);
    expect(e.statuses()).toHaveLength(3);
  });
});
