import { createHash } from 'node:crypto';
import { emptyBlock, type DomainBlock, type MergeSettings, type Severity, type SourceList } from '../../src/model.js';

export const b = (domain: string, severity: Severity = 'suspend', extra: Partial<DomainBlock> = {}): DomainBlock => ({
  ...emptyBlock(domain, severity),
  ...extra,
});

export const src = (index: number, blocks: DomainBlock[], extra: Partial<SourceList> = {}): SourceList => ({
  index,
  name: `s${index}`,
  blocks,
  status: 'fresh',
  ...extra,
});

export const settings = (extra: Partial<MergeSettings> = {}): MergeSettings => ({
  plan: 'max',
  threshold: { type: 'count', value: 0 },
  import_fields: ['public_comment', 'private_comment', 'reject_media', 'reject_reports', 'obfuscate'],
  allow: new Set(),
  ...extra,
});

export const sha = (d: string): string => createHash('sha256').update(d).digest('hex');
