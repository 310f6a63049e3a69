// Cell spellings shared by the adapters: lists write booleans and severities in many ways.
import type { Severity } from '../../model.js';

const BOOLS: Record<string, boolean> = {
  true: true, t: true, '1': true, yes: true, on: true,
  false: false, f: false, '0': false, no: false, off: false, '': false,
};

/** A boolean cell, or undefined when it is neither a true nor a false spelling. */
export function parseBool(cell: string | undefined): boolean | undefined {
  if (cell === undefined || cell === '' || cell === 'False' || cell === 'false') return false;
  if (cell === 'True' || cell === 'true') return true;
  const v = BOOLS[cell.trim().toLowerCase()];
  return v;
}

const SEVERITY: Record<string, Severity> = {
  suspend: 'suspend', silence: 'silence', noop: 'noop',
  // Mastodon's UI says "Limit" for silence; FediBlockHole and others write "none" for noop.
  limit: 'silence', none: 'noop',
};

/** A severity cell; empty means suspend, as in Mastodon's importer. Undefined when unknown. */
export function parseSeverity(cell: string | undefined): Severity | undefined {
  if (cell === undefined || cell === '' || cell === 'suspend') return 'suspend';
  // The literals, not the cell: a million rows then share two strings instead of keeping their own.
  if (cell === 'silence') return 'silence';
  if (cell === 'noop') return 'noop';
  const s = cell.trim().toLowerCase();
  return s === '' ? 'suspend' : (Object.hasOwn(SEVERITY, s) ? SEVERITY[s] : undefined);
}

/** A value short enough to quote in a message. */
export function shorten(value: string, max = 80): string {
  const oneLine = value.length > max * 4 ? value.slice(0, max * 4) : value;
  const flat = oneLine.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export const BOOL_HELP = 'expected true or false';
export const SEVERITY_HELP = 'expected suspend, silence or noop';
