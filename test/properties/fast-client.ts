// vi.mock factory for src/destinations/mastodon/client.js: the real client, constructed with the
// suite's virtual clock and a short timeout. Nothing else changes; the job layer creates it as usual.
import { CLIENT_TIMEOUT_MS, clock } from './virtual-clock.js';

type ClientModule = typeof import('../../src/destinations/mastodon/client.js');

export function fastClientModule(real: ClientModule): ClientModule {
  class FastClient extends real.MastodonClient {
    constructor(opts: ConstructorParameters<ClientModule['MastodonClient']>[0]) {
      super({ ...opts, now: clock.now, sleep: clock.sleep, timeoutMs: CLIENT_TIMEOUT_MS });
    }
  }
  return { ...real, MastodonClient: FastClient };
}
