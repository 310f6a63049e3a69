// Deterministic blocklist generator for the benchmark (and usable on its own): the same seed and
// options always give the same bytes. Lists look like the real ones fediblock reads: hostnames of
// several shapes (plain, hyphenated, subdomains, a few IDN written in Unicode and a few in upper
// case), mostly suspend with some silence and noop, comments drawn from a small vocabulary (many
// with commas, hence quoted), some flags, and a configurable overlap between lists.
//
// Overlap model (exact, not statistical): a shared pool of `sharedPool` domains is cut into
// overlapping windows, one per list, each `round(overlap * rows)` long, so that together they cover
// the pool; every list adds `rows - window` domains of its own. Distinct domains therefore are
// exactly `sharedPool + lists * (rows - window)` (see expectedDistinct) and each shared domain is
// named by about `lists * window / sharedPool` lists. Generated names never have a generated
// parent, so the merge drops nothing as redundant and the distinct count is the output count.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type GeneratedFormat = 'csv' | 'mastodon_csv' | 'rapidblock_json';

export interface GenerateOptions {
  seed: number;
  lists: number;
  rows: number;
  /** Share of each list's rows drawn from the shared pool (0..1). */
  overlap: number;
  /** Size of the shared pool; default: one list's shared window (every list names the same domains). */
  sharedPool?: number;
  /** Format of list k is formats[k % formats.length]. */
  formats: GeneratedFormat[];
  /** Share of names written as Unicode IDN (normalised to punycode on read). Default 0.005. */
  idnShare?: number;
  /** Share of names written in upper case (normalised on read). Default 0.01. */
  upperShare?: number;
  /**
   * Share of names that are a subdomain of another name of the universe (a child under a blocked
   * parent). Default 0. The merged list keeps children, as FediBlockHole does, so the distinct count
   * is unchanged.
   */
  childShare?: number;
}

/**
 * Lists both tools read the same way, for measuring fediblock beside FediBlockHole with
 * byte-identical output: names already in Mastodon's form (lowercase ASCII; FediBlockHole neither
 * lowercases nor converts IDN), and 7.5% children of other names, as real lists have.
 */
export const PEER_STYLE = { idnShare: 0, upperShare: 0, childShare: 0.075 } as const;

export interface GeneratedList {
  name: string;
  file: string;
  format: GeneratedFormat;
  rows: number;
  bytes: number;
}

/** mulberry32: tiny, fast, good enough for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['social', 'masto', 'toot', 'fedi', 'verse', 'pub', 'chat', 'space', 'cafe', 'town', 'club', 'zone', 'hub', 'net', 'place', 'world', 'city', 'garden', 'party', 'freedom', 'truth', 'based', 'chan', 'meme', 'spam', 'bot', 'crypto', 'free', 'speech', 'patriot'];
const TLDS = ['social', 'com', 'net', 'org', 'xyz', 'online', 'club', 'de', 'fr', 'co.uk', 'space', 'site', 'io', 'world', 'jp', 'lol', 'top', 'party'];
const SUBS = ['social', 'mastodon', 'm', 'pleroma', 'fedi', 'masto', 'toot', 'misskey'];
// Unicode labels whose UTS46 mapping is one-to-one (no ß/ς, which transitional processing folds).
const IDN_WORDS = ['bücher', 'münchen', 'café', 'españa', 'пример', 'тест', 'ελληνικά', '日本語', '中文', 'köln', 'zürich'];
const COMMENTS = [
  'harassment, hate speech',
  'spam',
  'csam, illegal content',
  'no moderation',
  'racism, antisemitism, harassment',
  'transphobia, harassment',
  'bot farm, spam',
  'disinformation',
  'anti-lgbtq, harassment, hate-speech, racism, spam',
  'iftas:hate-speech;online-harassment',
  'see https://example.org/why?id=1, and "notes"',
  // About half the rows of real lists carry no reason at all (Oliphant's tier-0: 42 bytes a row).
  '', '', '', '', '', '', '', '', '', '', '',
];

/**
 * A unique base label for index i: a word or two plus the index in base 36. No two collide: the
 * shapes differ in their number of hyphens, and words hold no digit, so the `0` after the word
 * in the first shape marks where the word ends.
 */
function baseLabel(i: number, r: () => number): string {
  const w1 = WORDS[Math.floor(r() * WORDS.length)] as string;
  const tag = i.toString(36);
  const shape = r();
  if (shape < 0.35) return `${w1}0${tag}`;
  if (shape < 0.7) return `${w1}-${WORDS[Math.floor(r() * WORDS.length)]}-${tag}`;
  return `${tag}-${w1}`;
}

/**
 * The i-th domain of the universe, as a list would write it. Names are unique per index, and no
 * name is a parent of another: a subdomain's parent carries an extra `-p` that plain names never have.
 */
export function domainAt(i: number, opts: Pick<GenerateOptions, 'seed' | 'idnShare' | 'upperShare' | 'childShare'>): string {
  const r = rng((opts.seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
  // A child: `k<i>-c.` in front of a lower-numbered name (no plain label starts with k and ends
  // in -c, so it collides with nothing).
  if (i > 0 && opts.childShare && r() < opts.childShare) return `k${i.toString(36)}-c.${domainAt(Math.floor(r() * i), { ...opts, childShare: 0 })}`;
  const tld = TLDS[Math.floor(r() * TLDS.length)] as string;
  const kind = r();
  const idn = r() < (opts.idnShare ?? 0.005);
  const upper = r() < (opts.upperShare ?? 0.01);
  let name: string;
  if (idn) name = `${IDN_WORDS[Math.floor(r() * IDN_WORDS.length)]}0${i.toString(36)}.${tld}`;
  else if (kind < 0.15) name = `${SUBS[Math.floor(r() * SUBS.length)]}.${baseLabel(i, r)}-p.${tld}`;
  else name = `${baseLabel(i, r)}.${tld}`;
  return upper ? name.toUpperCase() : name;
}

export function sharedWindow(o: GenerateOptions): number {
  return Math.round(o.overlap * o.rows);
}

/** Distinct domains the lists name together (the merged list's size with threshold 0). */
export function expectedDistinct(o: GenerateOptions): number {
  const w = sharedWindow(o);
  const pool = o.sharedPool ?? w;
  return pool + o.lists * (o.rows - w);
}

interface Row {
  domain: string;
  severity: 'suspend' | 'silence' | 'noop';
  reject_media: boolean;
  reject_reports: boolean;
  obfuscate: boolean;
  comment: string;
}

/** Domain indexes of list k: its window of the shared pool, then its own range after the pool. */
function listIndexes(o: GenerateOptions, k: number): number[] {
  const w = sharedWindow(o);
  const pool = o.sharedPool ?? w;
  if (w > pool) throw new Error(`overlap window ${w} is larger than the shared pool ${pool}`);
  const step = o.lists > 1 ? Math.floor(pool / o.lists) : 0;
  if (o.lists > 1 && w < step) throw new Error(`windows of ${w} cannot cover a shared pool of ${pool} with ${o.lists} lists`);
  const out: number[] = [];
  const start = k * step;
  for (let j = 0; j < w; j++) out.push((start + j) % pool);
  const own = o.rows - w;
  const base = pool + k * own;
  for (let j = 0; j < own; j++) out.push(base + j);
  return out;
}

function rowsOf(o: GenerateOptions, k: number): Row[] {
  const r = rng((o.seed * 31 + k * 7919) >>> 0);
  const rows = listIndexes(o, k).map((i): Row => {
    const s = r();
    return {
      domain: domainAt(i, o),
      severity: s < 0.7 ? 'suspend' : s < 0.95 ? 'silence' : 'noop',
      reject_media: r() < 0.2,
      reject_reports: r() < 0.1,
      obfuscate: r() < 0.05,
      comment: COMMENTS[Math.floor(r() * COMMENTS.length)] as string,
    };
  });
  // Published lists are sorted by domain.
  rows.sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
  return rows;
}

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function renderList(rows: Row[], format: GeneratedFormat): string {
  if (format === 'rapidblock_json') {
    const blocks: Record<string, unknown> = {};
    for (const row of rows) blocks[row.domain] = { isBlocked: true, reason: row.comment, tags: row.comment ? row.comment.split(', ') : [], dateRequested: '2024-01-21T00:00:00Z', dateDecided: '2024-01-21T00:00:00Z' };
    return JSON.stringify({ '@spec': 'https://rapidblock.org/spec/v1/', publishedAt: '2024-01-21T00:00:00Z', blocks }, null, 2) + '\n';
  }
  const parts: string[] = [];
  if (format === 'csv') {
    // FediBlockHole / Oliphant header and Python booleans.
    parts.push('domain,severity,reject_media,reject_reports,public_comment,obfuscate');
    for (const x of rows) parts.push(`${x.domain},${x.severity},${x.reject_media ? 'True' : 'False'},${x.reject_reports ? 'True' : 'False'},${csvCell(x.comment)},${x.obfuscate ? 'True' : 'False'}`);
  } else {
    parts.push('#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate');
    for (const x of rows) parts.push(`${x.domain},${x.severity},${x.reject_media},${x.reject_reports},${csvCell(x.comment)},${x.obfuscate}`);
  }
  return parts.join('\n') + '\n';
}

const EXT: Record<GeneratedFormat, string> = { csv: 'csv', mastodon_csv: 'mastodon.csv', rapidblock_json: 'rapidblock.json' };

/** Writes the lists into `dir` and describes them. */
export async function generateLists(dir: string, o: GenerateOptions): Promise<GeneratedList[]> {
  await mkdir(dir, { recursive: true });
  const out: GeneratedList[] = [];
  for (let k = 0; k < o.lists; k++) {
    const format = o.formats[k % o.formats.length] as GeneratedFormat;
    const name = `list${String(k + 1).padStart(2, '0')}`;
    const file = join(dir, `${name}.${EXT[format]}`);
    const text = renderList(rowsOf(o, k), format);
    await writeFile(file, text);
    out.push({ name, file, format, rows: o.rows, bytes: Buffer.byteLength(text) });
  }
  return out;
}

/** A list of `n` plain domains (distinct from every generated list's) for sync cases. */
export function plainDomains(seed: number, n: number, offset = 50_000_000): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(domainAt(offset + i, { seed, idnShare: 0, upperShare: 0 }));
  return out;
}

// The runner (run.ts) imports generateLists; nothing here runs on import.
