// RapidBlock's signed JSON: {"blocks": {"domain": {"isBlocked": true, "reason": …}}}.
// zod/mini (see config/schema.ts); a namespace import lets esbuild drop the parts never used.
import * as z from 'zod/mini';
import '../../zod-messages.js';
import { emptyBlock, type DomainBlock, type Notice, type Reject } from '../../model.js';
import { FediblockError } from '../../errors.js';
import { childOffsets, firstNonSpace, memberValueOffset, readString } from './json-lines.js';
import { lineIndex } from './line-index.js';
import { describeJsonType, readJson } from './read-json.js';
import { zodReason } from './json.js';
import type { AdapterResult } from './types.js';

const Entry = z.object({
  isBlocked: z.boolean(),
  reason: z.nullish(z.string()),
});

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseRapidblockJson(text: string, source: string): AdapterResult {
  const data = readJson(text, source);
  if (!isObject(data) || !isObject(data.blocks)) {
    const got = isObject(data) ? `"blocks" is ${describeJsonType(data.blocks)}` : `got ${describeJsonType(data)}`;
    throw new FediblockError(`${source}: expected a RapidBlock object with a "blocks" object, ${got}`, {
      hint: 'For a JSON array of blocks set format = "json".',
    });
  }
  const blocks: DomainBlock[] = [];
  const blockKeys: string[] = [];
  const bad: { key: string; reason: string }[] = [];
  const unblocked: string[] = [];
  const entries = Object.entries(data.blocks);
  for (const [domain, value] of entries) {
    const parsed = Entry.safeParse(value);
    if (!parsed.success) {
      bad.push({ key: domain, reason: zodReason(parsed.error) });
      continue;
    }
    if (!parsed.data.isBlocked) {
      unblocked.push(domain);
      continue;
    }
    const b = emptyBlock(domain, 'suspend');
    b.public_comment = parsed.data.reason ?? '';
    blocks.push(b);
    blockKeys.push(domain);
  }

  let keyLines: Map<string, number> | undefined;
  const keyLine = (key: string): number => {
    keyLines ??= blockKeyLines(text);
    return keyLines.get(key) ?? 0;
  };
  const rejects: Reject[] = bad.map((b) => ({ source, line: keyLine(b.key), reason: b.reason, value: b.key.slice(0, 80) }));
  const notices: Notice[] = unblocked.map((d) => ({ source, line: keyLine(d), message: `skipped ${d.slice(0, 80)}: "isBlocked" is false` }));
  return { blocks, rejects, notices, rows: entries.length, lineOf: (i) => keyLine(blockKeys[i] ?? '') };
}

/** Line of each key of the top-level "blocks" object. */
function blockKeyLines(text: string): Map<string, number> {
  const lineAt = lineIndex(text);
  const out = new Map<string, number>();
  const root = firstNonSpace(text);
  for (const keyAt of childOffsets(text, root)) {
    if (readString(text, keyAt).value !== 'blocks') continue;
    for (const at of childOffsets(text, memberValueOffset(text, keyAt))) {
      const key = readString(text, at).value;
      if (!out.has(key)) out.set(key, lineAt(at));
    }
  }
  return out;
}
