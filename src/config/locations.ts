// Where a list lives: a local file, an https URL, or a Mastodon instance. Relative paths are
// resolved against the config file's folder, so a config works from any working directory.
import { basename, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isLoopbackHost } from '../sources/loopback-host.js';

export type SourceLocation =
  | { kind: 'file'; path: string }
  | { kind: 'url'; url: string }
  | { kind: 'instance'; host: string; admin: boolean; apiBase: string };

export type ListLocation = Extract<SourceLocation, { kind: 'file' | 'url' }>;

/** Expand a leading `~/` and resolve against `baseDir`. */
export function resolvePath(p: string, baseDir: string, env: NodeJS.ProcessEnv): string {
  const home = env.HOME;
  if ((p === '~' || p.startsWith('~/')) && home) return resolve(home, p.slice(2));
  return isAbsolute(p) ? resolve(p) : resolve(baseDir, p);
}

/**
 * Check a network URL: only https, or http to a loopback host. Returns the URL's text without a
 * trailing slash on a bare path. Throws Error with a readable reason.
 */
export function checkNetworkUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`"${text}" is not a valid URL`);
  }
  if (u.protocol === 'http:' && !isLoopbackHost(u.hostname)) {
    throw new Error(`"${text}" uses plain http; only https is allowed (http only to loopback hosts such as 127.0.0.1)`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new Error(`"${text}": unsupported URL scheme ${u.protocol} (use https:, file: or a path)`);
  }
  if (u.username || u.password) throw new Error(`"${u.protocol}//${u.host}…" carries credentials in the URL; use a token instead`);
  return u.href;
}

/**
 * Classify a `url` value: `https:` (or loopback `http:`) URL, `file:` URL, or a plain path.
 * `file:relative/x.csv` (no slash after the colon) is a path relative to the config, like a plain
 * path; `file:///abs/x.csv` and `file:/abs/x.csv` are absolute.
 */
export function classifyListUrl(value: string, baseDir: string, env: NodeJS.ProcessEnv): ListLocation {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(value);
  // A one-letter "scheme" is a Windows drive (C:\lists\x.csv), i.e. a path.
  if (!scheme || scheme[1]!.length === 1) return { kind: 'file', path: resolvePath(value, baseDir, env) };
  const name = scheme[1]!.toLowerCase();
  if (name === 'file') {
    const rest = value.slice(5);
    if (rest.startsWith('/')) {
      try {
        return { kind: 'file', path: fileURLToPath(rest.startsWith('//') ? value : `file://${rest}`) };
      } catch {
        throw new Error(`"${value}" is not a valid file: URL (use file:///absolute/path or a plain path)`);
      }
    }
    return { kind: 'file', path: resolvePath(decodeURIComponent(rest), baseDir, env) };
  }
  return { kind: 'url', url: checkNetworkUrl(value) };
}

/**
 * A host name as an admin writes it ("Example.Social.") → "example.social". Throws when it is not a
 * bare host (no scheme, path or port: use api_base for those).
 */
export function normaliseHost(value: string): string {
  const v = value.trim().toLowerCase().replace(/\.$/, '');
  if (!/^[^\s/:@?#]+$/.test(v)) throw new Error(`"${value}" is not a domain name (write just the domain, e.g. "example.social"; set api_base for a different URL)`);
  let host: string;
  try {
    host = new URL(`https://${v}`).hostname;
  } catch {
    throw new Error(`"${value}" is not a valid domain name`);
  }
  return host;
}

/** A short, readable name for a location: the file name, the URL's last path segment, or the host. */
export function deriveName(loc: SourceLocation): string {
  switch (loc.kind) {
    case 'file':
      return basename(loc.path);
    case 'instance':
      return loc.host;
    case 'url': {
      const u = new URL(loc.url);
      const seg = u.pathname.split('/').filter(Boolean).pop();
      return seg ? decodeURIComponent(seg) : u.host;
    }
  }
}
