// zod/mini leaves its issues without English messages unless told; classic zod loaded them on
// import. Modules that show zod's own messages (a JSON entry's reject reason, a config key's
// fallback, a damaged journal, snapshot or file store, an odd Mastodon answer) import this first.
// Only the English table is bundled, not every locale.
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
