// `explain DOMAIN`: why a domain is (or is not) in the merged list. Votes are recomputed from the
// source lists for the domain and its parents only (the merge keeps just source indexes), using
// the same narrowing, capping and digest rules as the merge itself.
import type { BlockFields, DomainBlock, DropReason, FlagField, MergePlan, MergeResult, MergeSettings, MergedBlock, Severity, SourceEvidence, SourceList } from '../model.js';
import { FLAG_FIELDS, severityRank } from '../model.js';
import { describeThreshold, meetsThreshold } from './apply-threshold.js';
import { capSeverity } from './cap-severity.js';
import { finishFold, foldRow, startFold } from './fold-blocks.js';
import { parentDomains } from './parent-domains.js';
import { sourceView } from './source-view.js';
import { sha256Hex } from '../node-crypto.js';
import { fitsPattern, isObfuscated, normaliseDigest } from './resolve-digests.js';

/** One source's say on a domain: its block fields as the merge read them, and where they came from. */
export interface Vote extends BlockFields {
  /** SourceList.index */
  source: number;
  name: string;
  /** The source's own (harshest) severity when its max_severity lowered it. */
  capped_from?: Severity;
  /** Obfuscated names in this source whose digest matched the domain. */
  via_digest?: string[];
  /** Rows of this source folded into the vote (more than 1 = duplicates). */
  rows: number;
  /** The record that decided this source's say (a FIRES change). */
  decided_by?: SourceEvidence;
}

/** A source that names the domain without voting for a block (a FIRES Retraction, Advisory, accept). */
export interface Mention {
  source: number;
  name: string;
  decided_by: SourceEvidence;
}

export type Outcome =
  | {
      status: 'blocked';
      severity: Severity;
      reject_media: boolean;
      reject_reports: boolean;
      obfuscate: boolean;
      /** Name of the first source (config order) holding the winning severity. */
      severity_from: string;
      /** For each flag the plan made true (max) or false (min), the sources that decided it. */
      flags_from: Partial<Record<FlagField, string[]>>;
      rules: string[];
    }
  | { status: 'dropped'; reason: DropReason; detail: string; rules: string[] }
  | { status: 'not_named'; rules: string[] };

export interface DomainExplanation {
  domain: string;
  votes: Vote[];
  /** Sources whose latest word on the domain is not a block. */
  mentions?: Mention[];
  outcome: Outcome;
}

export interface Explanation {
  domain: string;
  plan: MergePlan;
  threshold: MergeSettings['threshold'];
  sourceCount: number;
  /** The domain first, then its parents, nearest first. */
  entries: DomainExplanation[];
  /** The nearest parent whose block Mastodon would apply to this domain, if any. */
  covered_by?: string;
}

/** A count threshold of 0 or 1 (every named domain has a source) or 0% asks nothing. */
const hasThreshold = (t: MergeSettings['threshold']): boolean => (t.type === 'count' ? t.value > 1 : t.value > 0);

export function explainDomain(domain: string, lists: SourceList[], settings: MergeSettings, result: MergeResult): Explanation {
  const wanted = [domain, ...parentDomains(domain)];
  const votes = collectVotes(wanted, lists, settings);
  const entries: DomainExplanation[] = wanted.map((d) => {
    const own = votes.get(d) ?? [];
    const mentions = lists
      .filter((l) => l.evidence?.[d] !== undefined && !own.some((v) => v.source === l.index))
      .map((l) => ({ source: l.index, name: l.name, decided_by: l.evidence![d]! }));
    return { domain: d, votes: own, ...(mentions.length ? { mentions } : {}), outcome: outcomeFor(d, own, settings, result, lists.length) };
  });
  // A blocked domain is governed by its own rule (Mastodon's `rule_for` takes the longest match).
  const covered_by = findBlock(result, domain) !== undefined ? undefined : wanted.slice(1).find((d) => findBlock(result, d) !== undefined);
  return {
    domain,
    plan: settings.plan,
    threshold: settings.threshold,
    sourceCount: lists.length,
    entries,
    ...(covered_by === undefined ? {} : { covered_by }),
  };
}

/**
 * Each source's vote for each wanted domain, folded exactly as the merge folds (same `foldRow`),
 * with what the merge does not keep: caps, digest matches, row counts.
 */
function collectVotes(wanted: string[], lists: SourceList[], settings: MergeSettings): Map<string, Vote[]> {
  const wantedSet = new Set(wanted);
  const byDigest = new Map(wanted.map((d) => [sha256Hex(d), d]));
  const result = new Map<string, Vote[]>();
  for (const list of lists) {
    const view = sourceView(list, settings);
    const fold = startFold(settings.plan);
    const extra = new Map<string, { capped_from?: Severity; via_digest?: string[]; rows: number }>();
    for (const row of list.blocks) {
      const obfuscated = isObfuscated(row.domain);
      const target = obfuscated ? digestTarget(row, byDigest) : wantedSet.has(row.domain) ? row.domain : undefined;
      if (target === undefined) continue;
      foldRow(fold, row, view, target);
      let info = extra.get(target);
      if (info === undefined) extra.set(target, (info = { rows: 0 }));
      info.rows++;
      if (capSeverity(row.severity, view.cap) !== row.severity && (info.capped_from === undefined || severityRank(row.severity) > severityRank(info.capped_from))) {
        info.capped_from = row.severity;
      }
      if (obfuscated) (info.via_digest ??= []).push(row.domain);
    }
    for (const [d, { domain: _d, sources: _s, ...block }] of finishFold(fold)) {
      const vote: Vote = { source: list.index, name: list.name, ...block, ...extra.get(d)! };
      const evidence = list.evidence?.[d];
      if (evidence !== undefined) vote.decided_by = evidence;
      let votes = result.get(d);
      if (votes === undefined) result.set(d, (votes = []));
      votes.push(vote);
    }
  }
  return result;
}

/** The wanted domain an obfuscated row stands for, by the merge's own rule (pattern fits, digest equal). */
function digestTarget(row: DomainBlock, byDigest: Map<string, string>): string | undefined {
  if (row.digest === undefined) return undefined;
  const target = byDigest.get(normaliseDigest(row.digest));
  return target !== undefined && fitsPattern(target, row.domain) ? target : undefined;
}

/** result.blocks is sorted by domain: binary search. */
function findBlock(result: MergeResult, domain: string): MergedBlock | undefined {
  let lo = 0;
  let hi = result.blocks.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const block = result.blocks[mid]!;
    if (block.domain === domain) return block;
    if (block.domain < domain) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

function outcomeFor(domain: string, votes: Vote[], settings: MergeSettings, result: MergeResult, sourceCount: number): Outcome {
  if (votes.length === 0) return { status: 'not_named', rules: ['not named by any source'] };
  if (votes.every((v) => v.via_digest !== undefined && v.rows === v.via_digest.length)) {
    return { status: 'not_named', rules: ['matched only by obfuscated entries (digest); no source names it in clear, so it cannot be blocked'] };
  }
  // With no threshold set there is nothing to meet: "threshold met: needs 0" only confuses.
  const thresholdRules = hasThreshold(settings.threshold)
    ? [`threshold ${meetsThreshold(votes.length, sourceCount, settings.threshold) ? 'met' : 'not met'}: ${describeThreshold(votes.length, sourceCount, settings.threshold)}`]
    : [];
  const drop = result.dropped.find((d) => d.domain === domain && d.reason !== 'obfuscated');
  if (drop !== undefined) return { status: 'dropped', reason: drop.reason, detail: drop.detail, rules: [...thresholdRules, `${drop.reason}: ${drop.detail}`] };
  const block = findBlock(result, domain);
  if (block === undefined) return { status: 'not_named', rules: ['named by sources but absent from this merge result (was it computed from other lists?)'] };

  const severityFrom = votes.find((v) => v.severity === block.severity)?.name ?? '?';
  const flags_from: Partial<Record<FlagField, string[]>> = {};
  const rules = [`severity ${block.severity} from ${severityFrom} (${settings.plan === 'max' ? 'highest' : 'lowest'} under ${settings.plan})`];
  for (const flag of FLAG_FIELDS) {
    // max: any true makes it true; min: any false makes it false. Name who tipped it.
    const decisive = settings.plan === 'max' ? block[flag] : !block[flag];
    if (!decisive) continue;
    const names = votes.filter((v) => v[flag] === block[flag]).map((v) => v.name);
    if (settings.plan === 'min' && names.length === 0) continue;
    flags_from[flag] = names;
    rules.push(`${flag} ${block[flag]} from ${names.join(', ')}`);
  }
  rules.push(...thresholdRules);
  return {
    status: 'blocked',
    severity: block.severity,
    reject_media: block.reject_media,
    reject_reports: block.reject_reports,
    obfuscate: block.obfuscate,
    severity_from: severityFrom,
    flags_from,
    rules,
  };
}

/** A short human-readable block of lines. */
export function formatExplanation(e: Explanation): string {
  const lines: string[] = [];
  const unnamed: string[] = [];
  const thr = !hasThreshold(e.threshold) ? 'no threshold' : e.threshold.type === 'count' ? `threshold ≥ ${e.threshold.value} sources` : `threshold ≥ ${e.threshold.value}% of sources`;
  lines.push(`${e.domain}  (plan ${e.plan}, ${thr}, ${e.sourceCount} ${e.sourceCount === 1 ? 'source' : 'sources'})`);
  for (const [i, entry] of e.entries.entries()) {
    if (i > 0 && entry.votes.length === 0 && entry.mentions === undefined) {
      unnamed.push(entry.domain);
      continue;
    }
    if (i > 0) lines.push(`parent ${entry.domain}`);
    for (const v of entry.votes) {
      lines.push(`  ${v.name}: ${describeVote(v)}`);
      if (v.decided_by) lines.push(`    decided by ${describeEvidence(v.decided_by)}`);
    }
    for (const m of entry.mentions ?? []) lines.push(`  ${m.name}: no block, decided by ${describeEvidence(m.decided_by)}`);
    lines.push(`  → ${describeOutcome(entry.outcome)}`);
    for (const rule of entry.outcome.rules) lines.push(`    ${rule}`);
  }
  if (unnamed.length > 0) lines.push(`parents not named: ${unnamed.join(', ')}`);
  if (e.covered_by !== undefined) lines.push(`Mastodon applies the block on ${e.covered_by} to ${e.domain}`);
  return lines.join('\n');
}

function describeVote(v: Vote): string {
  const parts = [v.capped_from === undefined ? v.severity : `${v.severity} (capped from ${v.capped_from})`];
  for (const flag of FLAG_FIELDS) if (v[flag]) parts.push(flag);
  if (v.public_comment !== '') parts.push(`"${v.public_comment}"`);
  if (v.private_comment !== '') parts.push(`private "${v.private_comment}"`);
  if (v.via_digest !== undefined) parts.push(`via digest of ${v.via_digest.join(', ')}`);
  if (v.rows > 1) parts.push(`${v.rows} rows folded`);
  return parts.join(', ');
}

/** `FIRES Recommendation drop (reject-media), labels "Spam", published …, change <id>`. */
function describeEvidence(e: SourceEvidence): string {
  const parts = [`FIRES ${e.type}${e.policy === undefined ? '' : ` ${e.policy}`}${e.filters?.length ? ` (${e.filters.join(', ')})` : ''}`];
  if (e.labels.length) parts.push(`labels ${e.labels.map((l) => `"${l}"`).join(', ')}`);
  if (e.published !== undefined) parts.push(`published ${e.published}`);
  parts.push(`change ${e.change}`);
  return parts.join(', ');
}

function describeOutcome(o: Outcome): string {
  switch (o.status) {
    case 'blocked': {
      const flags = FLAG_FIELDS.filter((f) => o[f]);
      return `blocked: ${[o.severity, ...flags].join(', ')}`;
    }
    case 'dropped':
      return `dropped (${o.reason})`;
    case 'not_named':
      return 'not in the list';
  }
}
