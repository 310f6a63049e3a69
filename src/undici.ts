// undici is CommonJS: under tsc its exports are named, but once esbuild bundles it (code
// splitting), a dynamic import() exposes only `default`. Load it either way, still lazily.
type Undici = typeof import('undici');

export async function loadUndici(): Promise<Undici> {
  const mod = (await import('undici')) as Undici & { default?: Undici };
  return typeof mod.request === 'function' ? mod : (mod.default as Undici);
}
