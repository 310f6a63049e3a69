import { describe, expect, it } from 'vitest';
import { parseList } from '../../src/sources/parse-list.js';
import { FediblockError } from '../../src/errors.js';
import { emptyBlock } from '../../src/model.js';
import { fixture } from './helpers.js';

const json = (name: string) => parseList(fixture(name), 'json', name);
const BAD_DIGEST = '86bbe8ffb912a153c9a8b396246aeeae079cd324af4dd947a2bf59a698eabc62';

describe('json adapter', () => {
  it('reads the admin API entity (4.8)', () => {
    const r = json('mastodon-admin.json');
    expect(r.blocks).toEqual([
      { domain: 'bad.example', severity: 'suspend', reject_media: true, reject_reports: true, obfuscate: true, private_comment: 'A private comment', public_comment: 'A public comment', digest: BAD_DIGEST },
      emptyBlock('meh.example', 'silence'),
    ]);
    expect(r.rows).toBe(2);
  });

  it('reads the public entity (4.9): comment → public_comment, obfuscated names kept with digest', () => {
    const r = parseList(fixture('mastodon-public.json'), 'mastodon_api', 'pub');
    expect(r.format).toBe('mastodon_api');
    expect(r.blocks).toEqual([
      { ...emptyBlock('bad.example'), public_comment: 'spam', digest: BAD_DIGEST },
      { ...emptyBlock('exa****.*om', 'silence'), digest: 'a379a6f6eeafb9a55e378c118034e2751e682fab9f2d30ab13d2125586ce1947' },
    ]);
  });

  it('reads GoToSocial (4.10): no severity means suspend', () => {
    expect(json('gotosocial.json').blocks).toEqual([
      { ...emptyBlock('bumfaces.net'), public_comment: 'big jerks' },
      emptyBlock('nothanks.com'),
      { ...emptyBlock('pc.example'), public_comment: 'via public_comment', obfuscate: true },
    ]);
  });

  it('rejects bad entries on the line where they start, naming the field', () => {
    const r = json('edge-bad-entries.json');
    expect(r.blocks.map((b) => b.domain)).toEqual(['good.example']);
    expect(r.rows).toBe(6);
    expect(r.rejects.map((x) => [x.line, x.reason.split(':')[0]])).toEqual([
      [3, 'domain'],
      [4, 'severity'],
      [5, 'reject_media'],
      [6, 'entry'],
      [7, "not a valid domain name"],
    ]);
    expect(r.rejects.every((x) => x.source === 'edge-bad-entries.json')).toBe(true);
  });

  it('throws naming the source for non-arrays and invalid JSON', () => {
    expect(() => json('edge-object.json')).toThrow(FediblockError);
    expect(() => json('edge-object.json')).toThrow(/edge-object.json: expected a JSON array/);
    expect(() => json('edge-truncated.json')).toThrow(/edge-truncated.json: invalid JSON at line 3/);
  });

  it('survives deep nesting without recursion', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const r = parseList(deep, 'json', 'deep');
    expect(r.blocks).toEqual([]);
    expect(r.rejects).toHaveLength(1);
  });
});

describe('rapidblock_json adapter', () => {
  it('reads blocks (4.11), skips unblocked entries with a notice, rejects broken ones', () => {
    const r = parseList(fixture('rapidblock.json'), 'auto', 'rb');
    expect(r.format).toBe('rapidblock_json');
    expect(r.blocks).toEqual([{ ...emptyBlock('bad.example'), public_comment: 'harassment' }]);
    expect(r.notices).toEqual([{ source: 'rb', line: 12, message: 'skipped forgiven.example: "isBlocked" is false' }]);
    expect(r.rejects).toEqual([{ source: 'rb', line: 17, reason: expect.stringMatching(/^isBlocked: /), value: 'broken.example' }]);
    expect(r.rows).toBe(3);
  });

  it('throws without a blocks object', () => {
    expect(() => parseList('{"blocks": []}', 'rapidblock_json', 'rb')).toThrow(/rb: .*"blocks" is an array/);
    expect(() => parseList('[]', 'rapidblock_json', 'rb')).toThrow(FediblockError);
  });

  it('returns an empty list for empty blocks', () => {
    expect(parseList('{"blocks": {}}', 'rapidblock_json', 'rb')).toMatchObject({ blocks: [], rows: 0 });
  });
});
