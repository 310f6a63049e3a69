// `fediblock completion bash|zsh`: a completion script generated from the CLI's own definition,
// so it can never fall out of step with the flags.
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { completionScript } from '../output/completion.js';
import type { JobContext } from './context.js';

export async function runCompletion(ctx: JobContext): Promise<number> {
  const shell = String(ctx.opts.shell);
  if (shell !== 'bash' && shell !== 'zsh') throw new ConfigError(`unsupported shell "${shell}": use bash or zsh`);
  const program = ctx.opts.program as Command;
  const flags = (c: Command) => c.options.flatMap((o) => [o.short, o.long].filter((x): x is string => typeof x === 'string'));
  const spec = [
    { name: '', options: [...flags(program), '--help'], subcommands: program.commands.map((c) => c.name()) },
    ...program.commands.map((c) => ({ name: c.name(), options: [...flags(c), '--help'], ...(c.commands.length ? { subcommands: c.commands.map((s) => s.name()) } : {}) })),
  ];
  ctx.stdout.write(completionScript(shell, spec));
  return 0;
}
