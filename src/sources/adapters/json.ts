// JSON arrays in Mastodon's API shapes (admin and public entities) and GoToSocial's export.
// zod/mini (see config/schema.ts); a namespace import lets esbuild drop the parts never used.
import * as z from 'zod/mini';
import '../../zod-messages.js';
import { emptyBlock, type DomainBlock, type Reject } from '../../model.js';
import { FediblockError } from '../../errors.js';
import { parseSeverity, SEVERITY_HELP, shorten } from './fields.js';
import { childOffsets, firstNonSpace } from './json-lines.js';
import { lineIndex } from './line-index.js';
import { describeJsonType, readJson } from './read-json.js';
import type { AdapterResult } from './types.js';

const text_ = z.nullish(z.string());
const flag = z.nullish(z.boolean());

// Unknown keys (id, created_at, suspended_at, subscription_id…) are ignored.
const Entry = z.object({
  domain: z.string(),
  severity: text_,
  reject_media: flag,
  reject_reports: flag,
  obfuscate: flag,
  public_comment: text_,
  private_comment: text_,
  comment: text_,
  digest: z.nullish(z.string().check(z.regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex characters (a SHA-256)'))),
});

export function parseJson(text: string, source: string): AdapterResult {
  const data = readJson(text, source);
  if (!Array.isArray(data)) {
    throw new FediblockError(`${source}: expected a JSON array of domain blocks, got ${describeJsonType(data)}`, {
      hint: 'For a RapidBlock list ({"blocks": …}) set format = "rapidblock_json".',
    });
  }
  const blocks: DomainBlock[] = [];
  const entryOf: number[] = [];
  const bad: { entry: number; reason: string; value?: string }[] = [];
  for (let i = 0; i < data.length; i++) {
    const parsed = Entry.safeParse(data[i]);
    if (!parsed.success) {
      bad.push({ entry: i, reason: zodReason(parsed.error) });
      continue;
    }
    const e = parsed.data;
    const severity = parseSeverity(e.severity ?? undefined);
    if (severity === undefined) {
      bad.push({ entry: i, reason: `severity: ${SEVERITY_HELP}`, value: shorten(e.severity ?? '') });
      continue;
    }
    // GoToSocial entries carry no severity: every block there is a suspend.
    const b = emptyBlock(e.domain, severity);
    b.reject_media = e.reject_media ?? false;
    b.reject_reports = e.reject_reports ?? false;
    b.obfuscate = e.obfuscate ?? false;
    b.public_comment = e.public_comment ?? e.comment ?? '';
    b.private_comment = e.private_comment ?? '';
    if (e.digest) b.digest = e.digest.toLowerCase();
    blocks.push(b);
    entryOf.push(i);
  }

  let starts: number[] | undefined;
  const entryLine = (i: number): number => {
    if (!starts) {
      const lineAt = lineIndex(text);
      starts = childOffsets(text, firstNonSpace(text)).map(lineAt);
    }
    return starts[i] ?? 0;
  };
  const rejects: Reject[] = bad.map((b) => ({ source, line: entryLine(b.entry), reason: b.reason, ...(b.value === undefined ? {} : { value: b.value }) }));
  return { blocks, rejects, notices: [], rows: data.length, lineOf: (i) => entryLine(entryOf[i] ?? -1) };
}

export function zodReason(error: { issues: readonly z.core.$ZodIssue[] }): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid entry';
  const field = issue.path.length > 0 ? issue.path.join('.') : 'entry';
  return `${field}: ${issue.message}`;
}
