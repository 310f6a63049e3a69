// A tiny CSV reader for the Oliphant fixtures, so these tests do not depend on the real parser.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { isSeverity, type DomainBlock, type SourceList } from '../../src/model.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/oliphant-2024-01-21/', import.meta.url));

type Row = Record<string, string | undefined>;

export function readRows(file: string): Row[] {
  return parse(readFileSync(FIXTURES + file, 'utf8'), { columns: true, skip_empty_lines: true, relax_column_count: true }) as Row[];
}

const bool = (v: string | undefined): boolean => v === 'True' || v === 'true';

export function rowToBlock(row: Row): DomainBlock {
  const severity = row.severity ?? 'suspend';
  if (!isSeverity(severity)) throw new Error(`bad severity ${severity} for ${row.domain}`);
  return {
    domain: (row.domain ?? '').trim().toLowerCase(),
    severity,
    reject_media: bool(row.reject_media),
    reject_reports: bool(row.reject_reports),
    obfuscate: bool(row.obfuscate),
    public_comment: row.public_comment ?? '',
    private_comment: row.private_comment ?? '',
  };
}

export function readList(file: string, index: number): SourceList {
  return { index, name: file.replace(/\.csv$/, ''), blocks: readRows(file).map(rowToBlock), status: 'fresh' };
}

export function readAllowlist(...files: string[]): Set<string> {
  return new Set(files.flatMap((f) => readRows(f).map((r) => (r.domain ?? '').trim().toLowerCase())).filter((d) => d !== ''));
}
