// `fediblock explain DOMAIN`: every source's vote for the domain and its parents, and the rule that decided.
import { explainDomain, formatExplanation } from '../merge/index.js';
import { ConfigError } from '../errors.js';
import { normalizeDomain } from '../sources/normalize-domain.js';
import { buildMerge, mergeFlagsOf } from './build-merge.js';
import type { JobContext } from './context.js';
import { openConfig } from './open-config.js';

export async function runExplain(ctx: JobContext): Promise<number> {
  const raw = String(ctx.opts.domain ?? '');
  const n = normalizeDomain(raw);
  if (!n.ok) throw new ConfigError(`"${raw}" is not a domain: ${n.reason}`);
  const config = await openConfig(ctx);
  const run = await buildMerge(ctx, config, { ...mergeFlagsOf(ctx.opts), keepRows: true });
  const e = explainDomain(n.domain, run.lists, run.settings, run.outcome);
  ctx.stdout.write(ctx.opts.json === true ? JSON.stringify(e, null, 2) + '\n' : formatExplanation(e) + '\n');
  for (const f of run.failed) ctx.stderr.write(`warning: ${f.list.name} failed (${f.error ?? 'no usable copy'}); its votes are missing\n`);
  return 0;
}
