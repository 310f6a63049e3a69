// Which server software a destination runs (`software = "auto"`): /api/v2/instance, then
// /api/v1/instance, then nodeinfo. A GoToSocial instance may inject a Mastodon-like version
// string into its instance API, so nodeinfo's software name wins whenever it names a server
// fediblock knows. Public endpoints only: the token is not sent.
import { classifySoftware } from './mastodon/client.js';
import { parseJson, type HttpTransport } from './http/transport.js';

export type KnownSoftware = 'mastodon' | 'gotosocial' | 'akkoma' | 'pleroma';

export interface DetectedSoftware {
  software: KnownSoftware | 'other';
  /** The version as the trusted source gave it ('' when unknown). */
  version: string;
  /** Which answer decided: "nodeinfo", "/api/v2/instance", "/api/v1/instance" or "nothing". */
  via: string;
}

/** The software a version string names, when it names one. */
export function softwareFromVersion(version: string, mastodonApi?: number): KnownSoftware | 'other' {
  if (/gotosocial/i.test(version) || /^\d+\.\d+\.\d+[ +]git-/.test(version.trim())) return 'gotosocial';
  if (/akkoma/i.test(version)) return 'akkoma';
  if (/pleroma/i.test(version)) return 'pleroma';
  return classifySoftware(version, mastodonApi);
}

const KNOWN = new Set<string>(['mastodon', 'gotosocial', 'akkoma', 'pleroma']);

async function getJson(t: HttpTransport, path: string): Promise<unknown> {
  try {
    const res = await t.request('GET', path, { auth: false });
    return res.status === 200 ? parseJson(res) : undefined;
  } catch {
    return undefined;
  }
}

async function readNodeinfo(t: HttpTransport): Promise<{ name: string; version: string } | undefined> {
  const paths: string[] = [];
  const wk = (await getJson(t, '/.well-known/nodeinfo')) as { links?: Array<{ rel?: unknown; href?: unknown }> } | undefined;
  const links = Array.isArray(wk?.links) ? wk.links : [];
  // Highest schema first; only links on the destination's own origin are followed.
  const ranked = links
    .filter((l) => typeof l.href === 'string' && typeof l.rel === 'string' && /nodeinfo\.diaspora\.software\/ns\/schema\//.test(l.rel))
    .sort((a, b) => String(b.rel).localeCompare(String(a.rel)));
  for (const l of ranked) {
    try {
      const u = new URL(String(l.href), t.origin);
      if (u.origin === t.origin) paths.push(u.pathname + u.search);
    } catch {
      // an invalid link is no nodeinfo
    }
  }
  if (paths.length === 0) paths.push('/nodeinfo/2.1.json', '/nodeinfo/2.1', '/nodeinfo/2.0');
  for (const p of paths) {
    const ni = (await getJson(t, p)) as { software?: { name?: unknown; version?: unknown } } | undefined;
    if (typeof ni?.software?.name === 'string') return { name: ni.software.name.toLowerCase(), version: typeof ni.software.version === 'string' ? ni.software.version : '' };
  }
  return undefined;
}

export async function detectSoftware(t: HttpTransport): Promise<DetectedSoftware> {
  let guess: DetectedSoftware = { software: 'other', version: '', via: 'nothing' };
  for (const path of ['/api/v2/instance', '/api/v1/instance']) {
    const body = (await getJson(t, path)) as { version?: unknown; api_versions?: Record<string, unknown> } | undefined;
    if (typeof body?.version !== 'string') continue;
    const api = body.api_versions?.['mastodon'];
    guess = { software: softwareFromVersion(body.version, typeof api === 'number' ? api : undefined), version: body.version, via: path };
    break;
  }
  const ni = await readNodeinfo(t);
  if (ni && KNOWN.has(ni.name)) {
    // Akkoma's own version lives in its instance API's "(compatible; Akkoma 3.16.0)"; nodeinfo's is its own too.
    return { software: ni.name as KnownSoftware, version: ni.version || guess.version, via: 'nodeinfo' };
  }
  return guess;
}
