// `npm run bench`: the performance cases of issue 5, run against the built CLI (bin/fediblock.js,
// a separate process each time, as cron runs it). Prints a table and writes test/bench/results.json.
// Loopback only; every loop is bounded and the whole run has a deadline. See README.md.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { loadavg, tmpdir, cpus } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startEmulator, type Emulator } from '../emulator/mastodon-emulator.js';
import { expectedDistinct, generateLists, PEER_STYLE, plainDomains, type GenerateOptions } from './generate-lists.js';

// dist/bench/run.mjs (bundled) or test/bench/run.ts: the repository root is two levels up.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = process.env.FEDIBLOCK_BENCH_CLI ?? join(ROOT, 'bin/fediblock.js');
const QUICK = process.env.BENCH_QUICK === '1';
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 30_000);
const DEADLINE_MS = 45 * 60_000;
const SEED = 20240121;
const TOKEN = 'test-token';

const deadline = setTimeout(() => {
  process.stderr.write('bench: deadline reached, giving up\n');
  process.exit(1);
}, DEADLINE_MS);
deadline.unref();

// ---------------------------------------------------------------------------------------------
// Running the CLI and measuring it

interface RunResult {
  wallMs: number;
  cpuMs: number;
  rssKiB: number;
  code: number;
  stdout: string;
  stderr: string;
}

const TIME_BIN = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
let rssHook: string | undefined;

/** Without /usr/bin/time: a preload that writes the process's own resource usage at exit. */
async function hookFile(dir: string): Promise<string> {
  if (rssHook) return rssHook;
  const file = join(dir, 'rss-hook.mjs');
  await writeFile(
    file,
    `import { writeFileSync } from 'node:fs';
process.on('exit', () => { const u = process.resourceUsage(); writeFileSync(process.env.FB_BENCH_RSS_FILE, JSON.stringify({ rss: u.maxRSS, cpu: (u.userCPUTime + u.systemCPUTime) / 1000 })); });
`,
  );
  rssHook = pathToFileURL(file).href;
  return rssHook;
}

async function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; tmp: string; cwd?: string; cmd?: string[] }): Promise<RunResult> {
  const base = opts.cmd ?? [process.execPath, CLI, ...args];
  let argv: string[];
  const env = { ...process.env, ...opts.env };
  let rssFile: string | undefined;
  if (TIME_BIN) argv = [TIME_BIN, '-f', '__FBT__ %e %U %S %M', ...base];
  else {
    rssFile = join(opts.tmp, `rss-${process.hrtime.bigint()}.json`);
    env.FB_BENCH_RSS_FILE = rssFile;
    argv = [base[0] as string, '--import', await hookFile(opts.tmp), ...base.slice(1)];
  }
  const t0 = performance.now();
  const child = spawn(argv[0] as string, argv.slice(1), { env, cwd: opts.cwd ?? opts.tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number>((res) => child.on('close', (c) => res(c ?? -1)));
  const wallMs = performance.now() - t0;
  let cpuMs = NaN;
  let rssKiB = NaN;
  if (TIME_BIN) {
    const lines = stderr.trimEnd().split('\n');
    const i = lines.findLastIndex((l) => l.startsWith('__FBT__ '));
    if (i >= 0) {
      const [, , u, s, m] = (lines[i] as string).split(' ');
      cpuMs = (Number(u) + Number(s)) * 1000;
      rssKiB = Number(m);
      lines.splice(i, 1);
      stderr = lines.join('\n');
    }
  } else if (rssFile) {
    const r = JSON.parse(await readFile(rssFile, 'utf8').catch(() => '{}')) as { rss?: number; cpu?: number };
    rssKiB = r.rss ?? NaN;
    cpuMs = r.cpu ?? NaN;
  }
  return { wallMs, cpuMs, rssKiB, code, stdout, stderr };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? (s[n >> 1] as number) : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
};

interface Timed {
  runs: number;
  wallMs: { median: number; min: number; max: number };
  cpuMs: { median: number };
  rssMiB: { max: number; median: number };
}

/** One warm-up, then `runs` measured runs; every run must exit 0 (or `okCodes`). */
async function timed(label: string, args: string[], tmp: string, runs: number, check?: (r: RunResult) => void, okCodes = [0]): Promise<Timed> {
  const results: RunResult[] = [];
  for (let i = 0; i <= runs; i++) {
    const r = await runCli(args, { tmp });
    if (!okCodes.includes(r.code)) throw new Error(`${label}: exit ${r.code}\n${r.stderr.slice(0, 2000)}`);
    check?.(r);
    if (i > 0) results.push(r);
  }
  const w = results.map((r) => r.wallMs);
  const rss = results.map((r) => r.rssKiB / 1024);
  return {
    runs,
    wallMs: { median: median(w), min: Math.min(...w), max: Math.max(...w) },
    cpuMs: { median: median(results.map((r) => r.cpuMs)) },
    rssMiB: { max: Math.max(...rss), median: median(rss) },
  };
}

const toml = (s: string) => JSON.stringify(s);

// ---------------------------------------------------------------------------------------------
// FediBlockHole beside fediblock: same inputs, alternating runs (the machine's load drifts, so
// only figures taken turn about are compared), medians with min/max.

/** The `fediblock-sync` executable FEDIBLOCKHOLE points at, or why there is none. */
function findPeer(): { cmd?: string; note: string } {
  const p = process.env.FEDIBLOCKHOLE;
  if (!p) return { note: 'FediBlockHole not measured: set FEDIBLOCKHOLE to a fediblock-sync executable (see ../shared/peer/README.md)' };
  if (!existsSync(p) || basename(p) !== 'fediblock-sync') return { note: `FediBlockHole not measured: FEDIBLOCKHOLE=${p} is not a fediblock-sync executable` };
  return { cmd: p, note: `FediBlockHole: ${p}` };
}
const PEER = findPeer();

interface Side {
  name: string;
  cmd: string[];
  check?: (r: RunResult) => void | Promise<void>;
}

const stats = (results: RunResult[]): Timed => {
  const w = results.map((r) => r.wallMs);
  const rss = results.map((r) => r.rssKiB / 1024);
  return {
    runs: results.length,
    wallMs: { median: median(w), min: Math.min(...w), max: Math.max(...w) },
    cpuMs: { median: median(results.map((r) => r.cpuMs)) },
    rssMiB: { max: Math.max(...rss), median: median(rss) },
  };
};

/** One warm-up per side, then `runs` rounds running every side once, the order turning each round. */
async function alternate(sides: Side[], runs: number, tmp: string): Promise<Record<string, Timed & { loadavg: number[] }>> {
  const got = sides.map(() => [] as RunResult[]);
  const loads: number[] = [];
  for (let round = 0; round <= runs; round++) {
    for (let k = 0; k < sides.length; k++) {
      const i = (k + round) % sides.length;
      const side = sides[i] as Side;
      const r = await runCli([], { tmp, cmd: side.cmd });
      if (r.code !== 0) throw new Error(`${side.name}: exit ${r.code}\n${r.stderr.slice(0, 2000)}`);
      await side.check?.(r);
      if (round > 0) got[i]!.push(r);
    }
    loads.push(loadavg()[0] as number);
  }
  return Object.fromEntries(sides.map((s, i) => [s.name, { ...stats(got[i]!), loadavg: [Math.min(...loads), median(loads), Math.max(...loads)] }]));
}

const range = (t: Timed) => `${f3(t.wallMs.median / 1000)} s (${f3(t.wallMs.min / 1000)}–${f3(t.wallMs.max / 1000)}; cpu ${f3(t.cpuMs.median / 1000)} s), ${f1(t.rssMiB.max)} MiB`;
const loadText = (l: number[]) => `load ${f1(l[0] as number)}–${f1(l[2] as number)}`;

/** A FediBlockHole config merging `sources` (max plan, the usual four fields) into nothing but -o. */
function fbhConfig(sources: Array<{ file: string; format: string }>, allow: string[] = []): string {
  const fields = '["reject_media", "reject_reports", "public_comment", "obfuscate"]';
  return [
    'blocklist_instance_sources = []',
    'blocklist_instance_destinations = []',
    `allowlist_url_sources = [${allow.map((f) => `{ url = ${toml(pathToFileURL(f).href)}, format = "csv" }`).join(', ')}]`,
    'mergeplan = "max"',
    `import_fields = ${fields}`,
    `export_fields = ${fields}`,
    'save_intermediate = false',
    ...sources.map((x) => `[[blocklist_url_sources]]\nurl = ${toml(pathToFileURL(x.file).href)}\nformat = ${toml(x.format)}`),
  ].join('\n') + '\n';
}

/** Byte comparison of two output files. */
async function sameBytes(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([readFile(a), readFile(b)]);
  return x.equals(y);
}

// ---------------------------------------------------------------------------------------------
// Cases

interface Row {
  case: string;
  measured: string;
  target: string;
  met: boolean | null;
}
const table: Row[] = [];
const results: Record<string, unknown> = {};
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const f3 = (n: number) => n.toFixed(3);

async function caseBaseline(tmp: string) {
  const runs: RunResult[] = [];
  for (let i = 0; i <= (QUICK ? 3 : 9); i++) runs.push(await runCli([], { tmp, cmd: [process.execPath, '-e', '0'] }));
  runs.shift();
  const versions: RunResult[] = [];
  for (let i = 0; i <= (QUICK ? 3 : 9); i++) versions.push(await runCli(['--version'], { tmp }));
  versions.shift();
  const r = { nodeStartMs: median(runs.map((x) => x.wallMs)), nodeStartCpuMs: median(runs.map((x) => x.cpuMs)), cliVersionMs: median(versions.map((x) => x.wallMs)) };
  results.baseline = r;
  table.push({ case: '0 node -e 0 / fediblock --version (floor)', measured: `${f3(r.nodeStartMs / 1000)} s / ${f3(r.cliVersionMs / 1000)} s`, target: '-', met: null });
  return r;
}

async function caseTier0(tmp: string, floorMs: number) {
  const dir = join(tmp, 'tier0');
  await mkdir(dir, { recursive: true });
  const fx = join(ROOT, 'fixtures/oliphant-2024-01-21');
  const src = ['tier0.csv', 'gardenfence.csv', 'tier0-council.csv', 'dni.csv'];
  const allow = ['__allowlist.csv', 'birdsite.csv'];
  // What `fediblock config migrate fixtures/config/fediblockhole-tier0.conf.toml` prints, with absolute paths.
  const native = [
    '[merge]',
    'plan = "max"',
    'threshold = 0',
    'import_fields = ["public_comment", "reject_media", "reject_reports", "obfuscate"]',
    'export_fields = ["reject_media", "reject_reports", "public_comment", "obfuscate"]',
    `[fetch]\ncache_dir = ${toml(join(dir, 'cache'))}`,
    ...src.map((f) => `[[source]]\nurl = ${toml(join(fx, f))}\nformat = "csv"`),
    ...allow.map((f) => `[[allowlist]]\nurl = ${toml(join(fx, f))}\nformat = "csv"`),
  ].join('\n');
  await writeFile(join(dir, 'blocklist.toml'), native + '\n');
  const fbh = (await readFile(join(ROOT, 'fixtures/config/fediblockhole-tier0.conf.toml'), 'utf8'))
    // file: URLs, which both tools read as local files (FediBlockHole needs the scheme).
    .replaceAll("'../oliphant-2024-01-21/", `'${pathToFileURL(fx).href}/`)
    .replace(/blocklist_savefile = .*/, `blocklist_savefile = ${toml(join(dir, 'fbh-out.csv'))}`);
  await writeFile(join(dir, 'fbh.conf.toml'), fbh);

  const out = join(dir, 'out.csv');
  const check = async () => {
    const n = (await readFile(out, 'utf8')).split('\n').filter(Boolean).length - 1;
    if (n !== 447) throw new Error(`tier-0 merge wrote ${n} domains, expected 447`);
  };
  const runs = QUICK ? 3 : 9;
  const t = await timed('tier0', ['merge', '-c', join(dir, 'blocklist.toml'), '-o', out, '-q', '--cache-dir', join(dir, 'cache')], tmp, runs);
  await check();
  const tf = await timed('tier0-fbh', ['merge', '-c', join(dir, 'fbh.conf.toml'), '-o', out, '-q', '--cache-dir', join(dir, 'cache')], tmp, runs);
  const peer = PEER.cmd ? await tier0BesidePeer(dir, PEER.cmd) : undefined;
  results.tier0 = { native: t, fediblockhole_config: tf, domains: 447, ...(peer ? { peer } : { peer: PEER.note }) };
  table.push({
    case: '1 merge tier-0 (447 out), native config',
    measured: `${f3(t.wallMs.median / 1000)} s (cpu ${f3(t.cpuMs.median / 1000)} s), ${f1(t.rssMiB.max)} MiB; over node: +${f3((t.wallMs.median - floorMs) / 1000)} s`,
    target: '(see 1p)',
    met: null,
  });
  table.push({
    case: '1b same, FediBlockHole config',
    measured: `${f3(tf.wallMs.median / 1000)} s, ${f1(tf.rssMiB.max)} MiB`,
    target: '(info)',
    met: null,
  });
  if (peer) {
    const ratio = peer.fediblock.wallMs.median / peer.fediblockhole.wallMs.median;
    table.push({
      case: '1p tier-0, alternating: fediblock vs FediBlockHole',
      measured: `${range(peer.fediblock)} vs ${range(peer.fediblockhole)} = ${f2(ratio)}×; output ${peer.identical ? 'identical' : 'DIFFERENT'}; ${loadText(peer.fediblock.loadavg)}`,
      target: '≤ 1.0× FediBlockHole, identical',
      met: ratio <= 1 && peer.identical,
    });
  } else table.push({ case: '1p tier-0 vs FediBlockHole', measured: PEER.note, target: '≤ 1.0× FediBlockHole', met: null });
}

/** Tier-0 by both tools from the same FediBlockHole config, turn about; and fediblock's output from it compared byte for byte. */
async function tier0BesidePeer(dir: string, peer: string) {
  const conf = join(dir, 'fbh.conf.toml');
  const fbOut = join(dir, 'peer-fb.csv');
  const fbhOut = join(dir, 'peer-fbh.csv');
  const sides: Side[] = [
    { name: 'fediblock', cmd: [process.execPath, CLI, 'merge', '-c', join(dir, 'blocklist.toml'), '-o', fbOut, '-q', '--cache-dir', join(dir, 'cache')] },
    { name: 'fediblockhole', cmd: [peer, '-c', conf, '--no-push-instance', '-o', fbhOut] },
  ];
  const r = await alternate(sides, QUICK ? 5 : 15, dir);
  const same = join(dir, 'peer-fb-fbhconf.csv');
  const x = await runCli(['merge', '-c', conf, '-o', same, '-q', '--cache-dir', join(dir, 'cache')], { tmp: dir });
  if (x.code !== 0) throw new Error(`tier-0 from the FediBlockHole config: exit ${x.code}\n${x.stderr.slice(0, 2000)}`);
  return { fediblock: r.fediblock!, fediblockhole: r.fediblockhole!, identical: await sameBytes(same, fbhOut) };
}

async function mergeCase(tmp: string, key: string, label: string, o: GenerateOptions, runs: number, target?: { wallMs: number; rssMiB: number; peerRatio?: number }) {
  const dir = join(tmp, key);
  const lists = await generateLists(join(dir, 'lists'), o);
  const cfg = [
    '[merge]',
    'threshold = 0',
    `[fetch]\ncache_dir = ${toml(join(dir, 'cache'))}`,
    '[output]\nformat = "csv"',
    ...lists.map((l) => `[[source]]\nname = ${toml(l.name)}\nurl = ${toml(l.file)}\nformat = ${toml(l.format)}`),
  ].join('\n');
  await writeFile(join(dir, 'blocklist.toml'), cfg + '\n');
  const out = join(dir, 'out.csv');
  const args = ['merge', '-c', join(dir, 'blocklist.toml'), '-o', out, '-q'];
  // With a peer target and FediBlockHole at hand, both run turn about; else fediblock alone.
  const peer = target?.peerRatio !== undefined && PEER.cmd ? await mergeBesidePeer(dir, lists, args, runs, PEER.cmd) : undefined;
  const t = peer ? peer.fediblock : await timed(label, args, tmp, runs);
  const text = await readFile(out, 'utf8');
  const distinct = text.split('\n').filter(Boolean).length - 1;
  const expected = expectedDistinct(o);
  if (distinct !== expected) throw new Error(`${label}: merged ${distinct} domains, expected ${expected}`);
  const rows = o.lists * o.rows;
  const bytes = lists.reduce((a, l) => a + l.bytes, 0);
  await rm(join(dir, 'lists'), { recursive: true, force: true });
  const r = { lists: o.lists, rowsPerList: o.rows, rows, distinct, inputMiB: bytes / 2 ** 20, formats: o.formats, ...t, ...(target?.peerRatio === undefined ? {} : { peer: peer ?? PEER.note }) };
  results[key] = r;
  table.push({
    case: `2 ${label} (${rows.toLocaleString('en')} rows → ${distinct.toLocaleString('en')})`,
    measured: `${f2(t.wallMs.median / 1000)} s (${f2(t.wallMs.min / 1000)}–${f2(t.wallMs.max / 1000)}; cpu ${f2(t.cpuMs.median / 1000)} s), ${f1(t.rssMiB.max)} MiB`,
    target: target ? `≤ ${f1(target.wallMs / 1000)} s, ≤ ${target.rssMiB} MiB` : '(info)',
    met: target ? t.wallMs.median <= target.wallMs && t.rssMiB.max <= target.rssMiB : null,
  });
  if (target?.peerRatio !== undefined) {
    if (peer) {
      const ratio = peer.fediblock.wallMs.median / peer.fediblockhole.wallMs.median;
      table.push({
        case: `2p ${label}, alternating: fediblock vs FediBlockHole`,
        measured: `${range(peer.fediblock)} vs ${range(peer.fediblockhole)} = ${f2(ratio)}×; output ${peer.identical ? 'identical' : 'DIFFERENT'}; ${loadText(peer.fediblock.loadavg)}`,
        target: `≤ ${target.peerRatio}× FediBlockHole, identical`,
        met: ratio <= target.peerRatio && peer.identical,
      });
    } else table.push({ case: `2p ${label} vs FediBlockHole`, measured: PEER.note, target: `≤ ${target.peerRatio}× FediBlockHole`, met: null });
  }
  return r;
}

/** Both tools on the same lists, turn about; fediblock's output from FediBlockHole's own config compared byte for byte with FediBlockHole's. */
async function mergeBesidePeer(dir: string, lists: Array<{ file: string; format: string }>, args: string[], runs: number, peer: string) {
  const conf = join(dir, 'fbh.conf.toml');
  await writeFile(conf, fbhConfig(lists));
  const fbhOut = join(dir, 'peer-fbh.csv');
  const sides: Side[] = [
    { name: 'fediblock', cmd: [process.execPath, CLI, ...args] },
    { name: 'fediblockhole', cmd: [peer, '-c', conf, '--no-push-instance', '-o', fbhOut] },
  ];
  const r = await alternate(sides, runs, dir);
  const same = join(dir, 'peer-fb-fbhconf.csv');
  const x = await runCli(['merge', '-c', conf, '-o', same, '-q'], { tmp: dir });
  if (x.code !== 0) throw new Error(`merge from the FediBlockHole config: exit ${x.code}\n${x.stderr.slice(0, 2000)}`);
  return { fediblock: r.fediblock!, fediblockhole: r.fediblockhole!, identical: await sameBytes(same, fbhOut) };
}

async function caseMerges(tmp: string) {
  const small = await mergeCase(tmp, 'merge_5x1000', '5 × 1,000', { seed: SEED, lists: 5, rows: 1000, overlap: 0.5, sharedPool: 1500, formats: ['csv', 'mastodon_csv', 'rapidblock_json'] }, QUICK ? 3 : 7);
  const medium = await mergeCase(tmp, 'merge_10x20000', '10 × 20,000', { seed: SEED, lists: 10, rows: 20_000, overlap: 0.5, sharedPool: 15_000, formats: ['csv', 'mastodon_csv'] }, QUICK ? 2 : 5);
  // 20 × 50,000 → 537,500 distinct: a shared pool of 37,500 + 20 × 25,000 own domains.
  // Peer-style names (already normalised, 7.5% children) so FediBlockHole's output can be identical.
  const large = await mergeCase(tmp, 'merge_20x50000', '20 × 50,000', { seed: SEED, lists: 20, rows: 50_000, overlap: 0.5, sharedPool: 37_500, formats: ['csv', 'mastodon_csv'], ...PEER_STYLE }, QUICK ? 2 : 5, { wallMs: 4000, rssMiB: 250, peerRatio: 0.34 });
  // Memory per distinct domain: the same 1M input rows with fewer distinct domains.
  const fewer = await mergeCase(tmp, 'merge_20x50000_overlap', '20 × 50,000, 90% shared', { seed: SEED + 1, lists: 20, rows: 50_000, overlap: 0.9, sharedPool: 90_000, formats: ['csv', 'mastodon_csv'], ...PEER_STYLE }, QUICK ? 1 : 3);
  const perDomain = ((large.rssMiB.median - fewer.rssMiB.median) * 2 ** 20) / (large.distinct - fewer.distinct);
  const perRow = ((medium.rssMiB.median - small.rssMiB.median) * 2 ** 20) / (medium.rows - small.rows);
  results.memory = { bytesPerDistinctDomain: Math.round(perDomain), bytesPerInputRowIncludingDistinct: Math.round(perRow), baseMiB: small.rssMiB.median };
  table.push({
    case: '2m memory growth',
    measured: `${Math.round(perDomain)} B per distinct domain (same rows); ${Math.round(perRow)} B per input row (5k→200k rows)`,
    target: 'linear; stated',
    met: null,
  });
}

/** Requests in each rate-limit window (per token), the way the emulator counts them. */
function windowCounts(em: Emulator, windowMs: number): number[] {
  const counts = new Map<number, number>();
  for (const r of em.requests) if (r.token === TOKEN) counts.set(Math.floor(r.at / windowMs), (counts.get(Math.floor(r.at / windowMs)) ?? 0) + 1);
  return [...counts.values()];
}

/** The earliest the client could finish: `usable` requests per window, `conc` at a time, each `lat` long. */
function budgetBoundMs(start: number, requests: number, usable: number, conc: number, lat: number, windowMs: number): number {
  let t = start;
  let win = Math.floor(t / windowMs);
  let used = 0;
  let inSlot = 0;
  for (let i = 0; i < requests; i++) {
    if (used >= usable) {
      win += 1;
      t = Math.max(t, win * windowMs);
      used = 0;
      inSlot = 0;
    }
    used++;
    if (++inSlot === conc) {
      t += lat;
      inSlot = 0;
    }
  }
  return t + (inSlot > 0 ? lat : 0) - start;
}

async function syncCase(tmp: string, key: string, desired: string[], seed: Array<{ domain: string; severity: 'suspend' | 'silence' }>, em: Emulator | undefined) {
  const dir = join(tmp, 'sync');
  await mkdir(dir, { recursive: true });
  const emu = em ?? (await startEmulator({ rateLimit: { limit: 300, windowMs: WINDOW_MS }, latencyMs: 20, blocks: seed }));
  const list = join(dir, `${key}.csv`);
  await writeFile(list, 'domain,severity,public_comment\n' + desired.map((d, i) => `${d},${i % 4 === 0 ? 'silence' : 'suspend'},"bench, generated"`).join('\n') + '\n');
  const cfg = [
    // A cache per case: the brakes keep the list each destination was last synced to, and every
    // case's instance is called admin.example (the re-run shares its case's cache on purpose).
    `[fetch]\ncache_dir = ${toml(join(dir, `cache-${key}`))}`,
    `[[source]]\nurl = ${toml(list)}\nformat = "csv"`,
    '[[destination]]',
    'domain = "admin.example"',
    `api_base = ${toml(emu.url)}`,
    'token_env = "FEDIBLOCK_BENCH_TOKEN"',
    // Follow checks cost one measures request per suspend; the write path is what is measured here.
    'max_followed_severity = "suspend"',
    `snapshot_dir = ${toml(join(dir, 'snapshots'))}`,
  ].join('\n');
  const cfgFile = join(dir, `${key}.toml`);
  await writeFile(cfgFile, cfg + '\n');
  const before = emu.requests.length;
  const writesBefore = emu.writes().length;
  const r = await runCli(['sync', '--yes', '-q', '-c', cfgFile], { tmp, env: { FEDIBLOCK_BENCH_TOKEN: TOKEN } });
  if (r.code !== 0) throw new Error(`sync ${key}: exit ${r.code}\n${r.stderr.slice(0, 2000)}\n${r.stdout.slice(0, 2000)}`);
  const reqs = emu.requests.slice(before);
  const writes = emu.writes().length - writesBefore;
  const first = reqs[0]?.at ?? 0;
  const last = reqs[reqs.length - 1]?.at ?? 0;
  const listing = reqs.filter((q) => q.method === 'GET' && q.path === '/api/v1/admin/domain_blocks');
  return {
    emu,
    wallMs: r.wallMs,
    rssMiB: r.rssKiB / 1024,
    requests: reqs.length,
    writes,
    measures: reqs.filter((q) => q.path === '/api/v1/admin/measures').length,
    listingPages: listing.length,
    listingLimit500: listing.every((q) => /(^|&)limit=500(&|$)/.test(q.query)),
    status429: reqs.filter((q) => q.status === 429).length,
    apiSpanMs: reqs.length ? last - first + 20 : 0,
    firstAt: first,
    blocksAfter: emu.blocks().length,
  };
}

async function caseSync(tmp: string) {
  const conc = 4;
  const lat = 20;
  const usable = 300 - Math.ceil(300 * 0.1);
  // 200 creates into an empty instance: under budget.
  const a = await syncCase(tmp, 'create200', plainDomains(SEED, 200), [], undefined);
  await a.emu.stop();
  const boundA = (a.requests / conc) * lat;
  const { emu: _ea, ...ra } = a;
  results.sync_200 = { ...ra, boundMs: boundA, ratio: a.apiSpanMs / boundA };
  table.push({
    case: `3 sync 200 creates (under budget), ${a.requests} requests`,
    measured: `API ${f2(a.apiSpanMs / 1000)} s = ${f2(a.apiSpanMs / boundA)}× bound ${f2(boundA / 1000)} s; process ${f2(a.wallMs / 1000)} s; 429s ${a.status429}`,
    target: '≤ 1.1× requests÷conc×latency',
    met: a.apiSpanMs <= 1.1 * boundA && a.status429 === 0 && a.blocksAfter === 200,
  });

  // 1,000 creates into an instance holding 2,000 hand-made blocks: bound by the token budget.
  const held = plainDomains(SEED + 7, 2000, 60_000_000).map((domain, i) => ({ domain, severity: (i % 3 ? 'suspend' : 'silence') as 'suspend' | 'silence' }));
  const desired = plainDomains(SEED, 1000);
  const b = await syncCase(tmp, 'create1000', desired, held, undefined);
  const counts = windowCounts(b.emu, WINDOW_MS);
  const minRemaining = 300 - Math.max(...counts);
  const boundB = budgetBoundMs(b.firstAt, b.requests, usable, conc, lat, WINDOW_MS);
  const { emu: _eb, ...rb } = b;
  results.sync_1000 = { ...rb, windowMs: WINDOW_MS, requestsPerWindow: counts, minRemaining, reserve: 300 - usable, boundMs: boundB, ratio: b.apiSpanMs / boundB };
  table.push({
    case: `3 sync 1,000 creates into 2,000 (window ${WINDOW_MS / 1000} s), ${b.requests} req`,
    measured: `API ${f1(b.apiSpanMs / 1000)} s = ${f2(b.apiSpanMs / boundB)}× budget bound ${f1(boundB / 1000)} s; 429s ${b.status429}; min remaining ${minRemaining}`,
    target: '≤ 1.1× budget bound, 0 429s, remaining ≥ 30',
    met: b.apiSpanMs <= 1.1 * boundB && b.status429 === 0 && minRemaining >= 300 - usable && b.blocksAfter === 3000,
  });

  // The same again: nothing changed. Wait for a fresh window so the listing is not throttled.
  const wait = WINDOW_MS - (Date.now() % WINDOW_MS) + 50;
  await new Promise((res) => setTimeout(res, wait));
  const c = await syncCase(tmp, 'create1000', desired, held, b.emu);
  await b.emu.stop();
  const { emu: _ec, ...rc } = c;
  results.sync_rerun = rc;
  table.push({
    case: '3 sync no-change re-run (3,000 blocks)',
    measured: `${c.writes} writes, ${c.measures} measures, ${c.listingPages} listing pages (limit=500: ${c.listingLimit500 ? 'yes' : 'no'}), ${c.requests} req, ${f2(c.wallMs / 1000)} s`,
    target: '0 writes, 0 checks, limit=500',
    met: c.writes === 0 && c.measures === 0 && c.listingLimit500,
  });
}

/** 50 instances, each needing 200 creates, synced from one config with destinations_concurrency = 50, against one alone. */
async function caseManyDestinations(tmp: string) {
  const dir = join(tmp, 'many');
  await mkdir(dir, { recursive: true });
  const lat = 20;
  const desired = plainDomains(SEED + 11, 200);
  const list = join(dir, 'list.csv');
  await writeFile(list, 'domain,severity\n' + desired.map((d, i) => `${d},${i % 4 === 0 ? 'silence' : 'suspend'}`).join('\n') + '\n');
  const syncMany = async (count: number) => {
    const emus: Emulator[] = [];
    try {
      for (let i = 0; i < count; i++) emus.push(await startEmulator({ domain: `i${i}.example`, rateLimit: { limit: 300, windowMs: WINDOW_MS }, latencyMs: lat }));
      const cfg = [
        `[fetch]\ncache_dir = ${toml(join(dir, `cache-${count}`))}`,
        `[sync]\ndestinations_concurrency = ${count}`,
        `[[source]]\nurl = ${toml(list)}\nformat = "csv"`,
        ...emus.map((e, i) => `[[destination]]\ndomain = "i${i}.example"\napi_base = ${toml(e.url)}\ntoken_env = "FEDIBLOCK_BENCH_TOKEN"\nmax_followed_severity = "suspend"\nsnapshot_dir = ${toml(join(dir, `snap-${count}`))}`),
      ].join('\n');
      const file = join(dir, `many-${count}.toml`);
      await writeFile(file, cfg + '\n');
      const r = await runCli(['sync', '--yes', '-q', '-c', file], { tmp, env: { FEDIBLOCK_BENCH_TOKEN: TOKEN } });
      if (r.code !== 0) throw new Error(`sync into ${count} destinations: exit ${r.code}\n${r.stderr.slice(0, 2000)}`);
      const complete = emus.every((e) => e.blocks().length === desired.length);
      const summaries = r.stdout.split('\n').filter((l) => / created, /.test(l)).length;
      const status429 = emus.reduce((a, e) => a + e.requests.filter((q) => q.status === 429).length, 0);
      return { wallMs: r.wallMs, cpuMs: r.cpuMs, rssMiB: r.rssKiB / 1024, complete, summaries, status429 };
    } finally {
      for (const e of emus) await e.stop();
    }
  };
  const one = await syncMany(1);
  const many = await syncMany(50);
  const ratio = many.wallMs / one.wallMs;
  results.many_destinations = { latencyMs: lat, creates: desired.length, one, fifty: many, ratio, loadavg: loadavg() };
  table.push({
    case: '5 sync 50 instances × 200 creates (destinations_concurrency = 50)',
    measured: `${f2(many.wallMs / 1000)} s = ${f2(ratio)}× one alone (${f2(one.wallMs / 1000)} s); ${f1(many.rssMiB)} MiB; ${many.summaries} summary lines; 429s ${many.status429}`,
    target: '≤ 1.3× one alone, ≤ 150 MiB, one line each',
    met: ratio <= 1.3 && many.rssMiB <= 150 && many.complete && many.summaries === 50 && many.status429 === 0,
  });
}

interface Served {
  path: string;
  start: number;
  end: number;
  status: number;
  bytes: number;
}

async function startListServer(files: Map<string, Buffer>, latencyMs: number): Promise<{ url: string; log: Served[]; close: () => Promise<void> }> {
  const log: Served[] = [];
  const lastModified = new Date(Date.UTC(2024, 0, 21)).toUTCString();
  const server: Server = createServer((req, res) => {
    const start = performance.now();
    const path = (req.url ?? '/').split('?')[0] as string;
    const body = files.get(path);
    setTimeout(() => {
      let status = 200;
      let bytes = 0;
      if (!body) {
        status = 404;
        res.writeHead(404).end();
      } else {
        const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
        if (req.headers['if-none-match'] === etag || (!req.headers['if-none-match'] && req.headers['if-modified-since'] === lastModified)) {
          status = 304;
          res.writeHead(304, { etag, 'last-modified': lastModified }).end();
        } else {
          bytes = body.length;
          res.writeHead(200, { etag, 'last-modified': lastModified, 'content-type': 'text/csv', 'content-length': String(body.length) }).end(body);
        }
      }
      res.on('finish', () => log.push({ path, start, end: performance.now(), status, bytes }));
    }, latencyMs);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise((res) => {
        server.closeAllConnections();
        server.close(() => res());
      }),
  };
}

async function caseFetch(tmp: string) {
  const dir = join(tmp, 'fetch');
  const lists = await generateLists(join(dir, 'lists'), { seed: SEED + 3, lists: 10, rows: 5000, overlap: 0.5, sharedPool: 5000, formats: ['csv', 'mastodon_csv'] });
  const files = new Map<string, Buffer>();
  for (const l of lists) files.set(`/${l.name}.csv`, await readFile(l.file));
  const srv = await startListServer(files, 50);
  try {
    const config = async (name: string, concurrency: number | undefined, only?: string) => {
      const chosen = only ? lists.filter((l) => l.name === only) : lists;
      const text = [
        `[fetch]\ncache_dir = ${toml(join(dir, 'cache-unused'))}${concurrency ? `\nconcurrency = ${concurrency}` : ''}`,
        ...chosen.map((l) => `[[source]]\nname = ${toml(l.name)}\nurl = ${toml(`${srv.url}/${l.name}.csv`)}\nformat = ${toml(l.format)}`),
      ].join('\n');
      await writeFile(join(dir, name), text + '\n');
      return join(dir, name);
    };
    const largest = [...lists].sort((x, y) => y.bytes - x.bytes)[0]!.name;
    const runs = QUICK ? 2 : 5;
    const span = (from: number) => {
      const l = srv.log.slice(from);
      return { span: Math.max(...l.map((x) => x.end)) - Math.min(...l.map((x) => x.start)), slowest: Math.max(...l.map((x) => x.end - x.start)), statuses: l.map((x) => x.status), bytes: l.reduce((a, x) => a + x.bytes, 0), wall: 0 };
    };
    const measure = async (cfg: string, cold: boolean) => {
      const out: ReturnType<typeof span>[] = [];
      const warmCache = join(dir, 'cache-warm');
      for (let i = 0; i <= runs; i++) {
        const cache = cold ? join(dir, `cache-cold-${i}-${Math.random().toString(36).slice(2)}`) : warmCache;
        const from = srv.log.length;
        const r = await runCli(['merge', '-c', cfg, '-o', join(dir, 'out.csv'), '-q', '--cache-dir', cache], { tmp });
        if (r.code !== 0) throw new Error(`fetch case: exit ${r.code}\n${r.stderr.slice(0, 2000)}`);
        const s = span(from);
        s.wall = r.wallMs;
        if (i > 0) out.push(s);
        if (cold) await rm(cache, { recursive: true, force: true });
      }
      return out;
    };
    const single = await measure(await config('single.toml', undefined, largest), true);
    const cold10 = await measure(await config('ten-c10.toml', 10), true);
    const cold4 = await measure(await config('ten-c4.toml', undefined), true);
    const warm = await measure(await config('ten-c10.toml', 10), false); // warm-up run fills cache-warm
    const singleMs = median(single.map((s) => s.slowest));
    const r = {
      latencyMs: 50,
      sources: 10,
      rowsPerSource: 5000,
      singleSlowestMs: singleMs,
      cold_concurrency10: { spanMs: median(cold10.map((s) => s.span)), processMs: median(cold10.map((s) => s.wall)) },
      cold_concurrency4_default: { spanMs: median(cold4.map((s) => s.span)), processMs: median(cold4.map((s) => s.wall)) },
      warm: { spanMs: median(warm.map((s) => s.span)), processMs: median(warm.map((s) => s.wall)), statuses: warm[warm.length - 1]?.statuses, bodyBytes: warm.reduce((a, s) => a + s.bytes, 0) },
    };
    results.fetch = r;
    table.push({
      case: '4 fetch 10 sources cold, concurrency 10',
      measured: `${f1(r.cold_concurrency10.spanMs)} ms = ${f2(r.cold_concurrency10.spanMs / singleMs)}× slowest single ${f1(singleMs)} ms (process ${f2(r.cold_concurrency10.processMs / 1000)} s)`,
      target: '≤ 2× slowest single',
      met: r.cold_concurrency10.spanMs <= 2 * singleMs,
    });
    table.push({
      case: '4 fetch 10 sources cold, default concurrency 4',
      measured: `${f1(r.cold_concurrency4_default.spanMs)} ms = ${f2(r.cold_concurrency4_default.spanMs / singleMs)}× slowest single`,
      target: '(info: ⌈10/4⌉ = 3 rounds)',
      met: null,
    });
    const all304 = warm.every((s) => s.statuses.length === 10 && s.statuses.every((x) => x === 304));
    table.push({
      case: '4 fetch 10 sources warm (304)',
      measured: `${all304 ? '10 × 304' : 'NOT all 304'}, ${r.warm.bodyBytes} body bytes, ${f1(r.warm.spanMs)} ms (process ${f2(r.warm.processMs / 1000)} s)`,
      target: '10 × 304, no bodies',
      met: all304 && r.warm.bodyBytes === 0,
    });
  } finally {
    await srv.close();
  }
}

// ---------------------------------------------------------------------------------------------

function printTable() {
  const w0 = Math.max(...table.map((r) => r.case.length), 4);
  const w1 = Math.max(...table.map((r) => r.measured.length), 8);
  const w2 = Math.max(...table.map((r) => r.target.length), 6);
  const line = (a: string, b: string, c: string, d: string) => `${a.padEnd(w0)} | ${b.padEnd(w1)} | ${c.padEnd(w2)} | ${d}`;
  const out = [line('case', 'measured', 'target', 'met'), `${'-'.repeat(w0)}-+-${'-'.repeat(w1)}-+-${'-'.repeat(w2)}-+----`];
  for (const r of table) out.push(line(r.case, r.measured, r.target, r.met === null ? '' : r.met ? 'yes' : 'NO'));
  process.stdout.write(out.join('\n') + '\n');
}

async function main() {
  const only = (process.env.BENCH_ONLY ?? 'baseline,tier0,merge,sync,many,fetch').split(',');
  const tmp = await mkdtemp(join(tmpdir(), 'fediblock-bench-'));
  const started = Date.now();
  const load = { before: loadavg() };
  process.stderr.write(`bench: ${CLI} (node ${process.version}, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}); temp ${tmp}\n`);
  try {
    let floor = 0;
    if (only.includes('baseline')) floor = (await caseBaseline(tmp)).nodeStartMs;
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!only.includes(name)) return;
      process.stderr.write(`bench: ${name}…\n`);
      await fn();
    };
    await step('tier0', () => caseTier0(tmp, floor));
    await step('merge', () => caseMerges(tmp));
    await step('sync', () => caseSync(tmp));
    await step('many', () => caseManyDestinations(tmp));
    await step('fetch', () => caseFetch(tmp));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const meta = { date: new Date().toISOString(), node: process.version, cores: cpus().length, cpu: cpus()[0]?.model, loadavg: { before: load.before, after: loadavg() }, totalSeconds: (Date.now() - started) / 1000, timeSource: TIME_BIN ? '/usr/bin/time' : 'process.resourceUsage()' };
  printTable();
  process.stdout.write(`load average before ${load.before.map((x) => x.toFixed(2)).join(' ')}, after ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${f1(meta.totalSeconds)} s in all\n`);
  const file = join(ROOT, 'test/bench/results.json');
  await writeFile(file, JSON.stringify({ meta, table, results }, null, 2) + '\n');
  process.stdout.write(`wrote ${file}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
