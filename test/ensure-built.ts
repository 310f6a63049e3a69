// The end-to-end suites spawn the built CLI. `npm test` builds first; a lone `npx vitest run FILE`
// on a fresh checkout builds the bundle here instead of failing on a missing file.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');
const BUNDLE = join(ROOT, 'dist/bundle/cli.js');

export async function ensureBuilt(): Promise<void> {
  if (existsSync(BUNDLE)) return;
  await promisify(execFile)(process.execPath, ['scripts/bundle.mjs'], { cwd: ROOT });
  if (!existsSync(BUNDLE)) throw new Error(`could not build ${BUNDLE}`);
}
