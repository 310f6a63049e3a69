// Shared fixtures for the planner tests (not a test file itself).
import { emptyBlock, type DomainBlock, type Severity, type StoredBlock } from '../../src/model.js';
import { defaultDestinationPolicy, type DestinationPolicy } from '../../src/sync/plan-sync.js';

export const NOW = '2026-11-25T08:00:00.000Z';
export const M = '[fediblock]';

export const policy = (o: Partial<DestinationPolicy> = {}): DestinationPolicy => defaultDestinationPolicy('my.social', o);

export const want = (domain: string, severity: Severity = 'suspend', o: Partial<DomainBlock> = {}): DomainBlock => ({
  ...emptyBlock(domain, severity),
  ...o,
});

let nextId = 1;
export const stored = (domain: string, severity: Severity, o: Partial<StoredBlock> = {}): StoredBlock => ({
  ...emptyBlock(domain, severity),
  id: String(nextId++),
  ...o,
});
/** A block fediblock owns (marker in private_comment). */
export const owned = (domain: string, severity: Severity, o: Partial<StoredBlock> = {}): StoredBlock =>
  stored(domain, severity, { private_comment: M, ...o });
/** A hand-made block (no marker). */
export const hand = (domain: string, severity: Severity, o: Partial<StoredBlock> = {}): StoredBlock =>
  stored(domain, severity, { private_comment: 'added by alice', ...o });
