// JSON.parse with a message an admin can act on: the source and the line of the syntax error.
import { FediblockError } from '../../errors.js';
import { lineIndex } from './line-index.js';
import { shorten } from './fields.js';

export function readJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const pos = /position (\d+)/.exec(msg);
    const where = pos ? ` at line ${lineIndex(text)(Number(pos[1]))} (position ${pos[1]})` : '';
    throw new FediblockError(`${source}: invalid JSON${where}: ${shorten(msg, 120)}`, {
      hint: 'Check that the URL serves the list itself and that the download was not cut short.',
      cause: err,
    });
  }
}

export const describeJsonType = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);
