// What a destination client checks before it sends anything: the base URL of the API (the token
// goes over https only, to that origin) and the token itself (registered, so logs never show it).
import { FediblockError } from '../../errors.js';
import { registerSecret } from '../../log.js';

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Check and normalise an instance base URL: https, or http on loopback; no credentials, query or fragment. */
export function checkBaseUrl(raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new FediblockError(`invalid instance URL "${raw}"`, { hint: 'Use https://your.instance' });
  }
  if (u.username || u.password) throw new FediblockError(`the instance URL for ${u.host} must not contain credentials; pass the token separately`);
  if (u.search || u.hash) throw new FediblockError(`the instance URL for ${u.host} must not have a query or fragment`);
  if (u.protocol === 'http:') {
    if (!LOOPBACK.test(u.hostname)) {
      throw new FediblockError(`refusing plain http to ${u.host}: tokens are only sent over https (http is allowed for loopback addresses only)`, {
        hint: `Use https://${u.host}`,
      });
    }
  } else if (u.protocol !== 'https:') {
    throw new FediblockError(`unsupported scheme ${u.protocol} for ${u.host}: use https://`);
  }
  return u;
}

/** A token must be one non-empty word (it goes into a header); from here on logs redact it. */
export function checkToken(token: string | undefined, host: string): void {
  if (token === undefined) return;
  if (token === '' || /[\r\n\0\s]/.test(token)) throw new FediblockError(`the token for ${host} is empty or contains whitespace`);
  registerSecret(token);
}
