// The service sources end to end through the built CLI, against test doubles on 127.0.0.1.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, runCli } from './helpers.js';
import { startFediseer, type FediseerDouble } from '../doubles/fediseer-double.js';

beforeAll(ensureBuilt);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function dir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'fediblock-services-'));
  cleanups.push(() => rm(d, { recursive: true, force: true }));
  return d;
}

describe('Fediseer through the CLI', () => {
  let seer: FediseerDouble;
  beforeAll(async () => {
    seer = await startFediseer([
      { domain: 'a.example', apiKey: 'fediseer-key-abc123', visibility: 'private', censures: [{ target: 'bad.example', reason: 'spam' }, { target: 'worse.example', reason: 'hate speech, spam' }], hesitations: [{ target: 'iffy.example', reason: 'slow' }] },
    ]);
  });
  afterAll(() => seer.close());

  it('merges censures and hesitations with the API key from token_env, never printing it', async () => {
    const d = await dir();
    const config = join(d, 'blocklist.toml');
    await writeFile(
      config,
      [
        '[fetch]',
        `cache_dir = ${JSON.stringify(join(d, 'cache'))}`,
        '[[source]]',
        `url = "${seer.url}/api/v1/censures_given/a.example"`,
        'format = "fediseer"',
        'name = "censures"',
        'token_env = "SEER_KEY"',
        '[[source]]',
        `url = "${seer.url}/api/v1/hesitations_given/a.example?domains=true"`,
        'format = "fediseer"',
        'name = "hesitations"',
        'token_env = "SEER_KEY"',
      ].join('\n') + '\n',
    );
    const r = await runCli(['-c', config, 'merge', '--format', 'csv'], { env: { SEER_KEY: 'fediseer-key-abc123', FEDIBLOCK_LOG_FORMAT: 'json' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('bad.example,suspend');
    expect(r.stdout).toMatch(/worse\.example,suspend,.*hate speech, spam/);
    expect(r.stdout).toContain('iffy.example,silence');
    expect(seer.requests.every((q) => q.apikey === 'fediseer-key-abc123')).toBe(true);
    expect(r.stdout + r.stderr).not.toContain('fediseer-key-abc123');

    const check = await runCli(['-c', config, 'check'], { env: { SEER_KEY: 'fediseer-key-abc123' } });
    expect(check.stdout).toMatch(/censures\s+fresh\s+2 blocks from 2 rows/);
    expect(check.stdout).toMatch(/hesitations\s+fresh\s+1 block from 1 row/);

    // Without the key the private list is a failed source (exit 1), served from nothing: no empty list.
    const noKey = await runCli(['-c', config, '--cache-dir', join(d, 'other-cache'), 'check'], { env: { SEER_KEY: 'wrong-key-xyz' } });
    expect(noKey.code).toBe(1);
    expect(noKey.stdout).toMatch(/censures\s+failed\s+FAILED: .*HTTP 401/);
    expect(noKey.stdout + noKey.stderr).not.toContain('wrong-key-xyz');
  });
});
