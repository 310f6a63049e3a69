// Entry point: parses flags and hands each command to its job. Jobs are imported lazily so that
// `fediblock merge` on local files never loads the HTTP client or the sync code.
import { Command, Option } from 'commander';
import { EXIT } from '../errors.js';
import { VERSION } from '../version.js';
import { runCommand } from './run-command.js';

const program = new Command();

program
  .name('fediblock')
  .description('Merge fediverse domain blocklists and sync them safely into Mastodon.')
  .version(VERSION, '-V, --version')
  .option('-c, --config <path>', 'config file', 'blocklist.toml')
  .option('-q, --quiet', 'print nothing unless something changed or went wrong')
  .addOption(new Option('--log-level <level>', 'log level on stderr').choices(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('warn'))
  .addOption(new Option('--log-format <format>', 'log lines on stderr: readable text, or JSON for log collectors (default: $FEDIBLOCK_LOG_FORMAT, else text)').choices(['text', 'json']))
  .option('--cache-dir <dir>', 'source cache directory (overrides [fetch] cache_dir)')
  .option('--offline', 'use only local files and cached copies; never touch the network')
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText(
    'after',
    `
Examples:
  fediblock merge -o merged.csv           fetch every source, merge, write the list
  fediblock diff                          show what a sync would change (touches nothing)
  fediblock sync --yes                    apply the plan (cron: add --quiet)
  fediblock explain bad.example           why a domain is (or is not) in the merged list

Exit codes: 0 ok · 1 error · 2 refused as unsafe · 3 differences (--exit-code, --check)
            4 done but deletions held (stale or shrunk source) · 5 another run holds the lock`,
  );

const mergeOpts = (c: Command) =>
  c
    .addOption(new Option('-m, --plan <plan>', 'merge plan').choices(['max', 'min']))
    .option('--threshold <n>', 'keep domains named by at least N sources', parseIntArg)
    .option('--threshold-pct <n>', 'keep domains named by at least N% of sources', parseIntArg)
    .option('--merge-threshold <n>', 'FediBlockHole spelling of --threshold/--threshold-pct', parseIntArg)
    .addOption(new Option('--merge-threshold-type <type>', 'FediBlockHole: count or pct').choices(['count', 'pct']))
    .option('-A, --allow <domain>', 'allowlist a domain (repeatable)', collect, [] as string[])
    .option('--allow-partial', 'merge even when a source failed (the failed source is left out)')
    .option('--accept-shrink <name>', 'accept a source that shrank on purpose as its new last good copy (repeatable)', collect, [] as string[]);

mergeOpts(
  program
    .command('merge')
    .description('fetch every source, merge them, and write the merged list')
    .option('-o, --output <file>', 'write here (atomically) instead of stdout')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['csv', 'mastodon_csv', 'json', 'text']))
    .option('--check <file>', 'exit 3 if FILE differs from what the merge would write (writes nothing)')
    .option('--audit <file>', 'also write per-domain source counts and percentages as CSV')
    .option('--report <file>', 'also write a self-contained HTML report of the merged list')
    .option('--against <file>', 'previous published list: the report and the changelog show what changed')
    .option('--changelog <file>', 'put a dated section of what changed since --against (default: the -o file) on top of this Markdown file')
    .option('--feed <file>', 'also write an Atom feed of the changelog\'s newest sections ([output] feed_entries)')
    .option('--date <date>', 'time stamped on the changelog and feed (default: $SOURCE_DATE_EPOCH, else now)')
    .option('--json', 'print the summary as JSON'),
)
  .addHelpText('after', '\nExample:\n  fediblock merge -c blocklist.toml -o merged.csv --format mastodon_csv')
  .action((opts, cmd) => runCommand('merge', cmd, opts));

mergeOpts(
  program
    .command('explain')
    .argument('<domain>', 'domain to explain')
    .description('show every source’s vote for a domain (and its parents) and the rule that decided it; with -d, what the planner decides for it on that instance and its history there')
    .option('-d, --destination <domain>', 'also explain the plan for this destination, and its journal history')
    .option('--json', 'print JSON'),
)
  .addHelpText('after', '\nExamples:\n  fediblock explain bad.example --json\n  fediblock explain bad.example -d my.instance')
  .action((domain, opts, cmd) => runCommand('explain', cmd, { ...opts, domain }));

program
  .command('check')
  .description('validate the config and fetch every source; print counts, rejects (with lines) and notices')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  fediblock check -c blocklist.toml')
  .action((opts, cmd) => runCommand('check', cmd, opts));

mergeOpts(
  program
    .command('diff')
    .description('plan a sync for each destination and print it; changes nothing')
    .option('-d, --destination <domain>', 'only this destination')
    .option('--against <file>', 'compare with a published list file instead of the destinations')
    .addOption(new Option('--format <format>', 'plan rendering').choices(['text', 'markdown']).default('text'))
    .option('--json', 'print the plan(s) as JSON')
    .option('--exit-code', 'exit 3 when there are changes'),
)
  .addHelpText('after', '\nExamples:\n  fediblock diff --destination my.instance\n  fediblock diff --against published.csv --format markdown >> "$GITHUB_STEP_SUMMARY"')
  .action((opts, cmd) => runCommand('diff', cmd, opts));

mergeOpts(
  program
    .command('sync')
    .description('plan, show the plan, and apply it to each destination')
    .option('-d, --destination <domain>', 'only this destination')
    .option('-o, --output <file>', 'also write the merged list here (FediBlockHole: blocklist_savefile)')
    .option('-n, --dry-run', 'plan and print only; write nothing')
    .option('--dryrun', 'FediBlockHole spelling of --dry-run')
    .option('-y, --yes', 'apply without asking (required when not on a terminal)')
    .option('--force', 'apply even if a brake fires (never overrides held deletions)')
    .option('--plan-out <file>', 'write the plan as JSON for review and stop (apply it with `fediblock apply`)')
    .option('--json', 'print the plan(s) and the result as JSON'),
)
  .addHelpText('after', '\nExamples:\n  fediblock sync --dry-run\n  fediblock sync --yes --quiet          # cron')
  .action((opts, cmd) => runCommand('sync', cmd, opts));

program
  .command('apply')
  .argument('<plan>', 'plan file written by `sync --plan-out`')
  .description('apply a reviewed plan, refusing if the destination changed since it was made')
  .option('-y, --yes', 'apply without asking')
  .option('--force', 'apply even if a brake fires')
  .option('-n, --dry-run', 'print the plan and write nothing')
  .option('--json', 'print the result as JSON')
  .addHelpText('after', '\nExample:\n  fediblock sync --plan-out plan.json && fediblock apply plan.json --yes')
  .action((plan, opts, cmd) => runCommand('apply', cmd, { ...opts, plan }));

program
  .command('restore')
  .argument('<snapshot>', 'snapshot file saved before a sync')
  .description('undo fediblock’s own writes since a snapshot, from its journal (blocks only the admin touched are never written)')
  .option('-d, --destination <domain>', 'destination to restore (default: the one the snapshot was taken of)')
  .option('-n, --dry-run', 'print the plan only')
  .option('-y, --yes', 'apply without asking')
  .option('--json', 'print JSON')
  .addHelpText('after', '\nExample:\n  fediblock restore ~/.cache/fediblock/snapshots/my.instance-20261125T094500Z.json --dry-run')
  .action((snapshot, opts, cmd) => runCommand('restore', cmd, { ...opts, snapshot }));

program
  .command('log')
  .argument('[name]', 'only the history of this blocked domain (exactly this name, not its parents)')
  .description('show what fediblock wrote to each destination, from its journal')
  .option('-d, --destination <domain>', 'only this destination')
  .option('--since <date>', 'only from this date or UTC time (2026-12-01, 2026-12-01T04:00), or this long ago (7d)')
  .option('--json', 'print the journal entries as one JSON document')
  .addHelpText('after', '\nExamples:\n  fediblock log --since 7d\n  fediblock log bad.example -d my.instance')
  .action((name, opts, cmd) => runCommand('log', cmd, { ...opts, ...(name !== undefined ? { name } : {}) }));

program
  .command('announce')
  .description('write a ready-to-post account of what was applied (journal) or will be applied (--plan) on a destination; post it as a thread with --post')
  .option('-d, --destination <domain>', 'the destination (needed when the config has several)')
  .option('--since <date>', 'everything applied since DATE (YYYY-MM-DD or ISO 8601), instead of the last run')
  .option('--run <id>', 'the run with this id (see `fediblock log`), instead of the last run')
  .option('--plan <file>', 'what a plan written by `sync --plan-out` will apply, instead of the journal')
  .addOption(new Option('--format <format>', 'output format').choices(['text', 'markdown', 'json']).default('text'))
  .option('-o, --output <file>', 'write here (atomically) instead of stdout')
  .option('--thread', 'split into numbered posts within the instance’s character limit')
  .option('--post', 'post the thread with the destination’s posting token (asks first on a terminal)')
  .addOption(new Option('--visibility <visibility>', 'visibility of the posts').choices(['public', 'unlisted', 'private', 'direct']).default('unlisted'))
  .option('-y, --yes', 'post without asking (required with --post when not on a terminal)')
  .addHelpText('after', '\nExamples:\n  fediblock announce -d my.instance\n  fediblock announce --plan plan.json --format markdown\n  fediblock announce --thread --post --yes     # after `sync --yes`')
  .action((opts, cmd) => runCommand('announce', cmd, opts));

const config = program.command('config').description('config file helpers');
config
  .command('migrate')
  .argument('<fediblockhole-config>', 'a fediblockhole.conf.toml')
  .description('print the equivalent native blocklist.toml, with notes where behaviour differs')
  .addHelpText('after', '\nExample:\n  fediblock config migrate fediblockhole.conf.toml > blocklist.toml')
  .action((file, opts, cmd) => runCommand('config-migrate', cmd, { ...opts, file }));
config
  .command('check')
  .description('validate the config file only (no fetching)')
  .addHelpText('after', '\nExample:\n  fediblock config check -c blocklist.toml')
  .action((opts, cmd) => runCommand('config-check', cmd, opts));

program
  .command('completion')
  .argument('<shell>', 'bash or zsh')
  .description('print a shell completion script')
  .addHelpText('after', '\nExample:\n  fediblock completion bash > /etc/bash_completion.d/fediblock')
  .action((shell, opts, cmd) => runCommand('completion', cmd, { ...opts, shell, program }));

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
function parseIntArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected a whole number ≥ 0, got "${v}"`);
  return n;
}

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`fediblock: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = EXIT.ERROR;
});
