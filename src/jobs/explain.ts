// `fediblock explain DOMAIN [-d DESTINATION]`: every source's vote for the domain and its parents,
// and the rule that decided; with -d, what the planner decided for it on that instance and why,
// and its history there from the journal.
import { explainDomain, formatExplanation, type Explanation } from '../merge/index.js';
import { ConfigError } from '../errors.js';
import { errorWithoutName } from '../output/format-source-report.js';
import { normalizeDomain } from '../sources/normalize-domain.js';
import { buildMerge, mergeFlagsOf, type MergeRun } from './build-merge.js';
import type { JobContext } from './context.js';
import { openConfig } from './open-config.js';

export async function runExplain(ctx: JobContext): Promise<number> {
  const raw = String(ctx.opts.domain ?? '');
  const n = normalizeDomain(raw);
  if (!n.ok) throw new ConfigError(`"${raw}" is not a domain: ${n.reason}`);
  const config = await openConfig(ctx);
  const only = ctx.opts.destination;
  const dest = typeof only === 'string' ? config.destinations.find((d) => d.domain === only.toLowerCase()) : undefined;
  if (typeof only === 'string' && !dest) throw new ConfigError(`no [[destination]] with domain = "${only}" in ${config.path}`);
  const run = await buildMerge(ctx, config, { ...mergeFlagsOf(ctx.opts), keepRows: true, failuresSaidByJob: true });
  const e = explainDomain(n.domain, run.lists, run.settings, run.outcome);
  nameAllowlists(e, config.merge.allow, mergeFlagsOf(ctx.opts).allow ?? [], run);
  const there = dest ? await explainThere(n.domain, run, dest) : undefined;
  if (ctx.opts.json === true) ctx.stdout.write(JSON.stringify(there ? { ...e, destination: there } : e, null, 2) + '\n');
  else {
    const { formatDestinationExplanation } = await import('../sync/explain-destination.js');
    ctx.stdout.write(formatExplanation(e) + '\n' + (there ? formatDestinationExplanation(there) + '\n' : ''));
  }
  for (const f of run.failed) ctx.stderr.write(`warning: ${f.list.name} failed (${errorWithoutName(f.list.name, f.error ?? 'no usable copy')}); its votes are missing\n`);
  return 0;
}

/**
 * Plans the destination as sync would, but only for the domain and its parents (so follow checks
 * are made for this domain alone), and reads the domain's lines from the journal.
 */
async function explainThere(domain: string, run: MergeRun, dest: MergeRun['config']['destinations'][number]) {
  const { openStore } = await import('./open-store.js');
  const { planDestination, policyOf } = await import('./plan-destination.js');
  const { annotatePlan } = await import('./plan-provenance.js');
  const { explainDestination } = await import('../sync/explain-destination.js');
  const { readJournal } = await import('../journal/read-journal.js');
  const { parentDomains } = await import('../merge/parent-domains.js');
  const config = run.config;
  const wanted = new Set([domain, ...parentDomains(domain)]);
  const desired = run.outcome.blocks.filter((b) => wanted.has(b.domain));
  const holds = [...run.holds, ...run.failed.map((s) => `${s.list.name} failed (${s.error ?? 'no usable copy'})`)];
  const opened = await openStore(config, dest);
  try {
    const policy = policyOf(dest, config.merge.export_fields, []);
    const dp = await planDestination(opened.store, opened.live, desired, policy, holds, 1, { followChecks: dest.follow_checks });
    const plan = annotatePlan(dp.plan, { outcome: run.outcome, settings: run.settings, sourceNames: new Map(run.sources.map((s) => [s.list.index, s.list.name])) });
    const journal = await readJournal(config.fetch.cache_dir, dest.domain);
    return explainDestination(domain, plan, dp.current, dest.marker, journal.entries.filter((l) => l.domain === domain));
  } finally {
    await opened.store.close?.();
  }
}

/**
 * "allowlist: allowlisted by example.org" says which entry, not where it came from: name the
 * allowlist(s) holding it ([[allowlist]] names, [merge] allow, --allow).
 */
function nameAllowlists(e: Explanation, configAllow: string[], flagAllow: string[], run: MergeRun): void {
  const norm = (d: string) => {
    const r = normalizeDomain(d);
    return r.ok ? r.domain : d;
  };
  for (const entry of e.entries) {
    const o = entry.outcome;
    if (o.status !== 'dropped' || o.reason !== 'allowlist') continue;
    const by = /allowlisted by (\S+)/.exec(o.detail ?? '')?.[1] ?? entry.domain;
    const names = [
      ...run.allowlists.filter((a) => a.list.blocks.some((b) => b.domain === by)).map((a) => `allowlist ${a.list.name}`),
      ...(configAllow.map(norm).includes(by) ? ['[merge] allow'] : []),
      ...(flagAllow.map(norm).includes(by) ? ['--allow'] : []),
    ];
    if (!names.length) continue;
    (o as typeof o & { allowlists?: string[] }).allowlists = names;
    o.rules = o.rules.map((r) => (r.startsWith('allowlist: ') ? `${r} (in ${names.join(', ')})` : r));
  }
}
