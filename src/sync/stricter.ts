// Mastodon's `DomainBlock#stricter_than?` (app/models/domain_block.rb; mastodon-api.md §1.5):
// whether a new block on a subdomain is accepted under an existing parent block.
import type { Severity } from '../model.js';

export interface StrictnessFields {
  severity: Severity;
  reject_media: boolean;
  reject_reports: boolean;
}

/**
 * True when `a` (the new block) counts as stricter than `b` (the existing rule), exactly as
 * Mastodon decides it. Note that an *equal* block counts as stricter (Mastodon accepts it on a
 * subdomain), and that the flags are compared even between equal severities.
 */
export function isStricter(a: StrictnessFields, b: StrictnessFields): boolean {
  if (a.severity === 'suspend') return true;
  if (b.severity === 'suspend') return false; // a is silence or noop
  if (a.severity === 'noop' && b.severity === 'silence') return false;
  return (a.reject_media || !b.reject_media) && (a.reject_reports || !b.reject_reports);
}
