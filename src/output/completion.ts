// Shell completion scripts for bash and zsh, generated from a command spec (built from commander
// by `fediblock completion`, so the scripts never fall out of step with the flags).
// The entry with name '' (if any) is the program itself: its options are valid everywhere
// (commander accepts program options after a subcommand) and its subcommands are the commands.
// Without a '' entry, the commands are the spec's names.
// Completion: a word starting with `-` completes the current command's options (plus the
// program's); otherwise the command (or a nested subcommand such as `config migrate`); anything
// else, or a word no command matches, completes file names.

export interface CompletionCommand {
  name: string;
  options: string[];
  subcommands?: string[];
}

const PROGRAM = 'fediblock';
const SAFE_WORD = /^[A-Za-z0-9][A-Za-z0-9._:+-]*$/;
const SAFE_OPTION = /^--?[A-Za-z0-9][A-Za-z0-9._:+-]*$/;

function checked(words: string[], re: RegExp, what: string): string[] {
  for (const w of words) if (!re.test(w)) throw new Error(`cannot put ${what} "${w}" in a completion script`);
  return [...new Set(words)];
}

interface Normalised {
  rootOptions: string[];
  commands: Array<{ name: string; options: string[]; subcommands: string[] }>;
}

function normalise(spec: CompletionCommand[]): Normalised {
  const root = spec.find((c) => c.name === '');
  const commands = spec
    .filter((c) => c.name !== '')
    .map((c) => ({
      name: checked([c.name], SAFE_WORD, 'command name')[0] as string,
      options: checked(c.options, SAFE_OPTION, 'option'),
      subcommands: checked(c.subcommands ?? [], SAFE_WORD, 'subcommand'),
    }));
  // Commands listed under the program but missing from the spec still complete by name.
  for (const name of checked(root?.subcommands ?? [], SAFE_WORD, 'subcommand')) {
    if (!commands.some((c) => c.name === name)) commands.push({ name, options: [], subcommands: [] });
  }
  const rootOptions = checked(root?.options ?? [], SAFE_OPTION, 'option');
  return { rootOptions, commands };
}

/** A bash (`complete -F`) or zsh (`#compdef`) completion script for `fediblock`. */
export function completionScript(shell: 'bash' | 'zsh', spec: CompletionCommand[]): string {
  const n = normalise(spec);
  if (shell === 'bash') return bashScript(n);
  if (shell === 'zsh') return zshScript(n);
  throw new Error(`unsupported shell "${String(shell)}": use bash or zsh`);
}

const words = (list: string[]): string => list.join(' ');

function bashScript(n: Normalised): string {
  const optCases = n.commands.map((c) => `    ${c.name}) opts="${words(c.options)}" ;;`).join('\n');
  const subCases = n.commands
    .filter((c) => c.subcommands.length)
    .map((c) => `    ${c.name}) subs="${words(c.subcommands)}" ;;`)
    .join('\n');
  return `# bash completion for ${PROGRAM}
# Install: ${PROGRAM} completion bash > /etc/bash_completion.d/${PROGRAM}
#      or: source <(${PROGRAM} completion bash)   (in ~/.bashrc)

_${PROGRAM}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local commands="${words(n.commands.map((c) => c.name))}"
  local root_opts="${words(n.rootOptions)}"
  local cmd="" sub="" subs="" opts="" i w

  # The command is the first word that names one; option values never do.
  for (( i = 1; i < COMP_CWORD; i++ )); do
    w="\${COMP_WORDS[i]}"
    if [[ -z "$cmd" ]]; then
      [[ " $commands " == *" $w "* ]] && cmd="$w"
    elif [[ -z "$sub" ]]; then
      subs="$(_${PROGRAM}_subcommands "$cmd")"
      [[ -n "$subs" && " $subs " == *" $w "* ]] && sub="$w"
    fi
  done

  COMPREPLY=()
  if [[ "$cur" == -* ]]; then
    opts="$root_opts"
    [[ -n "$cmd" ]] && opts="$(_${PROGRAM}_options "$cmd") $opts"
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
    return 0
  fi
  if [[ -z "$cmd" ]]; then
    COMPREPLY=( $(compgen -W "$commands" -- "$cur") )
  elif [[ -z "$sub" ]]; then
    subs="$(_${PROGRAM}_subcommands "$cmd")"
    [[ -n "$subs" ]] && COMPREPLY=( $(compgen -W "$subs" -- "$cur") )
  fi
  # Nothing named matched: an option's value or an argument, most often a file.
  if (( \${#COMPREPLY[@]} == 0 )); then
    compopt -o filenames 2>/dev/null
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
  return 0
}

_${PROGRAM}_options() {
  local opts=""
  case "$1" in
${optCases}
  esac
  printf '%s' "$opts"
}

_${PROGRAM}_subcommands() {
  local subs=""
  case "$1" in
${subCases || '    *) ;;'}
  esac
  printf '%s' "$subs"
}

complete -F _${PROGRAM} ${PROGRAM}
`;
}

function zshScript(n: Normalised): string {
  const optCases = n.commands.map((c) => `    ${c.name}) opts=(${words(c.options)}) ;;`).join('\n');
  const subCases = n.commands
    .filter((c) => c.subcommands.length)
    .map((c) => `    ${c.name}) subs=(${words(c.subcommands)}) ;;`)
    .join('\n');
  return `#compdef ${PROGRAM}
# zsh completion for ${PROGRAM}
# Install: ${PROGRAM} completion zsh > "\${fpath[1]}/_${PROGRAM}"   (then restart zsh)
#      or: source <(${PROGRAM} completion zsh)   (in ~/.zshrc, after compinit)

_${PROGRAM}_options() {
  case "$1" in
${optCases}
  esac
}

_${PROGRAM}_subcommands() {
  case "$1" in
${subCases || '    *) ;;'}
  esac
}

_${PROGRAM}() {
  local -a commands root_opts opts subs
  local cmd="" sub="" i w cur="\${words[CURRENT]}"
  commands=(${words(n.commands.map((c) => c.name))})
  root_opts=(${words(n.rootOptions)})

  for (( i = 2; i < CURRENT; i++ )); do
    w="\${words[i]}"
    if [[ -z "$cmd" ]]; then
      (( \${commands[(Ie)$w]} )) && cmd="$w"
    elif [[ -z "$sub" ]]; then
      subs=(); _${PROGRAM}_subcommands "$cmd"
      (( \${#subs} && \${subs[(Ie)$w]} )) && sub="$w"
    fi
  done

  if [[ "$cur" == -* ]]; then
    opts=()
    [[ -n "$cmd" ]] && _${PROGRAM}_options "$cmd"
    compadd -- "\${opts[@]}" "\${root_opts[@]}"
    return
  fi
  if [[ -z "$cmd" ]]; then
    compadd -- "\${commands[@]}" && return
  elif [[ -z "$sub" ]]; then
    subs=(); _${PROGRAM}_subcommands "$cmd"
    (( \${#subs} )) && compadd -- "\${subs[@]}" && return
  fi
  _files
}

if [[ "\${funcstack[1]}" == "_${PROGRAM}" ]]; then
  _${PROGRAM} "$@"
else
  compdef _${PROGRAM} ${PROGRAM}
fi
`;
}
