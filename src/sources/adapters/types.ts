import type { ParseResult, Severity } from '../../model.js';

/**
 * What an adapter returns: blocks with their domains as written (parseList normalises them, once),
 * and a way to find the line a block came from. Lines are looked up on demand because naming them
 * costs CSV a second pass, paid only by sources that have something to report.
 */
export interface AdapterResult extends ParseResult {
  /** 1-based line where `blocks[index]` starts in the text. */
  lineOf(index: number): number;
}

export interface AdapterOptions {
  /** What entries without a severity of their own mean (plain lists, Fediseer); default suspend. */
  severity?: Severity;
}

export type Adapter = (text: string, source: string, opts?: AdapterOptions) => AdapterResult;
