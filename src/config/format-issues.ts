// Turns zod issues into lines an admin can act on: `source[2].format: expected one of …; got "xml"`.
// Array indexes are 1-based ([[source]] number 2 is the second one in the file), everywhere.
import type * as z from 'zod/mini';

type Path = readonly PropertyKey[];

export function formatPath(path: Path): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p + 1}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

/** A value for a message; never echoes a token. */
function describe(value: unknown, path: Path): string {
  const last = path[path.length - 1];
  if (typeof last === 'string' && /token/.test(last) && last !== 'token_env' && last !== 'token_file') return 'a value (not shown)';
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return 'an array';
  if (value !== null && typeof value === 'object') return 'a table';
  return String(value);
}

/** The keys an object schema accepts at `path`, for "did you mean" hints. */
function keysAt(schema: z.core.$ZodType, path: Path): string[] {
  // zod 4 keeps a schema's definition on `_zod.def`; walk wrappers down to the object.
  let node: any = schema;
  const unwrap = () => {
    for (let i = 0; i < 10 && node; i++) {
      const def = node._zod?.def;
      if (!def) return;
      if (def.innerType) node = def.innerType;
      else if (def.type === 'pipe') node = def.out?._zod?.def?.type === 'transform' ? def.in : def.out;
      else return;
    }
  };
  for (const p of path) {
    unwrap();
    const def = node?._zod?.def;
    if (!def) return [];
    if (typeof p === 'number' && def.type === 'array') node = def.element;
    else if (typeof p === 'string' && def.type === 'object') node = def.shape?.[p];
    else return [];
  }
  unwrap();
  const def = node?._zod?.def;
  return def?.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

function unknownKeyHint(key: string, valid: string[]): string {
  if (valid.length === 0) return '';
  const close = valid.filter((k) => distance(k, key) <= Math.max(1, Math.floor(k.length / 4)));
  if (close.length > 0) return `; did you mean ${close.map((k) => `"${k}"`).join(' or ')}?`;
  return `; valid keys here: ${valid.join(', ')}`;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join(', ')}; got ${describe(input, issue.path)}`;
    case 'invalid_type':
      if (input === undefined) return `is required (${issue.expected})`;
      return `expected ${issue.expected === 'object' ? 'a table' : issue.expected}; got ${describe(input, issue.path)}`;
    case 'too_small':
      if (issue.origin === 'string') return 'must not be empty';
      return `must be ${issue.inclusive ? 'at least' : 'more than'} ${String(issue.minimum)}; got ${describe(input, issue.path)}`;
    case 'too_big':
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}; got ${describe(input, issue.path)}`;
    case 'invalid_union':
      return `expected a string with a unit (e.g. "30s" or "20MB"); got ${describe(input, issue.path)}`;
    default:
      return issue.message;
  }
}

/**
 * One line per problem. `rename` maps a native key path to the key path the admin wrote (used for
 * a translated FediBlockHole config).
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], schema: z.core.$ZodType, rename: (p: string) => string = (p) => p): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const valid = keysAt(schema, issue.path);
      for (const key of issue.keys) lines.push(`${rename(formatPath([...issue.path, key]))}: unknown key${unknownKeyHint(key, valid)}`);
      continue;
    }
    const where = rename(formatPath(issue.path));
    lines.push(`${where === '' ? '(top level)' : where}: ${describeIssue(issue)}`);
  }
  return lines;
}
