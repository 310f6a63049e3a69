// Bundles the CLI into dist/bundle with esbuild. One file per lazily imported stage (code
// splitting), so `fediblock merge` on local files never loads undici, pino transports or the sync
// code: start-up time is most of a small merge (see decisions.md, performance notes).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const bench = process.argv.includes('--bench');

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: false,
  logLevel: 'warning',
  legalComments: 'none',
  // Some dependencies are CommonJS and call require(); give the ESM bundle a real one.
  banner: { js: "import { createRequire as __fbCreateRequire } from 'node:module'; const require = __fbCreateRequire(import.meta.url);" },
};

// commander requires node:child_process at load, for executable subcommands fediblock never has;
// loading it (with net, dgram and streams) cost every run ~3 ms. Commander gets a stand-in that
// loads the real module on its first spawn.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) => (/[\\/]commander[\\/]/.test(args.importer) ? { path: 'lazy-child-process', namespace: 'fediblock' } : undefined));
    b.onLoad({ filter: /^lazy-child-process$/, namespace: 'fediblock' }, () => ({
      contents: "let real; module.exports = { spawn: (...args) => (real ??= require('node:child_process')).spawn(...args) };",
      loader: 'js',
    }));
  },
};

// Chunk names carry content hashes: start clean so stale chunks never ship in the package.
rmSync(bench ? 'dist/bench' : 'dist/bundle', { recursive: true, force: true });

if (bench) {
  await build({ ...common, entryPoints: ['test/bench/run.ts'], outdir: 'dist/bench', outExtension: { '.js': '.mjs' }, splitting: true, packages: 'external' });
} else {
  await build({ ...common, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist/bundle', splitting: true, chunkNames: 'chunks/[name]-[hash]', plugins: [lazyChildProcess] });
}
