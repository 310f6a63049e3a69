// undici is CommonJS: under tsc its exports are named, but once esbuild bundles it (code
// splitting), a dynamic import() exposes only `default`. Load it either way, still lazily.
type Undici = typeof import('undici');

// `--offline` is a promise: every HTTP request in fediblock goes through this loader, or (the
// destination clients, which use Node's own http) checks networkForbidden() first, so once the
// network is forbidden nothing can reach it, whatever a job forgets to check.
let forbidden = false;

export function forbidNetwork(): void {
  forbidden = true;
}

export const networkForbidden = (): boolean => forbidden;

let loaded: Undici | undefined;

export async function loadUndici(): Promise<Undici> {
  if (forbidden) throw new Error('--offline: this would need the network, and --offline forbids it');
  // Once loaded, no import() per request (a sync into many instances sends thousands).
  if (loaded) return loaded;
  const mod = (await import('undici')) as Undici & { default?: Undici };
  loaded = typeof mod.request === 'function' ? mod : (mod.default as Undici);
  return loaded;
}
