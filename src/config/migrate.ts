// `fediblock config migrate OLD.toml`: a FediBlockHole config rendered as a native blocklist.toml,
// with comments where fediblock behaves differently. Deterministic: same input, same bytes.
// Inline tokens are not copied (the output goes to a terminal or a new file): a comment says where
// to put each one instead.
import { ConfigError } from '../errors.js';
import { isFediBlockHoleConfig, translateFediBlockHole, type FediBlockHoleTranslation } from './fediblockhole.js';
import { parseToml } from './read-toml.js';
import { defaultTokenVariable, fediBlockHoleTokenVariable } from './resolve-token.js';

type Obj = Record<string, unknown>;

/** A TOML value: basic strings (JSON escapes are valid TOML; DEL must be escaped too), numbers, booleans, arrays. */
export function tomlValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v).replace(/\u007f/g, '\\u007F');
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(tomlValue).join(', ')}]`;
  throw new Error(`cannot render ${typeof v} as a TOML value`);
}

const line = (key: string, value: unknown, comment?: string): string => `${key} = ${tomlValue(value)}${comment ? `  # ${comment}` : ''}`;

function entryLines(entry: Obj, order: readonly string[]): string[] {
  return order.filter((k) => entry[k] !== undefined).map((k) => line(k, entry[k]));
}

function header(t: FediBlockHoleTranslation, source: string): string[] {
  const out = [
    `# blocklist.toml: translated from the FediBlockHole config ${source} by \`fediblock config migrate\`.`,
    '# Relative paths below are resolved against this file\'s folder.',
    '#',
    '# What is different from FediBlockHole:',
    '# - Removals: fediblock can delete blocks that left your lists, but only blocks it owns (those whose',
    '#   private comment carries its marker). The blocks FediBlockHole created have no marker, so each',
    '#   [[destination]] translated from blocklist_instance_destinations gets remove = false and adopt = true,',
    '#   as FediBlockHole behaved: nothing is removed, and a block matching the list is adopted (marked, managed).',
    '# - To turn removals on safely: run `fediblock diff` first and read the plan; then set remove = true.',
    '#   Brakes refuse a plan that deletes more than brake_delete (30%) of owned blocks unless --force.',
    '# - A source that fails or shrinks suddenly holds all deletions for that run (exit 4).',
    '# - Fetched lists are cached in [fetch] cache_dir (last good copy), instead of save_intermediate/savedir.',
    '# - The merged CSV is written with LF line ends; FediBlockHole (and fediblock reading its config) wrote CRLF.',
  ];
  if (t.notes.length > 0) {
    out.push('#', '# Notes on this file:');
    for (const n of t.notes) out.push(`# - ${n}`);
  }
  return out;
}

function fbhFlagComments(t: FediBlockHoleTranslation): string[] {
  const out: string[] = [];
  const f = t.fbh;
  if (f.no_fetch_url) out.push('# no_fetch_url = true: fediblock has no such setting; remove the URL sources you do not want fetched.');
  if (f.no_fetch_instance) out.push('# no_fetch_instance = true: fediblock has no such setting; remove the instance sources you do not want fetched.');
  if (f.no_push_instance) out.push('# no_push_instance = true: run `fediblock merge` (never pushes) instead of `fediblock sync`.');
  if (f.save_intermediate) out.push(`# save_intermediate = true (savedir "${f.savedir}"): fediblock keeps each source's last good copy in cache_dir.`);
  if (f.blocklist_auditfile !== undefined) out.push(`# blocklist_auditfile = "${f.blocklist_auditfile}": ask \`fediblock merge\` for its audit file on the command line (see --help).`);
  return out;
}

function render(t: FediBlockHoleTranslation, source: string): string {
  const c = t.config as { merge: Obj; output: Obj; source: Obj[]; allowlist: Obj[]; destination: Obj[] };
  const out = header(t, source);
  const flags = fbhFlagComments(t);
  if (flags.length > 0) out.push('#', '# FediBlockHole runtime settings with no config key here:', ...flags);

  out.push('', '[merge]', ...entryLines(c.merge, ['plan', 'threshold', 'threshold_pct']));
  out.push('# FediBlockHole imports and exports only the fields listed (domain and severity always);');
  out.push('# fediblock\'s defaults would add more, so both lists are written out.');
  out.push(...entryLines(c.merge, ['import_fields', 'export_fields']));

  if (c.output.path !== undefined) out.push('', '[output]', ...entryLines(c.output, ['path', 'format']));

  for (const [i, s] of c.source.entries()) {
    out.push('', '[[source]]', ...entryLines(s, ['url', 'instance', 'format', 'admin', 'api_base', 'token_env', 'max_severity', 'import_fields']));
    if (t.inlineTokens.includes(`source[${i + 1}]`)) out.push(...tokenComment(String(s.instance)));
  }
  for (const a of c.allowlist) out.push('', '[[allowlist]]', ...entryLines(a, ['url', 'format']));
  for (const [i, d] of c.destination.entries()) {
    const portDomain = t.portDomains[`destination[${i + 1}]`];
    const inline = t.inlineTokens.includes(`destination[${i + 1}]`);
    out.push('', '[[destination]]', ...entryLines(d, ['domain', 'api_base', 'token_env', 'max_severity', 'max_followed_severity']));
    if (inline) out.push(...tokenComment(String(d.domain)));
    else if (portDomain !== undefined && d.token_env === undefined) {
      // FediBlockHole's default name for "host:port" has a colon, which no shell can export.
      const name = defaultTokenVariable(portDomain);
      out.push(`# FediBlockHole read $${fediBlockHoleTokenVariable(portDomain)}, which a shell cannot export; set this one instead:`, line('token_env', name));
    }
    out.push(
      '# FediBlockHole never removed blocks. Run `fediblock diff` first, then set remove = true to let',
      '# fediblock delete the blocks it owns once they leave your lists.',
      line('remove', d.remove),
      '# Adopt the blocks FediBlockHole created (they carry no marker): matching blocks get the marker',
      '# and are managed from then on. A hand-made block stricter than the list stays hand-made.',
      line('adopt', d.adopt),
    );
    if (d.marker !== undefined) {
      out.push('# override_private_comment, which FediBlockHole stamped on the blocks it created, is the ownership marker.', line('marker', d.marker));
    } else {
      out.push('# Ownership marker written into private_comment (default "[fediblock]").');
    }
  }
  return `${out.join('\n')}\n`;
}

function tokenComment(domain: string): string[] {
  return [
    '# The token was written inline in the old config and is not copied here. Put it in the',
    `# environment variable ${defaultTokenVariable(domain)} (read by default), or in a file named by`,
    '# token_file = "…" (chmod 600).',
  ];
}

/** Render a FediBlockHole config (TOML text) as the equivalent native blocklist.toml text. */
export function migrateConfig(oldToml: string, sourceName = 'fediblockhole.conf.toml'): string {
  const data = parseToml(oldToml.replace(/^\uFEFF/, ''), sourceName);
  if (!isFediBlockHoleConfig(data)) {
    throw new ConfigError(`${sourceName} is not a FediBlockHole config (none of its keys, such as blocklist_url_sources or mergeplan, are set)`);
  }
  return render(translateFediBlockHole(data), sourceName);
}
