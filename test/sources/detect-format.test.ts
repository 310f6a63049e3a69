import { describe, expect, it } from 'vitest';
import { detectFormat, looksLikeHtml } from '../../src/sources/detect-format.js';
import { fixture } from './helpers.js';

describe('detectFormat', () => {
  it.each([
    ['mastodon-export.csv', 'mastodon_csv'],
    ['edge-bom-crlf-quoted.csv', 'mastodon_csv'],
    ['iftas-dni.csv', 'mastodon_csv'],
    ['fediblockhole.csv', 'csv'],
    ['oliphant-allowlist.csv', 'csv'],
    ['edge-column-order.csv', 'csv'],
    ['gardenfence-fediblocksync.csv', 'csv'],
    ['mastodon-admin.json', 'json'],
    ['mastodon-public.json', 'json'],
    ['gotosocial.json', 'json'],
    ['rapidblock.json', 'rapidblock_json'],
    ['edge-object.json', 'json'],
    ['plain.txt', 'text'],
    ['rapidblock.csv', 'text'],
    ['edge-empty.csv', 'text'],
  ])('%s → %s', (name, format) => {
    expect(detectFormat(fixture(name))).toBe(format);
  });

  it('reads a lone domain header as csv and a lone domain as text', () => {
    expect(detectFormat('domain\nx.example\n')).toBe('csv');
    expect(detectFormat('\n\n  x.example\n')).toBe('text');
  });
});

describe('looksLikeHtml', () => {
  it('spots HTML pages', () => {
    expect(looksLikeHtml(fixture('edge-html.html'))).toBe(true);
    expect(looksLikeHtml('\ufeff\n  <html><body>x</body></html>')).toBe(true);
    expect(looksLikeHtml('<HEAD><title>502</title>')).toBe(true);
  });
  it('leaves lists alone, even with markup in a comment', () => {
    expect(looksLikeHtml(fixture('mastodon-export.csv'))).toBe(false);
    expect(looksLikeHtml('domain,public_comment\nx.example,"<html> injection"\n')).toBe(false);
    expect(looksLikeHtml('')).toBe(false);
  });
});
