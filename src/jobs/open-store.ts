// Opens a destination's store: a server's admin API (Mastodon, GoToSocial, Akkoma/Pleroma, picked
// by `software`, or detected with "auto"), or a snapshot/list file standing in for one. This is
// the one place that knows software by name; everything after it reads the store's capabilities.
import type { DestinationConfig, LoadedConfig } from '../config/index.js';
import { resolveToken } from '../config/index.js';
import { FediblockError } from '../errors.js';
import { getLogger, logFormat } from '../log.js';
import { waitAnnouncer } from '../output/announce-wait.js';
import { cacheFollowChecks } from './cache-follow-checks.js';
import { interruptibleSleep } from './interrupt.js';
import type { Store } from '../sync/store.js';
import { networkForbidden } from '../undici.js';

export interface OpenedStore {
  store: Store & { close?: () => Promise<void> };
  /** A live instance (follow checks possible, software check before writes). */
  live: boolean;
  /** Before the first write: refuse a server that is not the software the store speaks to. */
  preflight(): Promise<void>;
}

type Logger = Awaited<ReturnType<typeof getLogger>>;

const TOKEN_HINTS: Record<string, string> = {
  mastodon: 'create an application in Preferences → Development with scopes admin:read:domain_blocks admin:write:domain_blocks (and admin:read for follow checks)',
  gotosocial: 'create an application and token for an admin account with scopes admin:read:domain_blocks admin:write:domain_blocks',
  akkoma: 'create an application and token for an admin account with scopes admin:read admin:write',
  pleroma: 'create an application and token for an admin account with scopes admin:read admin:write',
  auto: 'create an admin token with the scopes the README names for your server software',
};

export async function openStore(config: LoadedConfig, dest: DestinationConfig): Promise<OpenedStore> {
  if (dest.store.kind === 'file') {
    const { FileStore } = await import('../destinations/file/file-store.js');
    const store = await FileStore.open(dest.store.path, { name: dest.domain, allowMissing: true });
    return { store, live: false, preflight: async () => {} };
  }
  refuseOffline(dest);
  const t = await resolveToken(dest.auth, config.path, process.env);
  const log = await getLogger();
  for (const w of t.warnings) log.warn({ event: 'token_warning', destination: dest.domain }, w);
  if (!t.token) {
    throw new FediblockError(`no token for ${dest.domain}: set ${t.missing ?? 'its token'}, or name a variable (token_env) or a file (token_file) in its [[destination]]`, {
      hint: TOKEN_HINTS[dest.software] ?? TOKEN_HINTS.auto!,
    });
  }
  if (dest.software === 'mastodon') return openMastodon(config, dest, t.token, log);

  const { HttpTransport } = await import('../destinations/http/transport.js');
  const { detectSoftware } = await import('../destinations/detect-software.js');
  const transport = new HttpTransport({
    baseUrl: dest.store.apiBase,
    token: t.token,
    reserve: dest.reserve,
    concurrency: dest.concurrency,
    timeoutMs: config.fetch.timeout_ms,
    // Waits end at once on SIGTERM/SIGINT (jobs/interrupt.ts).
    sleep: interruptibleSleep,
    onEvent: (e) => log.info({ event: `http_${e.type.replace('-', '_')}`, destination: dest.domain, path: e.path, waitMs: e.waitMs }, e.type === 'retry' ? `retrying after ${e.reason ?? 'an error'}` : `rate limit: waiting ${Math.ceil(e.waitMs / 1000)} s for the next window`),
  });
  const found = await detectSoftware(transport);
  const family = (s: string) => (s === 'pleroma' ? 'akkoma' : s);
  let software: string = dest.software;
  if (software === 'auto') {
    if (found.software === 'other') {
      await transport.close();
      throw new FediblockError(`cannot tell which server software ${dest.domain} runs (${found.via === 'nothing' ? 'no instance API or nodeinfo answered' : `version "${found.version}"`})`, {
        hint: 'set software = "mastodon", "gotosocial", "akkoma" or "pleroma" in its [[destination]]',
      });
    }
    software = found.software;
    log.info({ event: 'software_detected', destination: dest.domain, software, version: found.version, via: found.via }, `${dest.domain} runs ${software} ${found.version} (from ${found.via})`);
  } else if (found.software !== 'other' && family(found.software) !== family(software)) {
    await transport.close();
    throw new FediblockError(`${dest.domain} is configured as ${software} but answers as ${found.software} ${found.version} (from ${found.via}); refusing to go on`, {
      hint: `set software = "${found.software}" (or "auto") in its [[destination]] if that is right`,
    });
  }
  if (software === 'mastodon') {
    await transport.close();
    return openMastodon(config, dest, t.token, log);
  }
  if (software === 'gotosocial') {
    const { GoToSocialClient } = await import('../destinations/gotosocial/client.js');
    const { GoToSocialStore } = await import('../destinations/gotosocial/gotosocial-store.js');
    const version = found.software === 'gotosocial' ? found.version : '';
    const store = new GoToSocialStore(new GoToSocialClient(transport), { name: dest.domain, version, marker: dest.marker });
    return { store, live: true, preflight: async () => {} };
  }
  const { AkkomaClient } = await import('../destinations/akkoma/client.js');
  const { AkkomaStore } = await import('../destinations/akkoma/akkoma-store.js');
  const store = new AkkomaStore(new AkkomaClient(transport), {
    name: dest.domain,
    marker: dest.marker,
    label: `${software === 'pleroma' ? 'Pleroma' : 'Akkoma'}${found.version ? ` ${found.version}` : ''}`,
    onWarning: (m) => log.warn({ event: 'mrf_simple_inactive', destination: dest.domain }, m),
  });
  // Just before the first write: refuse (exit 2) if the setting changed since it was planned against.
  return { store, live: true, preflight: async () => void (await store.checkUnchanged()) };
}

async function openMastodon(config: LoadedConfig, dest: DestinationConfig, token: string, log: Logger): Promise<OpenedStore> {
  const waits = waitAnnouncer(dest.domain, {
    say: (line) => {
      if (logFormat() === 'json') log.warn({ event: 'rate_wait', destination: dest.domain }, line);
      else process.stderr.write(`${line}\n`);
    },
    ...(process.stderr.isTTY === true ? { tty: process.stderr } : {}),
  });
  const { MastodonClient } = await import('../destinations/mastodon/client.js');
  const { MastodonStore } = await import('../destinations/mastodon/mastodon-store.js');
  const client = new MastodonClient({
    baseUrl: dest.store.kind === 'api' ? dest.store.apiBase : '',
    token,
    reserve: dest.reserve,
    concurrency: dest.concurrency,
    timeoutMs: config.fetch.timeout_ms,
    // Waits (rate limit, retry backoff) end at once on SIGTERM/SIGINT.
    sleep: interruptibleSleep,
    onEvent: (e) => {
      // A long wait is announced (always); short ones and retries are info lines (--log-level info).
      if (e.type === 'rate-wait' && waits.onWait({ waitMs: e.waitMs, until: Date.parse(e.until), ...(e.limit === undefined ? {} : { limit: e.limit, kept: e.kept ?? 0 }) })) return;
      if (e.type === 'rate-wait' || e.type === 'rate-limited' || e.type === 'retry') log.info({ event: `http_${e.type.replace('-', '_')}`, destination: dest.domain, ...e }, describeEvent(e));
    },
  });
  const store = new MastodonStore(client, dest.domain);
  // Follow checks answered in the last 5 minutes are not asked again (jobs/cache-follow-checks.ts).
  store.followCounts = cacheFollowChecks(config.fetch.cache_dir, dest.domain, store.followCounts.bind(store));
  let checked = false;
  return {
    store,
    live: true,
    async preflight() {
      if (checked) return;
      const info = await client.instanceInfo();
      if (info.software !== 'mastodon') {
        throw new FediblockError(`${dest.domain} does not look like Mastodon (version "${info.version}"); refusing to write`, {
          hint: 'fediblock writes Mastodon severities here; for GoToSocial, Akkoma or Pleroma set software = "auto" (or the software\'s name) in its [[destination]]',
        });
      }
      const [maj = 0, min = 0] = info.version.split('.').map((x) => parseInt(x, 10));
      if (maj < 4 || (maj === 4 && min < 3)) log.warn({ event: 'old_mastodon', destination: dest.domain, version: info.version }, `${dest.domain} runs Mastodon ${info.version}; fediblock is tested against 4.3 and later`);
      checked = true;
    },
  };
}

/** `--offline` promises no network: a remote destination is refused with one line, before anything else. */
export function refuseOffline(dest: DestinationConfig): void {
  if (!networkForbidden() || dest.store.kind === 'file') return;
  throw new FediblockError(`--offline: ${dest.domain} is a remote instance and cannot be reached without the network; nothing was done`, {
    hint: 'run without --offline, or use a file destination (file = "…") to plan offline',
  });
}

function describeEvent(e: { type: string; waitMs?: number; reason?: string }): string {
  if (e.type === 'retry') return `retrying after ${e.reason ?? 'an error'}`;
  return `rate limit: waiting ${Math.ceil((e.waitMs ?? 0) / 1000)} s for the next window`;
}
