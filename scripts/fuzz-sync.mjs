#!/usr/bin/env node
// `npm run fuzz:sync -- --seed N --runs N [--steps N] [--path P] [--invariants I1,I3,...] [--no-shrink]`
// Runs the sync invariant suite (test/properties) for many random histories. On failure it prints
// the shrunk history and the seed/path that replay it.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    runs: { type: 'string', default: '2000' },
    steps: { type: 'string', default: '8' },
    path: { type: 'string' },
    invariants: { type: 'string' },
    'no-shrink': { type: 'boolean', default: false },
  },
});
const seed = values.seed ?? String(Date.now() % 2 ** 31);
const env = { ...process.env, FUZZ_SEED: seed, FUZZ_RUNS: values.runs, FUZZ_STEPS: values.steps };
if (values.path) env.FUZZ_PATH = values.path;
if (values.invariants) env.FUZZ_INVARIANTS = values.invariants;
if (values['no-shrink']) env.FUZZ_SHRINK = '0';
process.stderr.write(`fuzz:sync seed ${seed}, ${values.runs} histories of up to ${values.steps} steps\n`);
const started = Date.now();
const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', 'test/properties/sync-invariants.test.ts', '--testTimeout=0'], { env, stdio: 'inherit' });
child.on('close', (code) => {
  process.stderr.write(`fuzz:sync seed ${seed}: ${code === 0 ? 'no counterexample' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s\n`);
  process.exit(code ?? 1);
});
