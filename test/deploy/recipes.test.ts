// The deploy recipes (samples/deploy) and the CI workflow (samples/github-actions): they parse,
// systemd accepts the units, and every fediblock command line in them uses only subcommands and
// flags the CLI really has (read from `fediblock <cmd> --help`).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const DEPLOY = join(ROOT, 'samples/deploy');
const WORKFLOW = join(ROOT, 'samples/github-actions/publish-blocklist.yml');
const BIN = join(ROOT, 'bin/fediblock.js');
const read = (p: string) => readFileSync(p, 'utf8');

const cliBuilt = existsSync(join(ROOT, 'dist/bundle/cli.js'));
const hasYaml = spawnSync('python3', ['-c', 'import yaml'], { encoding: 'utf8' }).status === 0;
const which = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
const hasSystemdAnalyze = which('systemd-analyze');

const tmp = mkdtempSync(join(tmpdir(), 'fediblock-recipes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** YAML documents as JSON, through PyYAML (safe_load_all). */
function loadYaml(path: string): unknown[] {
  const r = spawnSync('python3', ['-c', 'import json,sys,yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1]))), default=str))', path], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${path} does not parse as YAML:\n${r.stderr}`);
  return JSON.parse(r.stdout) as unknown[];
}

// ── Shell command lines ─────────────────────────────────────────────────────────────────────
const OPERATORS = new Set([';', '&&', '||', '|', '&']);
const REDIRECT = /^(?:\d*>>?|\d*<|\d*>&\d+|&>)/;

/** Split a shell line into simple commands (word lists), dropping redirections. Quotes honoured. */
function shellCommands(line: string): string[][] {
  const words: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let inWord = false;
  const flush = () => {
    if (inWord) words.push(cur);
    cur = '';
    inWord = false;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '#' && !inWord) {
      break;
    } else if (/\s/.test(c)) {
      flush();
    } else if (c === ';' || c === '|' || c === '&') {
      flush();
      const two = line.slice(i, i + 2);
      if (two === '&&' || two === '||') {
        words.push(two);
        i++;
      } else if (c === '&' && line[i + 1] === '>') {
        cur = '&';
        inWord = true;
      } else words.push(c);
    } else {
      cur += c;
      inWord = true;
    }
  }
  flush();
  const cmds: string[][] = [[]];
  let skipNext = false;
  for (const w of words) {
    if (OPERATORS.has(w)) {
      cmds.push([]);
      continue;
    }
    if (skipNext) {
      skipNext = false;
      continue;
    }
    if (REDIRECT.test(w)) {
      // `>> file` takes the next word; `>>file`, `2>&1` do not.
      if (/^(?:\d*>>?|\d*<|&>)$/.test(w)) skipNext = true;
      continue;
    }
    cmds[cmds.length - 1]!.push(w);
  }
  return cmds.filter((c) => c.length);
}

/** The fediblock arguments of a simple command (`fediblock …`, `/x/fediblock …`, `node …/fediblock.js …`), else undefined. */
function fediblockArgs(cmd: string[]): string[] | undefined {
  let i = 0;
  while (i < cmd.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(cmd[i]!)) i++; // VAR=value prefixes
  const prog = cmd[i];
  if (prog === undefined) return undefined;
  if (/(^|\/)fediblock$/.test(prog)) return cmd.slice(i + 1);
  if (/(^|\/)node$/.test(prog) && /(^|\/)fediblock\.js$/.test(cmd[i + 1] ?? '')) return cmd.slice(i + 2);
  return undefined;
}

function fediblockCommandsIn(text: string): string[][] {
  const found: string[][] = [];
  for (const line of text.split('\n')) for (const cmd of shellCommands(line)) {
    const args = fediblockArgs(cmd);
    if (args) found.push(args);
  }
  return found;
}

// ── The CLI's real subcommands and flags ──────────────────────────────────────────────────────
const helpCache = new Map<string, string>();
function help(path: string[]): string {
  const key = path.join(' ');
  if (!helpCache.has(key)) {
    const r = spawnSync(process.execPath, [BIN, ...path, '--help'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    if (r.status !== 0) throw new Error(`fediblock ${key} --help failed: ${r.stderr}`);
    helpCache.set(key, r.stdout);
  }
  return helpCache.get(key)!;
}
/** Flags listed under "Options:". */
function flagsOf(text: string): Set<string> {
  const section = /(?:^|\n)Options:\n([\s\S]*?)(?:\n\S|\n\n|$)/.exec(text)?.[1] ?? '';
  const flags = new Set<string>();
  for (const line of section.split('\n')) {
    const m = /^ {2}(-[^ ].*?)(?: {2,}|$)/.exec(line);
    if (m) for (const f of m[1]!.split(/,\s*/)) flags.add(f.split(' ')[0]!);
  }
  return flags;
}
/** Names listed under "Commands:". */
function commandsOf(text: string): Set<string> {
  const section = /(?:^|\n)Commands:\n([\s\S]*?)(?:\n\S|\n\n|$)/.exec(text)?.[1] ?? '';
  return new Set([...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!));
}

/** Problems with one fediblock invocation; [] when every subcommand and flag exists. */
function checkInvocation(args: string[]): string[] {
  const rootHelp = help([]);
  const rootFlags = flagsOf(rootHelp);
  const path: string[] = [];
  let commands = commandsOf(rootHelp);
  let flags = new Set(rootFlags);
  const problems: string[] = [];
  for (const a of args) {
    if (a.startsWith('-') && a !== '-') {
      const flag = a.split('=')[0]!;
      if (!flags.has(flag)) problems.push(`fediblock ${path.join(' ')}: unknown flag ${flag}`);
    } else if (commands.has(a)) {
      path.push(a);
      const h = help(path);
      commands = commandsOf(h);
      flags = new Set([...flagsOf(h), ...rootFlags]);
    } else if (path.length === 0 && !args.slice(0, args.indexOf(a)).some((x) => x.startsWith('-'))) {
      problems.push(`unknown subcommand "${a}"`);
    }
  }
  return problems;
}

describe('fediblock command lines in the recipes', () => {
  const skip = !cliBuilt;
  const why = 'dist/bundle/cli.js is missing: run `npm run build` first';

  it.skipIf(skip)(`parses its own help${skip ? ` (skipped: ${why})` : ''}`, () => {
    expect(commandsOf(help([]))).toContain('sync');
    expect(flagsOf(help(['sync']))).toContain('--yes');
    expect(flagsOf(help([]))).toContain('--quiet');
    // The checker itself catches mistakes.
    expect(checkInvocation(['sync', '--yes', '--quiet', '-c', 'x.toml'])).toEqual([]);
    expect(checkInvocation(['sync', '--yes', '--no-such-flag'])).toEqual(['fediblock sync: unknown flag --no-such-flag']);
    expect(checkInvocation(['synch', '--yes'])).toEqual(['unknown subcommand "synch"', 'fediblock : unknown flag --yes']);
    expect(checkInvocation(['config', 'check', '-c', 'x.toml'])).toEqual([]);
  });

  it('finds the command in shell lines with redirections, env prefixes and `||`', () => {
    expect(fediblockCommandsIn('set -a; . /e; /usr/local/bin/fediblock sync --yes >> /var/log/x.log 2>&1')).toEqual([['sync', '--yes']]);
    expect(fediblockCommandsIn('X=1 node /opt/fediblock/bin/fediblock.js merge -o "a b.csv" || [ $? -eq 4 ]')).toEqual([['merge', '-o', 'a b.csv']]);
    expect(fediblockCommandsIn('fediblock diff --format markdown >> "$GITHUB_STEP_SUMMARY"')).toEqual([['diff', '--format', 'markdown']]);
  });

  const recipes: Array<{ name: string; commands: () => string[][]; expect: number }> = [
    {
      name: 'crontab',
      expect: 1,
      commands: () =>
        read(join(DEPLOY, 'crontab'))
          .split('\n')
          .filter((l) => /^[\d*]/.test(l))
          .flatMap((l) => fediblockCommandsIn(l.split(/\s+/).slice(6).join(' '))),
    },
    {
      name: 'fediblock.service ExecStart',
      expect: 1,
      commands: () =>
        read(join(DEPLOY, 'fediblock.service'))
          .split('\n')
          .filter((l) => l.startsWith('ExecStart='))
          .flatMap((l) => fediblockCommandsIn(l.slice('ExecStart='.length))),
    },
    {
      name: 'Dockerfile CMD',
      expect: 1,
      commands: () => [JSON.parse(/^CMD (\[.*\])$/m.exec(read(join(DEPLOY, 'Dockerfile')))![1]!) as string[]],
    },
    {
      name: 'workflow steps',
      expect: 3,
      commands: () => fediblockCommandsIn(workflowRuns().join('\n')),
    },
  ];

  for (const r of recipes) {
    it.skipIf(skip)(`${r.name}: only real subcommands and flags${skip ? ` (skipped: ${why})` : ''}`, () => {
      const cmds = r.commands();
      expect(cmds.length).toBeGreaterThanOrEqual(r.expect);
      for (const c of cmds) expect(checkInvocation(c), `fediblock ${c.join(' ')}`).toEqual([]);
    });
  }

  it.skipIf(skip || !hasYaml)(`kubernetes CronJob args: only real subcommands and flags${skip ? ` (skipped: ${why})` : !hasYaml ? ' (skipped: no PyYAML)' : ''}`, () => {
    const args = cronJobContainer().args as string[];
    expect(args[0]).toBe('sync');
    expect(checkInvocation(args)).toEqual([]);
  });

  it.skipIf(skip || !hasYaml)(`the ConfigMap's blocklist.toml passes \`fediblock config check\`${skip ? ` (skipped: ${why})` : ''}`, () => {
    const cm = (loadYaml(join(DEPLOY, 'kubernetes-cronjob.yaml')) as Array<{ kind: string; data?: Record<string, string> }>).find((d) => d.kind === 'ConfigMap')!;
    const file = join(tmp, 'blocklist.toml');
    writeFileSync(file, cm.data!['blocklist.toml']!);
    const r = spawnSync(process.execPath, [BIN, 'config', 'check', '-c', file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

function workflowRuns(): string[] {
  if (hasYaml) {
    const wf = loadYaml(WORKFLOW)[0] as { jobs: Record<string, { steps: Array<{ run?: string }> }> };
    return Object.values(wf.jobs).flatMap((j) => j.steps.flatMap((s) => (s.run ? [s.run] : [])));
  }
  // Without PyYAML: the `run:` blocks by indentation.
  const out: string[] = [];
  const lines = read(WORKFLOW).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)(?:- )?run: ?(.*)$/.exec(lines[i]!);
    if (!m) continue;
    if (m[2] && m[2] !== '|') out.push(m[2]);
    else for (let j = i + 1; j < lines.length && (lines[j]!.trim() === '' || lines[j]!.search(/\S/) > m[1]!.length); j++) out.push(lines[j]!.trim());
  }
  return out;
}

function cronJobContainer(): Record<string, unknown> {
  const docs = loadYaml(join(DEPLOY, 'kubernetes-cronjob.yaml')) as Array<Record<string, any>>;
  const cj = docs.find((d) => d.kind === 'CronJob')!;
  return cj.spec.jobTemplate.spec.template.spec.containers[0];
}

describe('YAML recipes', () => {
  it.skipIf(!hasYaml)(`kubernetes-cronjob.yaml is a CronJob as the README describes${hasYaml ? '' : ' (skipped: python3 with PyYAML is missing)'}`, () => {
    const docs = loadYaml(join(DEPLOY, 'kubernetes-cronjob.yaml')) as Array<Record<string, any>>;
    const cj = docs.find((d) => d.kind === 'CronJob')!;
    expect(cj.apiVersion).toBe('batch/v1');
    expect(cj.spec.concurrencyPolicy).toBe('Forbid');
    const pod = cj.spec.jobTemplate.spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const c = pod.containers[0];
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
    const tokenVar = c.env.find((e: any) => e.valueFrom?.secretKeyRef);
    expect(tokenVar.valueFrom.secretKeyRef.name).toBe('fediblock-token');
    // The config's destination reads the variable the Secret fills.
    const cm = docs.find((d) => d.kind === 'ConfigMap')!;
    expect(cm.data['blocklist.toml']).toContain(`token_env = "${tokenVar.name}"`);
    const vol = (name: string) => pod.volumes.find((v: any) => v.name === name);
    const mount = (path: string) => c.volumeMounts.find((m: any) => m.mountPath === path);
    expect(vol(mount('/config').name).configMap.name).toBe(cm.metadata.name);
    expect(vol(mount('/cache').name).emptyDir).toEqual({});
    expect(c.args).toContain('/cache');
  });

  it.skipIf(!hasYaml)(`publish-blocklist.yml: scheduled, diff to the summary before the merge overwrites, report uploaded${hasYaml ? '' : ' (skipped: no PyYAML)'}`, () => {
    const wf = loadYaml(WORKFLOW)[0] as Record<string, any>;
    const on = wf.on ?? wf.true; // YAML 1.1 reads the key `on` as true
    expect(on.schedule[0].cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
    expect(on).toHaveProperty('workflow_dispatch');
    const steps = Object.values(wf.jobs as Record<string, { steps: Array<Record<string, any>> }>)[0]!.steps;
    expect(steps.find((s) => String(s.uses).startsWith('actions/setup-node'))!.with['node-version']).toBe(20);
    const runs = steps.map((s) => String(s.run ?? ''));
    const diffAt = runs.findIndex((r) => /fediblock diff .*--against blocklist\.csv.*--format markdown.*>> "\$GITHUB_STEP_SUMMARY"/.test(r));
    const mergeAt = runs.findIndex((r) => /fediblock merge .*-o blocklist\.csv.*--report report\.html/.test(r));
    expect(diffAt).toBeGreaterThanOrEqual(0);
    expect(mergeAt).toBeGreaterThan(diffAt);
    expect(runs.slice(mergeAt).some((r) => /git commit/.test(r) && /git push/.test(r))).toBe(true);
    // The changelog and its feed are published beside the list, from the same --against.
    expect(runs[mergeAt]).toMatch(/--against "\$RUNNER_TEMP\/previous-blocklist\.csv" --changelog CHANGELOG\.md --feed feed\.xml/);
    expect(runs.slice(mergeAt).some((r) => /git add blocklist\.csv CHANGELOG\.md feed\.xml/.test(r))).toBe(true);
    const upload = steps.find((s) => String(s.uses).startsWith('actions/upload-artifact'))!;
    expect(upload.with.path).toBe('report.html');
  });
});

describe('systemd units', () => {
  const service = read(join(DEPLOY, 'fediblock.service'));

  it('are hardened as the README says', () => {
    for (const line of [
      'Type=oneshot',
      'DynamicUser=yes',
      'LoadCredential=mastodon-token:/etc/fediblock/token',
      'ProtectSystem=strict',
      'ProtectHome=yes',
      'PrivateTmp=yes',
      'NoNewPrivileges=yes',
      'CacheDirectory=fediblock',
      'StateDirectory=fediblock',
      'SystemCallFilter=@system-service',
      'SuccessExitStatus=4',
    ]) expect(service.split('\n')).toContain(line);
    expect(service).toMatch(/^RestrictAddressFamilies=.*AF_INET6/m);
    expect(service).toMatch(/^ExecStart=.*--cache-dir %C\/fediblock/m);
    // The config's token_file points at the credential's path.
    expect(service).toContain('token_file = "/run/credentials/fediblock.service/mastodon-token"');
    expect(read(join(DEPLOY, 'fediblock.timer'))).toMatch(/^OnCalendar=hourly$/m);
  });

  it.skipIf(!hasSystemdAnalyze)(`pass \`systemd-analyze verify\`${hasSystemdAnalyze ? '' : ' (skipped: systemd-analyze is missing)'}`, () => {
    const dir = join(tmp, 'units');
    cpSync(DEPLOY, dir, { recursive: true, filter: (src) => !/\.(yaml|md)$|Dockerfile|crontab/.test(src) });
    // verify checks that ExecStart's program exists: use this checkout's bin if fediblock is not installed here.
    if (!existsSync('/usr/local/bin/fediblock')) writeFileSync(join(dir, 'fediblock.service'), service.replace('/usr/local/bin/fediblock', BIN));
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', join(dir, 'fediblock.service'), join(dir, 'fediblock.timer')], { encoding: 'utf8' });
    expect(r.stderr.split('\n').filter((l) => l.includes('fediblock.'))).toEqual([]);
    expect(r.status).toBe(0);
  });
});

describe('Dockerfile', () => {
  const docker = read(join(DEPLOY, 'Dockerfile'));

  it('installs the packed tarball globally on the official Node 22 image and runs `fediblock` as the non-root node user', () => {
    const froms = [...docker.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]!);
    expect(froms.length).toBeGreaterThan(0);
    for (const f of froms) expect(f).toMatch(/^node:22(?:[.-]|$)/);
    expect(froms.at(-1)).toBe('node:22-bookworm-slim');
    const final = docker.slice(docker.lastIndexOf('\nFROM '));
    // The one install path the README gives for cron and systemd: npm install --global of a packed tarball.
    expect(final).toMatch(/^RUN npm install --global --omit=dev \/tmp\/fediblock\.tgz/m);
    expect(final).toMatch(/^USER node$/m);
    expect(JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(docker)![1]!)).toEqual(['fediblock']);
    expect(JSON.parse(/^CMD (\[.*\])$/m.exec(docker)![1]!)).toEqual(['sync', '--yes', '--quiet', '-c', '/config/blocklist.toml']);
  });

  it('copies only files the repository has, and packs the tarball in the build stage', () => {
    // COPY sources outside --from stages are paths in the repository root (the build context).
    for (const m of docker.matchAll(/^COPY (?!--from)(.+) (\S+)$/gm)) {
      for (const src of m[1]!.split(/\s+/)) if (src !== '.') expect(existsSync(join(ROOT, src)), src).toBe(true);
    }
    expect(docker).toMatch(/^RUN npm run build && npm pack --ignore-scripts && mv fediblock-\*\.tgz \/fediblock\.tgz$/m);
    expect(docker).toMatch(/^COPY --from=build \/fediblock\.tgz \/tmp\/fediblock\.tgz$/m);
    // The tarball holds what the command needs (package.json "files").
    const files = (JSON.parse(read(join(ROOT, 'package.json'))) as { files: string[] }).files;
    expect(files).toEqual(expect.arrayContaining(['bin/', 'dist/bundle/']));
  });

  it('cron and systemd call the globally installed command', () => {
    expect(read(join(DEPLOY, 'crontab'))).toMatch(/\/usr\/local\/bin\/fediblock sync --yes --quiet/);
    expect(read(join(DEPLOY, 'crontab'))).toContain('npm install --global');
    expect(read(join(DEPLOY, 'fediblock.service'))).toMatch(/^ExecStart=\/usr\/local\/bin\/fediblock sync /m);
    expect(read(join(ROOT, 'README.md'))).toContain('npm install --global ./fediblock-*.tgz');
  });
});
