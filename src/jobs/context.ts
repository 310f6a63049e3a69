// What every job receives from the CLI: resolved global flags and where to write.
export interface JobContext {
  configPath: string;
  /** True when -c was given: a missing file is then an error even for commands that can run without one. */
  configExplicit: boolean;
  quiet: boolean;
  cacheDir: string | undefined;
  offline: boolean;
  /** The command's own options (and its positional arguments by name). */
  opts: Record<string, unknown>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Both stdin and stdout are terminals: we may ask a question and show progress. */
  interactive: boolean;
  color: boolean;
}
