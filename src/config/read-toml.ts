// Read and parse a TOML file; a missing file or a syntax error becomes a ConfigError that names
// the file, line and column.
import { readFile } from 'node:fs/promises';
import { parse, TomlError } from 'smol-toml';
import { ConfigError } from '../errors.js';

export function parseToml(text: string, path: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) {
      const reason = e.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
      throw new ConfigError(`${path}:${e.line}:${e.column}: TOML syntax error: ${reason}\n${e.codeblock}`.trimEnd(), 'fix the syntax at that line (quotes around strings, commas between list items)');
    }
    throw e;
  }
}

export async function readToml(path: string): Promise<{ text: string; data: Record<string, unknown> }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`config file ${path} not found`, 'create it from blocklist.toml.example, or pass -c PATH');
    if (code === 'EACCES') throw new ConfigError(`config file ${path} is not readable (permission denied)`);
    if (code === 'EISDIR') throw new ConfigError(`config file ${path} is a directory`);
    throw new ConfigError(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  return { text, data: parseToml(text.replace(/^\uFEFF/, ''), path) };
}
