// The blocklist.toml schema (decisions.md is authoritative). Strict objects: an unknown key is an
// error, never silently ignored. Durations and sizes are parsed here, so a bad value is reported
// with its key path. Paths, names and locations are resolved later (resolve-config.ts).
//
// Additions to decisions.md's schema, each needed by a feature the issues ask for:
// - [[source]] `api_base` for an instance source (default https://<instance>): reaches an instance
//   behind another URL, and carries FediBlockHole's `scheme`. Plain http only to loopback hosts.
// - [[source]] `token` (inline, warned like [[destination]] `token`): FediBlockHole instance
//   sources may carry one, and its configs must load unchanged.
// - [[allowlist]] `name`.
// - [[source]] `severity` (issue 11): what entries that carry no severity of their own are read
//   as (plain lists, Fediseer censures); default suspend, as before.
// zod/mini: the same core and issues as zod, without the methods classic zod binds onto every
// schema it builds, which cost a small merge ~15 ms of start-up (issue 10). A namespace import lets
// esbuild drop the parts never used.
import * as z from 'zod/mini';
import '../zod-messages.js';
import { OPTIONAL_FIELDS, SEVERITIES } from '../model.js';
import { parseDuration, parseSize } from './units.js';

export const LIST_SOURCE_FORMATS = ['auto', 'csv', 'mastodon_csv', 'json', 'rapidblock_json', 'rapidblock_csv', 'text'] as const;
/** Services read through their own APIs rather than as one list file (issue 11). */
export const SERVICE_FORMATS = ['fediseer', 'fires'] as const;
export const SOURCE_FORMATS = [...LIST_SOURCE_FORMATS, ...SERVICE_FORMATS] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];
/** Allowlists are lists of domains: a service's censures or recommendations are not. */
export type AllowlistFormat = (typeof LIST_SOURCE_FORMATS)[number];

/** Formats whose entries carry no severity: `severity` says what they mean. */
export const SEVERITY_KEY_FORMATS: readonly SourceFormat[] = ['auto', 'text', 'rapidblock_csv', 'fediseer'];

export const OUTPUT_FORMATS = ['csv', 'mastodon_csv', 'json', 'text'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** FediBlockHole's spellings of format names, accepted everywhere and mapped to ours. */
export const FORMAT_ALIASES: Record<string, SourceFormat> = {
  'rapidblock.json': 'rapidblock_json',
  'rapidblock.csv': 'rapidblock_csv',
};

const withUnit = <T extends string | number>(parse: (v: T) => number) =>
  (value: T, ctx: z.core.ParsePayload): number => {
    try {
      return parse(value);
    } catch (e) {
      ctx.issues.push({ code: 'custom', message: (e as Error).message, input: value });
      return z.NEVER;
    }
  };

export const durationSchema = z.pipe(z.union([z.string(), z.number()]), z.transform(withUnit<string | number>(parseDuration)));
export const sizeSchema = z.pipe(z.union([z.string(), z.number()]), z.transform(withUnit<string | number>(parseSize)));

const severity = z.enum(SEVERITIES);
const fieldList = z.array(z.enum(OPTIONAL_FIELDS));
const share = z.number().check(z.minimum(0), z.maximum(1));
const positiveInt = z.number().check(z.int(), z.minimum(1));
const nonEmpty = z.string().check(z.trim(), z.minLength(1, 'must not be empty'));
const alias = (v: unknown) => (typeof v === 'string' && v in FORMAT_ALIASES ? FORMAT_ALIASES[v] : v);
const sourceFormat = z.pipe(z.transform(alias), z.enum(SOURCE_FORMATS));
const allowlistFormat = z.pipe(z.transform(alias), z.enum(LIST_SOURCE_FORMATS));

export const mergeSchema = z
  .strictObject({
    plan: z._default(z.enum(['max', 'min']), 'max'),
    threshold: z.optional(z.number().check(z.int(), z.minimum(0))),
    threshold_pct: z.optional(z.number().check(z.minimum(0), z.maximum(100))),
    import_fields: z._default(fieldList, ['public_comment', 'reject_media', 'reject_reports', 'obfuscate']),
    export_fields: z._default(fieldList, ['reject_media', 'reject_reports', 'public_comment', 'obfuscate']),
    allow: z._default(z.array(nonEmpty), []),
    /** true: leave out children that a blocked parent already covers (decisions.md, second round). */
    drop_redundant: z._default(z.boolean(), false),
  })
  .check(
    z.superRefine((m, ctx) => {
    if (m.threshold !== undefined && m.threshold_pct !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['threshold_pct'], message: 'set either threshold (a count of sources) or threshold_pct (a percentage), not both' });
    }
    }),
  );

export const fetchSchema = z.strictObject({
  /** Default: $XDG_CACHE_HOME/fediblock or ~/.cache/fediblock (resolve-config.ts). */
  cache_dir: z.optional(nonEmpty),
  timeout: z._default(durationSchema, 30_000),
  max_bytes: z._default(sizeSchema, 20_000_000),
  max_stale: z._default(durationSchema, 7 * 86_400_000),
  shrink_guard: z._default(share, 0.25),
  reject_ratio: z._default(share, 0.5),
  concurrency: z._default(positiveInt, 4),
});

export const outputSchema = z.strictObject({
  path: z.optional(nonEmpty),
  format: z._default(z.enum(OUTPUT_FORMATS), 'csv'),
  /** Entries kept in the Atom feed written by `merge --feed`. */
  feed_entries: z._default(positiveInt, 50),
});

const tokenKeys = {
  token_env: z.optional(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name (letters, digits, _)'))),
  token_file: z.optional(nonEmpty),
  token: z.optional(nonEmpty),
};

export const sourceSchema = z
  .strictObject({
    url: z.optional(nonEmpty),
    instance: z.optional(nonEmpty),
    format: z._default(sourceFormat, 'auto'),
    name: z.optional(nonEmpty),
    severity: z.optional(severity),
    max_severity: z.optional(severity),
    import_fields: z.optional(fieldList),
    admin: z._default(z.boolean(), false),
    api_base: z.optional(nonEmpty),
    verify_key: z.optional(nonEmpty),
    ...tokenKeys,
  })
  .check(
    z.superRefine((s, ctx) => {
    if ((s.url === undefined) === (s.instance === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'set exactly one of url (a list file or URL) or instance (a Mastodon domain)' });
      return;
    }
    const urlOnly = ['verify_key'] as const;
    const instanceOnly = ['admin', 'api_base'] as const;
    // A Fediseer API key is a source token too (sent as `apikey`).
    const tokenOnly = ['token_env', 'token_file', 'token'] as const;
    if (s.url !== undefined) {
      for (const k of instanceOnly) {
        if (s[k] !== undefined && s[k] !== false) ctx.addIssue({ code: 'custom', path: [k], message: 'only applies to an instance source (instance = "…")' });
      }
      if (s.format !== 'fediseer') {
        for (const k of tokenOnly) {
          if (s[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'only applies to an instance source (instance = "…") or a Fediseer source (format = "fediseer")' });
        }
      }
      if (s.verify_key !== undefined && (s.format === 'fires' || s.format === 'fediseer')) {
        ctx.addIssue({ code: 'custom', path: ['verify_key'], message: `only applies to a list published with a RapidBlock signature, not to format "${s.format}"` });
      }
      if (s.severity !== undefined && !SEVERITY_KEY_FORMATS.includes(s.format)) {
        const why = s.format === 'fires' ? 'a FIRES recommendation carries its own policy' : 'this format carries its own severities';
        ctx.addIssue({ code: 'custom', path: ['severity'], message: `only applies to entries without a severity (text, rapidblock_csv, Fediseer censures); ${why}: use max_severity to cap them` });
      }
    } else {
      for (const k of urlOnly) if (s[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'only applies to a url source' });
      if (s.format !== 'auto') ctx.addIssue({ code: 'custom', path: ['format'], message: 'an instance source is always read through the Mastodon API; remove format' });
      if (s.severity !== undefined) ctx.addIssue({ code: 'custom', path: ['severity'], message: 'an instance source carries its own severities; use max_severity to cap them' });
    }
    }),
  );

export const allowlistSchema = z.strictObject({
  url: nonEmpty,
  format: z._default(allowlistFormat, 'auto'),
  name: z.optional(nonEmpty),
});

export const destinationSchema = z
  .strictObject({
    domain: nonEmpty,
    api_base: z.optional(nonEmpty),
    file: z.optional(nonEmpty),
    ...tokenKeys,
    /** A token with write:statuses for `announce --post` (never the admin token). */
    announce_token_env: tokenKeys.token_env,
    announce_token_file: z.optional(nonEmpty),
    /** Which server software: "mastodon" (the default, as before), one named, or "auto" to detect it. */
    software: z._default(z.enum(['auto', 'mastodon', 'gotosocial', 'akkoma', 'pleroma']), 'mastodon'),
    /** Where follows cannot be checked: true never suspends unchecked; false accepts that. */
    follow_checks: z._default(z.boolean(), true),
    max_severity: z._default(severity, 'suspend'),
    max_followed_severity: z._default(severity, 'silence'),
    remove: z._default(z.boolean(), true),
    adopt: z._default(z.boolean(), false),
    marker: z._default(nonEmpty, '[fediblock]'),
    concurrency: z._default(positiveInt, 4),
    reserve: z._default(z.number().check(z.minimum(0), z.maximum(0.9)), 0.1),
    brake_delete: z._default(share, 0.3),
    brake_create: z._default(share, 0.5),
    brake_min_owned: z._default(z.number().check(z.int(), z.minimum(0)), 10),
    max_writes: z._default(z.number().check(z.int(), z.minimum(0)), 0),
    sync_comments: z._default(z.boolean(), true),
    /** Default: <cache_dir>/snapshots (resolve-config.ts). */
    snapshot_dir: z.optional(nonEmpty),
  })
  .check(
    z.superRefine((d, ctx) => {
    if (d.api_base !== undefined && d.file !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['file'], message: 'set either api_base (a Mastodon instance) or file (a snapshot file), not both' });
    }
    }),
  );

/** Destinations synced at once, each within its own rate budget (decisions.md, second round). */
export const syncSchema = z.strictObject({
  destinations_concurrency: z._default(positiveInt, 4),
});

export const configSchema = z.strictObject({
  merge: z._default(mergeSchema, () => mergeSchema.parse({})),
  fetch: z._default(fetchSchema, () => fetchSchema.parse({})),
  output: z._default(outputSchema, () => outputSchema.parse({})),
  sync: z._default(syncSchema, () => syncSchema.parse({})),
  source: z._default(z.array(sourceSchema), []),
  allowlist: z._default(z.array(allowlistSchema), []),
  destination: z._default(z.array(destinationSchema), []),
});

export type RawConfig = z.output<typeof configSchema>;
export type RawSource = z.output<typeof sourceSchema>;
export type RawAllowlist = z.output<typeof allowlistSchema>;
export type RawDestination = z.output<typeof destinationSchema>;
/** What a TOML file must look like (before defaults): what translateFediBlockHole produces. */
export type ConfigInput = z.input<typeof configSchema>;
