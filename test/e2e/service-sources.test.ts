// The service sources end to end through the built CLI, against test doubles on 127.0.0.1.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, runCli } from './helpers.js';
import { startFediseer, type FediseerDouble } from '../doubles/fediseer-double.js';
import { startFires, type FiresDouble } from '../doubles/fires-double.js';

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
    expect(check.stdout).toMatch(/censures\s+ok\s+2 blocks from 2 rows/);
    expect(check.stdout).toMatch(/hesitations\s+ok\s+1 block from 1 row/);

    // Without the key the private list is a failed source (exit 1), served from nothing: no empty list.
    const noKey = await runCli(['-c', config, '--cache-dir', join(d, 'other-cache'), 'check'], { env: { SEER_KEY: 'wrong-key-xyz' } });
    expect(noKey.code).toBe(1);
    expect(noKey.stdout).toMatch(/censures\s+failed\s+no usable copy/);
    expect(noKey.stderr).toMatch(/^error: censures .*HTTP 401/m);
    expect(noKey.stdout + noKey.stderr).not.toContain('wrong-key-xyz');
  }, 60_000);
});

describe('FIRES (with Fediseer) through the CLI', () => {
  let fires: FiresDouble;
  let seer: FediseerDouble;
  beforeAll(async () => {
    fires = await startFires({ labels: [{ id: '1', name: 'Hate speech' }, { id: '2', name: 'Spam' }] });
    seer = await startFediseer([{ domain: 'a.example', censures: [{ target: 'seer-only.example', reason: 'spam' }, { target: 'r5.example', reason: 'harassment' }] }]);
  });
  afterAll(async () => {
    await fires.close();
    await seer.close();
  });

  it('merges a snapshot, then only the change feed with retractions; failures are served from the last good copy', async () => {
    const d = await dir();
    const config = join(d, 'blocklist.toml');
    await writeFile(
      config,
      [
        '[fetch]',
        `cache_dir = ${JSON.stringify(join(d, 'cache'))}`,
        '[[source]]',
        `url = "${fires.datasetUrl}"`,
        'format = "fires"',
        'name = "fires-ds"',
        '[[source]]',
        `url = "${seer.url}/api/v1/censures_given/a.example"`,
        'format = "fediseer"',
        'name = "seer"',
        'severity = "silence"',
      ].join('\n') + '\n',
    );
    // A few hundred changes: 300 recommendations, some later changed.
    for (let i = 0; i < 300; i++) fires.add({ type: 'Recommendation', entityKind: 'domain', entityKey: `r${i}.example`, policy: i % 2 ? 'drop' : 'filter', labels: ['1'] });
    for (let i = 0; i < 20; i++) fires.add({ type: 'Recommendation', entityKind: 'domain', entityKey: `r${i}.example`, policy: 'reject', filters: ['reject-media'], labels: ['1', '2'] });
    const rows = (csv: string) => new Map(csv.trim().split('\n').slice(1).map((l) => [l.split(',')[0]!, l] as const));

    const first = await runCli(['-c', config, 'merge', '--format', 'csv']);
    expect(first.code).toBe(0);
    const one = rows(first.stdout);
    expect(one.size).toBe(301);
    expect(one.get('r0.example')).toMatch(/^r0\.example,suspend,True,False,"Hate speech, Spam",/);
    expect(one.get('r5.example')).toMatch(/^r5\.example,suspend,True,False,"Hate speech, Spam, harassment"/);
    expect(one.get('r22.example')).toMatch(/^r22\.example,silence,False,False,Hate speech,/);
    expect(one.get('seer-only.example')).toMatch(/^seer-only\.example,silence,/);
    const firstProtocol = fires.requests.map((q) => q.path);
    expect(firstProtocol.some((p) => p.includes('/snapshot'))).toBe(true);
    expect(firstProtocol.some((p) => p.includes('/changes'))).toBe(false);

    // More changes: new recommendations across pages, retractions, an advisory that ends a block.
    fires.requests.length = 0;
    for (let i = 300; i < 520; i++) fires.add({ type: 'Recommendation', entityKind: 'domain', entityKey: `r${i}.example`, policy: 'drop', labels: ['2'] });
    for (let i = 30; i < 60; i++) fires.add({ type: 'Retraction', entityKind: 'domain', entityKey: `r${i}.example` });
    fires.add({ type: 'Advisory', entityKind: 'domain', entityKey: 'r61.example', labels: ['1'] });
    const second = await runCli(['-c', config, 'merge', '--format', 'csv']);
    expect(second.code).toBe(0);
    const two = rows(second.stdout);
    expect(two.has('r30.example')).toBe(false);
    expect(two.has('r59.example')).toBe(false);
    expect(two.has('r61.example')).toBe(false);
    expect(two.get('r519.example')).toMatch(/^r519\.example,suspend,False,False,Spam,/);
    expect(two.size).toBe(301 + 220 - 30 - 1);
    const changePages = fires.requests.filter((q) => q.path.includes('/changes'));
    expect(changePages).toHaveLength(4); // 251 changes: 100 + 100 + 51, then the empty page
    expect(fires.requests.some((q) => q.path.includes('/snapshot'))).toBe(false);

    const explained = await runCli(['-c', config, 'explain', 'r519.example']);
    expect(explained.stdout).toMatch(/fires-ds: suspend, "Spam"\n\s+decided by FIRES Recommendation drop, labels "Spam", published \S+, change http:\/\/127\.0\.0\.1:\d+\/datasets\/[^/]+\/changes\/[0-9a-f-]{36}/);
    const retracted = await runCli(['-c', config, 'explain', 'r30.example']);
    expect(retracted.stdout).toMatch(/fires-ds: no block, decided by FIRES Retraction/);

    // The change feed fails (rate limited): the last good copy is served (stale), deletions held (exit 4).
    fires.add({ type: 'Retraction', entityKind: 'domain', entityKey: 'r100.example' });
    fires.changesStatus = 429;
    const stale = await runCli(['-c', config, 'merge', '--format', 'csv'], { env: { FEDIBLOCK_LOG_FORMAT: 'json' } });
    expect(stale.code).toBe(4);
    expect(rows(stale.stdout).size).toBe(two.size);
    expect(rows(stale.stdout).has('r100.example')).toBe(true);
    expect(stale.stderr).toMatch(/HTTP 429.*stale/);

    const check = await runCli(['-c', config, 'check']);
    expect(check.stdout).toMatch(/fires-ds\s+old copy\s+489 blocks/);
    expect(check.stdout).toMatch(/FIRES dataset "Test dataset" .*: 520 domains \(489 blocks, 30 retracted, 1 not blocks\)/);
    expect(check.stdout).toMatch(/notice fires-ds change [0-9a-f-]{36}: r61\.example: an Advisory without a policy is informational, not a block/);
    delete fires.changesStatus;
  }, 120_000);
});
