// A block's rule (severity and the three flags) packed in one byte, the form the parsed rows
// (sources/block-columns.ts) and the merge's table (merge/block-table.ts) both keep: at a million
// rows, a byte per row instead of four properties is most of the difference between holding
// the rows as data and holding them as objects.
import { SEVERITIES, type Severity } from './model.js';

/** Bits 0–1: severity rank (noop 0, silence 1, suspend 2); then one bit per flag. */
export const SEVERITY_BITS = 3;
export const MEDIA = 4;
export const REPORTS = 8;
export const OBFUSCATE = 16;
export const FLAG_BITS = MEDIA | REPORTS | OBFUSCATE;

export const severityOfRule = (rule: number): Severity => SEVERITIES[rule & SEVERITY_BITS] as Severity;

export const severityBits = (severity: Severity): number => (severity === 'suspend' ? 2 : severity === 'silence' ? 1 : 0);

export function ruleOf(severity: Severity, media: boolean, reports: boolean, obfuscate: boolean): number {
  return severityBits(severity) | (media ? MEDIA : 0) | (reports ? REPORTS : 0) | (obfuscate ? OBFUSCATE : 0);
}
