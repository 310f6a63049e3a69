// Reading Mastodon's Admin::DomainBlock entity (mastodon-api.md) into a StoredBlock: a hand-checked
// fast path for the common case, and the schema, which decides the rest and words the errors.
// zod/mini (see config/schema.ts); a namespace import lets esbuild drop the parts never used.
import * as z from 'zod/mini';
import '../../zod-messages.js';
import { SEVERITIES, isSeverity, type StoredBlock } from '../../model.js';

const optText = z.nullish(z.string());
const optFlag = z.nullish(z.boolean());

const AdminDomainBlock = z.object({
  id: z.pipe(z.union([z.string().check(z.minLength(1)), z.number().check(z.int(), z.nonnegative())]), z.transform(String)),
  domain: z.string().check(z.minLength(1)),
  digest: optText,
  created_at: optText,
  severity: z.enum(SEVERITIES),
  reject_media: optFlag,
  reject_reports: optFlag,
  obfuscate: optFlag,
  private_comment: optText,
  public_comment: optText,
});

/** What a failed parse carries: the issues, each with its path and message. */
export type ParseError = { issues: readonly z.core.$ZodIssue[] };

function toStored(e: z.infer<typeof AdminDomainBlock>): StoredBlock {
  const b: StoredBlock = {
    id: e.id,
    domain: e.domain,
    severity: e.severity,
    reject_media: e.reject_media === true,
    reject_reports: e.reject_reports === true,
    obfuscate: e.obfuscate === true,
    public_comment: e.public_comment ?? '',
    private_comment: e.private_comment ?? '',
  };
  if (e.digest) b.digest = e.digest;
  if (e.created_at) b.created_at = e.created_at;
  return b;
}

const optString = (v: unknown): boolean => v === undefined || v === null || typeof v === 'string';
const optBoolean = (v: unknown): boolean => v === undefined || v === null || typeof v === 'boolean';

/**
 * A domain block as AdminDomainBlock reads it, checked by hand for the common case (a sync into
 * many instances reads thousands of answers, and the schema's parse was a good part of the client's
 * garbage per request). It accepts only what the schema accepts and gives the same block; anything
 * else is undefined, and the caller asks the schema, which decides and words the error.
 */
export function readDomainBlock(v: unknown): StoredBlock | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  const { id, domain, severity, digest, created_at, private_comment, public_comment, reject_media, reject_reports, obfuscate } = o;
  let sid: string;
  if (typeof id === 'string' && id.length > 0) sid = id;
  else if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) sid = String(id);
  else return undefined;
  if (typeof domain !== 'string' || domain.length === 0 || typeof severity !== 'string' || !isSeverity(severity)) return undefined;
  if (!optString(digest) || !optString(created_at) || !optString(private_comment) || !optString(public_comment)) return undefined;
  if (!optBoolean(reject_media) || !optBoolean(reject_reports) || !optBoolean(obfuscate)) return undefined;
  const b: StoredBlock = {
    id: sid,
    domain,
    severity,
    reject_media: reject_media === true,
    reject_reports: reject_reports === true,
    obfuscate: obfuscate === true,
    public_comment: (public_comment as string | null | undefined) ?? '',
    private_comment: (private_comment as string | null | undefined) ?? '',
  };
  if (digest) b.digest = digest as string;
  if (created_at) b.created_at = created_at as string;
  return b;
}

/** The schema's reading of a domain block (the slow path, and the one that words errors). */
export function parseDomainBlock(v: unknown): { block: StoredBlock } | { error: ParseError } {
  const r = AdminDomainBlock.safeParse(v);
  return r.success ? { block: toStored(r.data) } : { error: r.error };
}

/** A page of domain blocks: the fast reading when every entry passes it, else the schema's. */
export function readDomainBlocks(body: unknown): { blocks: StoredBlock[] } | { error: ParseError } {
  const fast = Array.isArray(body) ? body.map(readDomainBlock) : undefined;
  if (fast !== undefined && !fast.includes(undefined)) return { blocks: fast as StoredBlock[] };
  const parsed = z.array(AdminDomainBlock).safeParse(body);
  return parsed.success ? { blocks: parsed.data.map(toStored) } : { error: parsed.error };
}
