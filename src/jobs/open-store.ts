// Opens a destination's store: the Mastodon admin API, or a snapshot/list file standing in for it.
import type { DestinationConfig, LoadedConfig } from '../config/index.js';
import { resolveToken } from '../config/index.js';
import { FediblockError } from '../errors.js';
import { getLogger } from '../log.js';
import type { Store } from '../sync/store.js';

export interface OpenedStore {
  store: Store & { close?: () => Promise<void> };
  /** A live instance (follow checks possible, software check before writes). */
  live: boolean;
  /** Before the first write: refuse anything that is not Mastodon (GoToSocial would turn every silence into a full block). */
  preflight(): Promise<void>;
}

export async function openStore(config: LoadedConfig, dest: DestinationConfig): Promise<OpenedStore> {
  if (dest.store.kind === 'file') {
    const { FileStore } = await import('../destinations/file/file-store.js');
    const store = await FileStore.open(dest.store.path, { name: dest.domain, allowMissing: true });
    return { store, live: false, preflight: async () => {} };
  }
  const t = await resolveToken(dest.auth, config.path, process.env);
  const log = await getLogger();
  for (const w of t.warnings) log.warn({ event: 'token_warning', destination: dest.domain }, w);
  if (!t.token) {
    throw new FediblockError(`no token for ${dest.domain}: set ${t.from}, or token_env / token_file in its [[destination]]`, {
      hint: 'create an application in Preferences → Development with scopes admin:read:domain_blocks admin:write:domain_blocks (and admin:read for follow checks)',
    });
  }
  const { MastodonClient } = await import('../destinations/mastodon/client.js');
  const { MastodonStore } = await import('../destinations/mastodon/mastodon-store.js');
  const client = new MastodonClient({
    baseUrl: dest.store.apiBase,
    token: t.token,
    reserve: dest.reserve,
    concurrency: dest.concurrency,
    timeoutMs: config.fetch.timeout_ms,
    onEvent: (e) => {
      if (e.type === 'rate-wait' || e.type === 'rate-limited' || e.type === 'retry') log.info({ event: `http_${e.type.replace('-', '_')}`, destination: dest.domain, ...e }, describeEvent(e));
    },
  });
  const store = new MastodonStore(client, dest.domain);
  let checked = false;
  return {
    store,
    live: true,
    async preflight() {
      if (checked) return;
      const info = await client.instanceInfo();
      if (info.software !== 'mastodon') {
        throw new FediblockError(`${dest.domain} does not look like Mastodon (version "${info.version}"); refusing to write`, {
          hint: 'fediblock writes Mastodon severities; other servers (GoToSocial) would turn every silence into a full block',
        });
      }
      const [maj = 0, min = 0] = info.version.split('.').map((x) => parseInt(x, 10));
      if (maj < 4 || (maj === 4 && min < 3)) log.warn({ event: 'old_mastodon', destination: dest.domain, version: info.version }, `${dest.domain} runs Mastodon ${info.version}; fediblock is tested against 4.3 and later`);
      checked = true;
    },
  };
}

function describeEvent(e: { type: string; waitMs?: number; reason?: string }): string {
  if (e.type === 'retry') return `retrying after ${e.reason ?? 'an error'}`;
  return `rate limit: waiting ${Math.ceil((e.waitMs ?? 0) / 1000)} s for the next window`;
}
