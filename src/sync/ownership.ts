// Ownership by marker (design.md, "Sync: ownership and safety"): fediblock manages a block only
// when its private comment carries the marker. Deleting the marker in Mastodon's UI hands the
// block back to the admin.
import type { DomainBlock } from '../model.js';

export const DEFAULT_MARKER = '[fediblock]';

/** True when the block's private comment carries the marker. An empty marker owns nothing. */
export function isOwned(b: Pick<DomainBlock, 'private_comment'>, marker: string): boolean {
  if (marker === '') return false;
  return (b.private_comment ?? '').includes(marker);
}

/** The private comment with the marker appended after a space; unchanged when already there. */
export function withMarker(privateComment: string, marker: string): string {
  const pc = privateComment ?? '';
  if (marker === '' || pc.includes(marker)) return pc;
  const base = pc.trimEnd();
  return base === '' ? marker : `${base} ${marker}`;
}

/** The private comment with every occurrence of the marker (and the space before it) removed. */
export function withoutMarker(privateComment: string, marker: string): string {
  const pc = privateComment ?? '';
  if (marker === '' || !pc.includes(marker)) return pc;
  const escaped = marker.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return pc.replace(new RegExp(`\\s*${escaped}`, 'g'), '').trim();
}
