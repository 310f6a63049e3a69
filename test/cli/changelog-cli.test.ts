// `merge --changelog --feed --against` end to end, in the shape the CI recipe uses: golden
// changelog text, a feed that parses as Atom, no new section when nothing changed, and the same
// bytes from --date and SOURCE_DATE_EPOCH.
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAtom } from '../output/parse-atom.js';
import { FIXTURES, runCli, tempDir } from './run-cli.js';

const DIR = join(FIXTURES, 'changelog');
const GOLDEN = join(DIR, 'expected-CHANGELOG.md');

async function publish(dir: string, extra: string[], env: NodeJS.ProcessEnv = {}) {
  return runCli(
    ['merge', '-c', join(DIR, 'blocklist.toml'), '--cache-dir', join(dir, 'cache'), '-o', join(dir, 'blocklist.csv'), '--changelog', join(dir, 'CHANGELOG.md'), '--feed', join(dir, 'feed.xml'), ...extra],
    { env },
  );
}

describe('merge --changelog --feed', () => {
  it('prepends a dated section with reasons and sources (golden file) and writes a valid Atom feed', async () => {
    const dir = await tempDir();
    const r = await publish(dir, ['--against', join(DIR, 'previous.csv'), '--date', '2026-12-02T06:23:00Z']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/changelog .*CHANGELOG\.md: 2 added, 2 removed, 1 changed \(4 domains in the list\); feed .*feed\.xml/);
    const changelog = await readFile(join(dir, 'CHANGELOG.md'), 'utf8');
    if (process.env.UPDATE_GOLDEN) await writeFile(GOLDEN, changelog);
    expect(changelog).toBe(await readFile(GOLDEN, 'utf8'));

    const feed = parseAtom(await readFile(join(dir, 'feed.xml'), 'utf8'));
    expect(feed.title).toBe('Changes to blocklist.csv');
    expect(feed.entries).toHaveLength(1);
    expect(feed.entries[0]).toMatchObject({ updated: '2026-12-02T06:23:00Z', title: '2026-12-02 06:23 UTC: 2 added, 2 removed, 1 changed (4 domains in the list)' });
    expect(feed.entries[0]!.content).toContain('<li><code>friendly.example</code> — was suspend: was a mistake (allowlisted)</li>');
  });

  it('a re-run with nothing new adds no section and leaves both files byte for byte; -o is the default --against', async () => {
    const dir = await tempDir();
    await publish(dir, ['--against', join(DIR, 'previous.csv'), '--date', '2026-12-02T06:23:00Z']);
    const before = [await readFile(join(dir, 'CHANGELOG.md')), await readFile(join(dir, 'feed.xml'))];
    const r = await publish(dir, ['--date', '2026-12-02T12:23:00Z']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/CHANGELOG\.md: no changes since .*blocklist\.csv/);
    expect([await readFile(join(dir, 'CHANGELOG.md')), await readFile(join(dir, 'feed.xml'))]).toEqual(before);
  });

  it('keeps the newest [output] feed_entries sections in the feed, and SOURCE_DATE_EPOCH stamps like --date', async () => {
    const dir = await tempDir();
    const cfg = join(dir, 'blocklist.toml');
    for (const f of ['alpha.csv', 'beta.csv', 'allow.csv']) await copyFile(join(DIR, f), join(dir, f));
    await writeFile(cfg, `${await readFile(join(DIR, 'blocklist.toml'), 'utf8')}\n[output]\nfeed_entries = 2\n`);
    const run = (epoch: number) =>
      runCli(['merge', '-c', cfg, '--cache-dir', join(dir, 'cache'), '-o', join(dir, 'blocklist.csv'), '--changelog', join(dir, 'CHANGELOG.md'), '--feed', join(dir, 'feed.xml')], {
        env: { SOURCE_DATE_EPOCH: String(epoch) },
      });
    // First publication, then two changes to a source: three sections.
    expect((await run(1_764_633_600)).code).toBe(0); // 2025-12-02T00:00:00Z
    await writeFile(join(dir, 'beta.csv'), 'extra.example,suspend,false,false,,false\n', { flag: 'a' });
    expect((await run(1_764_637_200)).code).toBe(0);
    await writeFile(join(dir, 'beta.csv'), 'more.example,silence,false,false,,false\n', { flag: 'a' });
    expect((await run(1_764_640_800)).code).toBe(0);
    const changelog = await readFile(join(dir, 'CHANGELOG.md'), 'utf8');
    expect([...changelog.matchAll(/^## (.*)$/gm)].map((x) => x[1])).toEqual(['2025-12-02 02:00 UTC', '2025-12-02 01:00 UTC', '2025-12-02 00:00 UTC']);
    expect(changelog).toContain('First publication: 4 domains.');
    expect(changelog).toMatch(/### Added\n\n- `more\.example` — silence \(source: beta\)/);
    const feed = parseAtom(await readFile(join(dir, 'feed.xml'), 'utf8'));
    expect(feed.entries.map((e) => e.updated)).toEqual(['2025-12-02T02:00:00Z', '2025-12-02T01:00:00Z']);
  });

  it('refuses --feed without --changelog, and a --date that is not one, before writing anything', async () => {
    const dir = await tempDir();
    const noLog = await runCli(['merge', '-c', join(DIR, 'blocklist.toml'), '--cache-dir', dir, '-o', join(dir, 'l.csv'), '--feed', join(dir, 'f.xml')]);
    expect(noLog.code).toBe(1);
    expect(noLog.stderr).toMatch(/--feed is written from the changelog/);
    const badDate = await publish(dir, ['--date', 'yesterday']);
    expect(badDate.code).toBe(1);
    expect(badDate.stderr).toMatch(/--date: "yesterday" is not a date/);
    await expect(readFile(join(dir, 'blocklist.csv'))).rejects.toThrow();
  });
});
