// The base URL of a destination's API, checked before any token is sent to it.
import { FediblockError } from '../../errors.js';

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
