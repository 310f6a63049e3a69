// `fediblock announce`: a ready-to-post account of what fediblock applied (from the journal) or
// will apply (from a plan file) on one destination, as text, Markdown or JSON, optionally split
// into a thread and posted with the destination's own posting token.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { DestinationConfig, LoadedConfig } from '../config/index.js';
import { ConfigError, EXIT, FediblockError } from '../errors.js';
import { changesFromJournal, changesFromPlan } from '../announce/collect-changes.js';
import { renderJson, renderMarkdown, renderText, sectionsOf, titleOf, type Announcement } from '../announce/render-announcement.js';
import { readPosted, recordPosted } from '../announce/posted-record.js';
import { splitThread } from '../announce/split-thread.js';
import { writeFileAtomic } from '../output/atomic-write.js';
import type { Plan } from '../model.js';
import { readJournal } from '../journal/read-journal.js';
import { getLogger } from '../log.js';
import { confirm, requireYesOffTty } from './apply-with-care.js';
import type { JobContext } from './context.js';
import { openConfig } from './open-config.js';

/** Mastodon's default post length, used when the instance does not say (or is not asked). */
export const DEFAULT_MAX_CHARACTERS = 500;
const VISIBILITIES = ['public', 'unlisted', 'private', 'direct'] as const;
type Visibility = (typeof VISIBILITIES)[number];

export async function runAnnounce(ctx: JobContext): Promise<number> {
  const o = ctx.opts;
  const format = typeof o.format === 'string' ? o.format : 'text';
  const post = o.post === true;
  const thread = o.thread === true || post;
  const visibility = (typeof o.visibility === 'string' ? o.visibility : 'unlisted') as Visibility;
  if (!VISIBILITIES.includes(visibility)) throw new ConfigError(`--visibility must be one of ${VISIBILITIES.join(', ')}`);
  if ([o.since, o.run, o.plan].filter((x) => typeof x === 'string').length > 1) throw new ConfigError('use one of --since, --run and --plan');
  if (thread && format === 'markdown') throw new ConfigError('a thread is plain text: use --format text (or json) with --thread');
  if (post) requireYesOffTty(ctx, 'announce --post');

  const config = await openConfig(ctx);
  const { announcement, dest, key } = await gather(ctx, config);
  const json = format === 'json';

  if (!announcement.changes.length) {
    const note = `nothing to announce: ${nothingNote(announcement, o)}`;
    if (json) ctx.stdout.write(JSON.stringify({ destination: announcement.destination, nothing: true, note }, null, 2) + '\n');
    else ctx.stdout.write(`${note}\n`);
    return EXIT.OK;
  }

  // An unattended `announce --post` after a run that changed nothing finds the last run posted.
  const already = post && dest ? (await readPosted(config.fetch.cache_dir, dest.domain)).find((p) => p.key === key) : undefined;
  if (already) {
    ctx.stdout.write(`nothing new to announce: ${describeKey(key)} was posted on ${already.time.slice(0, 16).replace('T', ' ')} UTC${already.url ? ` (${already.url})` : ''}\n`);
    return EXIT.OK;
  }

  let posts: string[] | undefined;
  let client: Awaited<ReturnType<typeof openPoster>> | undefined;
  if (thread) {
    client = post ? await openPoster(ctx, config, dest) : undefined;
    const max = await maxCharacters(ctx, config, dest, client);
    posts = splitThread(titleOf(announcement), sectionsOf(announcement), max);
  }
  const text = json ? renderJson(announcement, posts) : posts ? posts.join('\n\n---\n\n') + '\n' : format === 'markdown' ? renderMarkdown(announcement) : renderText(announcement);
  const outPath = typeof o.output === 'string' ? o.output : undefined;
  if (outPath) await writeFileAtomic(outPath, text);
  else ctx.stdout.write(text);
  if (!post || !posts || !client) return EXIT.OK;

  try {
    const cacheDir = config.fetch.cache_dir;
    const question = `Post ${posts.length === 1 ? 'this' : `these ${posts.length} posts as a thread`} to ${dest!.domain} (${visibility})?`;
    if (!(await confirm(ctx, question))) {
      ctx.stderr.write('nothing posted\n');
      return EXIT.OK;
    }
    let replyTo: string | undefined;
    let first: { id: string; url: string | null } | undefined;
    const ids: string[] = [];
    for (const [i, status] of posts.entries()) {
      // The same announcement gets the same keys: a re-run after a failure (within the hour
      // Mastodon keeps them) finds the posts already made instead of doubling them.
      const idempotencyKey = createHash('sha256').update(`fediblock-announce\0${dest!.domain}\0${key}\0${i}\0${status}`).digest('hex').slice(0, 40);
      const made = await client.postStatus({ status, visibility, ...(replyTo ? { in_reply_to_id: replyTo } : {}) }, idempotencyKey);
      first ??= made;
      replyTo = made.id;
      ids.push(made.id);
    }
    await recordPosted(cacheDir, dest!.domain, { key, time: new Date().toISOString(), ids, url: first?.url ?? null });
    ctx.stderr.write(`posted ${posts.length === 1 ? 'the announcement' : `a thread of ${posts.length} posts`} to ${dest!.domain}${first?.url ? `: ${first.url}` : ''}\n`);
    return EXIT.OK;
  } finally {
    await client.close();
  }
}

interface Gathered {
  announcement: Announcement;
  dest: DestinationConfig | undefined;
  /** Identifies what is announced (run ids, period or plan), for the idempotency keys. */
  key: string;
}

async function gather(ctx: JobContext, config: LoadedConfig): Promise<Gathered> {
  const o = ctx.opts;
  if (typeof o.plan === 'string') {
    const plan = await readPlan(o.plan);
    if (typeof o.destination === 'string' && o.destination.toLowerCase() !== plan.destination) {
      throw new ConfigError(`${o.plan} is a plan for ${plan.destination}, not ${o.destination}`);
    }
    const dest = config.destinations.find((d) => d.domain === plan.destination);
    return {
      announcement: { destination: plan.destination, kind: 'planned', date: new Date(plan.created_at), changes: changesFromPlan(plan.entries) },
      dest,
      key: `plan:${plan.created_at}:${plan.store_fingerprint}`,
    };
  }
  const dest = pickDestination(config, o.destination);
  const journal = await readJournal(config.fetch.cache_dir, dest.domain);
  if (journal.warnings.length) {
    const log = await getLogger();
    for (const w of journal.warnings) log.warn({ event: 'journal_warning', destination: dest.domain }, w);
  }
  let entries = journal.entries;
  let since: Date | undefined;
  let key: string;
  if (typeof o.since === 'string') {
    since = parseSince(o.since);
    entries = entries.filter((e) => Date.parse(e.time) >= since!.getTime());
    key = `since:${since.toISOString()}:${entries.length}`;
  } else {
    // The run asked for, else the latest run that touched this destination (it may have written nothing).
    const run = typeof o.run === 'string' ? o.run : journal.lines.at(-1)?.run;
    if (typeof o.run === 'string' && !journal.lines.some((l) => l.run === o.run)) {
      const recent = [...new Set(journal.lines.map((l) => l.run))].slice(-3).reverse();
      throw new FediblockError(`no run ${o.run} in the journal of ${dest.domain}`, { hint: recent.length ? `recent runs: ${recent.join(', ')}` : 'fediblock has not written there yet' });
    }
    entries = run === undefined ? [] : entries.filter((e) => e.run === run);
    key = `run:${run ?? ''}`;
  }
  const last = entries.at(-1)?.time ?? journal.lines.at(-1)?.time;
  return {
    announcement: {
      destination: dest.domain,
      kind: 'applied',
      date: last ? new Date(last) : new Date(),
      ...(since ? { since } : {}),
      changes: changesFromJournal(entries),
    },
    dest,
    key,
  };
}

function pickDestination(config: LoadedConfig, only: unknown): DestinationConfig {
  if (typeof only === 'string') {
    const d = config.destinations.find((x) => x.domain === only.toLowerCase());
    if (!d) throw new ConfigError(`no [[destination]] ${only} in ${config.path}`);
    return d;
  }
  if (config.destinations.length === 1) return config.destinations[0]!;
  throw new ConfigError(
    config.destinations.length ? `which destination? use -d with one of ${config.destinations.map((d) => d.domain).join(', ')}` : `${config.path} has no [[destination]]`,
  );
}

function parseSince(value: string): Date {
  const d = new Date(/^\d{4}-\d\d-\d\d$/.test(value) ? `${value}T00:00:00Z` : value);
  if (!/^\d{4}-\d\d-\d\d/.test(value) || Number.isNaN(d.getTime())) throw new ConfigError(`--since: "${value}" is not a date (use YYYY-MM-DD or an ISO 8601 time)`);
  return d;
}

async function readPlan(path: string): Promise<Plan> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new FediblockError(`cannot read the plan ${path}: ${(e as Error).message}`);
  }
  const p = data as Partial<Plan> | null;
  if (!p || p.version !== 1 || typeof p.destination !== 'string' || !Array.isArray(p.entries) || typeof p.created_at !== 'string') {
    throw new FediblockError(`${path} is not a plan written by \`fediblock sync --plan-out\``);
  }
  return p as Plan;
}

function describeKey(key: string): string {
  if (key.startsWith('run:')) return `run ${key.slice(4)}`;
  if (key.startsWith('plan:')) return 'this plan';
  return 'this period';
}

function nothingNote(a: Announcement, o: Record<string, unknown>): string {
  if (a.kind === 'planned') return `the plan for ${a.destination} changes nothing members would see`;
  if (a.since) return `nothing members would see changed on ${a.destination} since ${a.since.toISOString().slice(0, 10)}`;
  return typeof o.run === 'string'
    ? `run ${o.run} changed nothing members would see on ${a.destination}`
    : `the last run changed nothing members would see on ${a.destination}`;
}

/** The instance's post limit: asked of a live instance, else Mastodon's default. */
async function maxCharacters(ctx: JobContext, config: LoadedConfig, dest: DestinationConfig | undefined, poster: Awaited<ReturnType<typeof openPoster>> | undefined): Promise<number> {
  if (!dest || dest.store.kind !== 'api' || ctx.offline) return DEFAULT_MAX_CHARACTERS;
  const { MastodonClient } = await import('../destinations/mastodon/client.js');
  const client = poster ?? new MastodonClient({ baseUrl: dest.store.apiBase, timeoutMs: config.fetch.timeout_ms, maxRetries: 1 });
  try {
    return (await client.instanceInfo()).maxCharacters ?? DEFAULT_MAX_CHARACTERS;
  } catch (e) {
    const log = await getLogger();
    log.warn({ event: 'instance_info_failed', destination: dest.domain }, `could not read the post length limit of ${dest.domain} (${(e as Error).message}); using ${DEFAULT_MAX_CHARACTERS}`);
    return DEFAULT_MAX_CHARACTERS;
  } finally {
    if (client !== poster) await client.close();
  }
}

/** A client holding the destination's posting token — never its admin token. */
async function openPoster(ctx: JobContext, config: LoadedConfig, dest: DestinationConfig | undefined) {
  if (!dest) throw new ConfigError('the plan’s destination is not in the config: cannot post');
  if (dest.store.kind !== 'api') throw new ConfigError(`${dest.domain} is a file store in ${config.path}: there is no instance to post to`);
  if (ctx.offline) throw new ConfigError('--offline never touches the network: cannot post');
  const { resolveAnnounceToken } = await import('./announce-token.js');
  const token = await resolveAnnounceToken(config, dest);
  const { MastodonClient } = await import('../destinations/mastodon/client.js');
  return new MastodonClient({ baseUrl: dest.store.apiBase, token, timeoutMs: config.fetch.timeout_ms, concurrency: 1 });
}
