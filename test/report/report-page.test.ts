// The report page: unit checks of the HTML, then a real browser (Debian's chromium driven by
// playwright-core) typing into the search box, sorting by keyboard and taking a screenshot.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIST_LIMIT, renderReport, type ReportBlock, type ReportInput } from '../../src/output/render-report.js';

const block = (domain: string, severity: ReportBlock['severity'], extra: Partial<ReportBlock> = {}): ReportBlock => ({
  domain,
  severity,
  reject_media: false,
  reject_reports: false,
  obfuscate: false,
  public_comment: '',
  sources: 1,
  ...extra,
});

const EVIL = '</script><script>alert(1)</script><img src=x onerror=alert(2)>';

const input = (): ReportInput => ({
  title: 'Merged blocklist',
  generatedAt: '2026-11-25T09:45:00.000Z',
  sourceCount: 4,
  sourceNames: ['trusted-tier0', 'garden-fence', 'rapidblock', 'fedinuke <b>'],
  blocks: [
    block('spam.example', 'suspend', { public_comment: 'spam, harassment', sources: 4, reject_media: true, reject_reports: true }),
    block('evil.example', 'suspend', { public_comment: EVIL, sources: 2 }),
    block('loud.example', 'silence', { public_comment: 'unmoderated', sources: 3, reject_media: true }),
    block('bots.example', 'silence', { public_comment: 'bot farm', sources: 1 }),
    block('quiet.example', 'noop', { public_comment: 'media only', sources: 1, reject_media: true }),
    block('b*d.example', 'suspend', { public_comment: '', sources: 1, obfuscate: true }),
  ],
  changes: {
    added: ['loud.example', 'evil.example'],
    removed: ['gone.example', 'old<b>.example'],
    changed: [{ domain: 'bots.example', from: 'suspend', to: 'silence' }],
  },
});

/** The text of the embedded JSON, parsed back. */
function embedded(html: string): { sourceCount: number; rows: unknown[][] } {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]!);
}

/** Server-rendered rows: [domain, severity, flags, comment, named-by] as text. */
function serverRows(html: string): string[][] {
  const tbody = /<tbody id="rows"[^>]*>([\s\S]*?)<\/tbody>/.exec(html)![1]!;
  const decode = (s: string) =>
    s.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  return [...tbody.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => decode(c[1]!)));
}

describe('renderReport (HTML)', () => {
  const html = renderReport(input());

  it('is one accessible HTML document with a language, headings, a caption and a live region', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toMatch(/<html lang="en">/);
    expect(html).toMatch(/<h1>Merged blocklist<\/h1>/);
    expect(html).toMatch(/<h2[^>]*>Domains by severity<\/h2>/);
    expect(html).toMatch(/<h2[^>]*>Blocked domains<\/h2>/);
    expect(html).toMatch(/<caption>/);
    expect(html).toMatch(/<label for="q">/);
    expect(html).toMatch(/<input type="search" id="q"/);
    expect(html).toMatch(/<p id="status" role="status" aria-live="polite"[^>]*>6 of 6 domains shown<\/p>/);
    // Sortable headers are buttons; the domain column starts sorted ascending.
    expect(html.match(/<th scope="col"[^>]*><button type="button">/g)).toHaveLength(5);
    expect(html).toMatch(/<th scope="col" data-key="domain"[^>]*aria-sort="ascending"/);
  });

  it('escapes untrusted text everywhere: a comment with <script> is text, not markup', () => {
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('<li>fedinuke &lt;b&gt;</li>');
    expect(html).toContain('<li>old&lt;b&gt;.example</li>');
    // Exactly two script elements: the JSON and the page's own code; the JSON cannot end early.
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    const data = embedded(html);
    expect(data.rows.find((r) => r[0] === 'evil.example')![3]).toBe(EVIL);
  });

  it('server-renders every row (sorted by domain) so the page works without JS', () => {
    const rows = serverRows(html);
    expect(rows.map((r) => r[0])).toEqual(['b*d.example', 'bots.example', 'evil.example', 'loud.example', 'quiet.example', 'spam.example']);
    expect(rows[5]).toEqual(['spam.example', 'suspend', 'reject media, reject reports', 'spam, harassment', '4 of 4']);
    expect(rows[0]).toEqual(['b*d.example', 'suspend', 'obfuscated', '', '1 of 4']);
    expect(rows[4]![2]).toBe('reject media');
    expect(rows[1]![2]).toBe('none');
    expect(rows[2]![3]).toBe(EVIL);
    // The JSON holds the same rows in the same order.
    expect(embedded(html).rows.map((r) => r[0])).toEqual(rows.map((r) => r[0]));
  });

  it('counts domains by severity', () => {
    const count = (label: string) => new RegExp(`<li><span class="sev sev-${label}">${label}</span><strong>(\\d+)</strong></li>`).exec(html)?.[1];
    expect(count('suspend')).toBe('3');
    expect(count('silence')).toBe('2');
    expect(count('noop')).toBe('1');
    expect(/<li>total<strong>(\d+)<\/strong>/.exec(html)?.[1]).toBe('6');
  });

  it('shows the changes section only when changes are given', () => {
    expect(html).toMatch(/<h2[^>]*>Changes since the previous list<\/h2>/);
    expect(html).toMatch(/<h3[^>]*>Added \(2\)<\/h3><ul class="changes"><li>evil\.example<\/li><li>loud\.example<\/li><\/ul>/);
    expect(html).toMatch(/<h3[^>]*>Removed \(2\)<\/h3>/);
    expect(html).toContain('<li>bots.example: suspend → silence</li>');
    const { changes: _c, ...rest } = input();
    expect(renderReport(rest)).not.toContain('Changes since the previous list');
  });

  it('never refers to another host: no src/href to a URL, a CSP that forbids fetches', () => {
    // Real tags only (text is escaped, so a literal "<" always starts a tag).
    const tags = html.match(/<[a-zA-Z][^>]*>/g) ?? [];
    const refs = tags.flatMap((t) => [...t.matchAll(/\s(?:src|href|action|srcset|poster|data)\s*=\s*["']?([^"'\s>]*)/gi)].map((m) => m[1]));
    expect(refs).toEqual(['#blocks']);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/@import/i);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).toContain(`content="default-src 'none';`);
  });

  it('is deterministic and does not depend on the order of the input', () => {
    const reversed = { ...input(), blocks: [...input().blocks].reverse() };
    expect(renderReport(input())).toBe(html);
    expect(renderReport(reversed)).toBe(html);
  });

  it('lists only the first rows of a long list on the first paint, all of them without JS', () => {
    const many = Array.from({ length: LIST_LIMIT + 5 }, (_, i) => block(`h${String(i).padStart(5, '0')}.example`, 'suspend'));
    const long = renderReport({ ...input(), blocks: many, changes: undefined });
    expect(long).toContain('<table id="blocks" class="capped">');
    expect(long).toContain(`.capped #rows>tr:nth-child(n+${LIST_LIMIT + 1}){display:none}`);
    expect(long).toContain(`<noscript><style>.capped #rows>tr:nth-child(n+${LIST_LIMIT + 1}){display:table-row}</style></noscript>`);
    expect(serverRows(long)).toHaveLength(LIST_LIMIT + 5);
    expect(html).toContain('<table id="blocks">');
  });

  it('renders an empty list', () => {
    const empty = renderReport({ ...input(), blocks: [], changes: undefined });
    expect(empty).toContain('0 of 0 domains shown');
    expect(serverRows(empty)).toEqual([]);
  });
});

// ── Real browser ────────────────────────────────────────────────────────────────────────────
const CHROMIUM = '/usr/bin/chromium';
const require = createRequire(import.meta.url);
const hasPlaywright = (() => {
  try {
    require.resolve('playwright-core');
    return true;
  } catch {
    return false;
  }
})();
const canBrowse = existsSync(CHROMIUM) && hasPlaywright;
const why = !existsSync(CHROMIUM) ? `${CHROMIUM} is missing (scripts/install-chromium.sh)` : 'playwright-core is not installed';

// Minimal types of the playwright-core API used here (it is an optional dev dependency).
interface Locator {
  count(): Promise<number>;
  allTextContents(): Promise<string[]>;
  textContent(): Promise<string | null>;
  focus(): Promise<void>;
  getAttribute(name: string): Promise<string | null>;
}
interface Page {
  goto(url: string): Promise<unknown>;
  locator(selector: string): Locator;
  keyboard: { press(key: string): Promise<void>; type(text: string): Promise<void> };
  waitForFunction<A>(fn: (arg: A) => boolean, arg: A): Promise<unknown>;
  evaluate<T>(fn: string): Promise<T>;
  screenshot(opts: { path: string; fullPage?: boolean }): Promise<unknown>;
  setDefaultTimeout(ms: number): void;
  on(event: 'request' | 'pageerror', cb: (x: { url(): string } & Error) => void): void;
}
type PageGlobal = { document: { getElementById(id: string): { textContent: string; hidden: boolean } } };
interface Browser {
  newPage(opts?: { viewport?: { width: number; height: number } }): Promise<Page>;
  close(): Promise<void>;
}

// Generous timeouts (a loaded CI machine lays out 50,000 rows slowly); nothing asserts on time.
describe.skipIf(!canBrowse)(`report page in Debian's chromium${canBrowse ? '' : ` (skipped: ${why})`}`, { timeout: 300_000 }, () => {
  let dir: string;
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fediblock-report-'));
    const { chromium } = (await import('playwright-core')) as unknown as {
      chromium: { launch(o: { executablePath: string; args: string[] }): Promise<Browser> };
    };
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // No --user-data-dir: playwright refuses it in launch() and gives every launch a fresh,
        // empty profile directory of its own.
      ],
    });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.setDefaultTimeout(120_000);
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => errors.push(String(e.message)));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Predicates run in the page as functions (serialised, so self-contained): the page's CSP
  // forbids evaluating strings.
  const waitForStatus = (text: string) =>
    page.waitForFunction((t) => (globalThis as unknown as PageGlobal).document.getElementById('status').textContent === t, text);
  const waitForScript = () => page.waitForFunction(() => !(globalThis as unknown as PageGlobal).document.getElementById('search-form').hidden, null);
  const visibleDomains = () => page.locator('#rows tr:not([hidden]) th').allTextContents();
  const status = async () => (await page.locator('#status').textContent())?.trim();

  it('filters rows as you type, announces the count, sorts by keyboard, and fetches nothing', async () => {
    const file = join(dir, 'report.html');
    await writeFile(file, renderReport(input()));
    await page.goto(pathToFileURL(file).href);
    // The script ran (the search form is revealed by it) and the untrusted comment stayed text.
    await waitForScript();
    expect(await page.evaluate<boolean>('typeof window.alert === "function" && !document.querySelector("#rows img")')).toBe(true);
    expect(await status()).toBe('6 of 6 domains shown');

    await page.locator('#q').focus();
    await page.keyboard.type('BOT');
    await waitForStatus('1 of 6 domains shown');
    expect(await visibleDomains()).toEqual(['bots.example']);

    // Matches comments too: "media" is in quiet.example's comment only.
    await page.keyboard.press('Control+A');
    await page.keyboard.type('media');
    await waitForStatus('1 of 6 domains shown');
    expect(await visibleDomains()).toEqual(['quiet.example']);

    await page.keyboard.press('Control+A');
    await page.keyboard.type('nothing-matches-this');
    await waitForStatus('0 of 6 domains shown');
    expect(await page.locator('#no-match:not([hidden])').count()).toBe(1);

    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await waitForStatus('6 of 6 domains shown');
    expect(await visibleDomains()).toHaveLength(6);

    // Sort by "Named by" with the keyboard: focus the header's button, press Enter (ascending),
    // then Enter again (descending). Ties are ordered by domain.
    await page.locator('th[data-key="sources"] button').focus();
    await page.keyboard.press('Enter');
    expect(await page.locator('th[data-key="sources"]').getAttribute('aria-sort')).toBe('ascending');
    expect(await page.locator('th[data-key="domain"]').getAttribute('aria-sort')).toBeNull();
    expect(await visibleDomains()).toEqual(['b*d.example', 'bots.example', 'quiet.example', 'evil.example', 'loud.example', 'spam.example']);
    await page.keyboard.press('Enter');
    expect(await page.locator('th[data-key="sources"]').getAttribute('aria-sort')).toBe('descending');
    expect((await visibleDomains()).slice(0, 3)).toEqual(['spam.example', 'loud.example', 'evil.example']);
    expect(await page.locator('#sort-label').textContent()).toBe('sorted by named by, descending');

    // Severity sort (Space works too, as on any button), then filter while sorted.
    await page.locator('th[data-key="severity"] button').focus();
    await page.keyboard.press('Space');
    expect(await visibleDomains()).toEqual(['quiet.example', 'bots.example', 'loud.example', 'b*d.example', 'evil.example', 'spam.example']);
    await page.locator('#q').focus();
    await page.keyboard.type('.example');
    await page.locator('#sev').focus();
    await page.evaluate('(() => { const s = document.getElementById("sev"); s.value = "silence"; s.dispatchEvent(new Event("change")); })()');
    expect(await visibleDomains()).toEqual(['bots.example', 'loud.example']);
    expect(await status()).toBe('2 of 6 domains shown');

    // A visible focus indicator on the focused header button.
    await page.locator('th[data-key="domain"] button').focus();
    const outline = await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle');
    expect(outline).toBe('solid');

    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);

    await page.evaluate('(() => { const s = document.getElementById("sev"); s.value = ""; s.dispatchEvent(new Event("change")); })()');
    const artifacts = resolve('test/artifacts');
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'report.png'), fullPage: true });
    expect(existsSync(join(artifacts, 'report.png'))).toBe(true);
  });

  it('has text contrast of at least 4.5:1 (WCAG AA) for body, muted, header and severity text', async () => {
    const ratios = await page.evaluate<Record<string, number>>(`(() => {
      const rgb = (s) => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
      const lum = (c) => { const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
      const bgOf = (el) => { for (let e = el; e; e = e.parentElement) { const b = getComputedStyle(e).backgroundColor; if (!/rgba\\(.*, 0\\)$/.test(b) && b !== 'transparent') return b; } return 'rgb(255, 255, 255)'; };
      const ratio = (sel) => { const el = document.querySelector(sel); const a = lum(rgb(getComputedStyle(el).color)), b = lum(rgb(bgOf(el))); return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); };
      return { body: ratio('h1'), muted: ratio('.meta'), header: ratio('thead th button'), suspend: ratio('.sev-suspend'), silence: ratio('.sev-silence'), noop: ratio('.sev-noop'), none: ratio('#rows .none') };
    })()`);
    for (const [what, r] of Object.entries(ratios)) expect(r, what).toBeGreaterThanOrEqual(4.5);
  });

  it('stays usable with 50,000 rows: the page loads, filters and sorts', async () => {
    const sev = ['suspend', 'silence', 'noop'] as const;
    const blocks = Array.from({ length: 50_000 }, (_, i) =>
      block(`host${String(i).padStart(5, '0')}.example`, sev[i % 3]!, { public_comment: i % 7 === 0 ? 'spam' : 'other', sources: (i % 4) + 1 }),
    );
    const file = join(dir, 'big.html');
    await writeFile(file, renderReport({ ...input(), blocks, changes: undefined }));
    await page.goto(pathToFileURL(file).href);
    await waitForScript();
    // Only the first LIST_LIMIT rows are listed until the search narrows them or "Show all".
    expect(await status()).toBe(`${LIST_LIMIT} of 50000 domains shown; 50000 match (refine the search, or show all)`);
    expect(await page.locator('#rows tr:not([hidden])').count()).toBe(LIST_LIMIT);
    expect(await page.locator('#show-all:not([hidden])').textContent()).toBe('Show all 50000 matching domains');
    await page.locator('#q').focus();
    await page.keyboard.type('host4999');
    await waitForStatus('10 of 50000 domains shown');
    expect((await visibleDomains())[0]).toBe('host49990.example');
    expect(await page.locator('#show-all[hidden]').count()).toBe(1);
    await page.locator('th[data-key="domain"] button').focus();
    await page.keyboard.press('Enter');
    expect(await page.locator('th[data-key="domain"]').getAttribute('aria-sort')).toBe('descending');
    expect((await visibleDomains())[0]).toBe('host49999.example');
    expect(errors).toEqual([]);
  });
});
