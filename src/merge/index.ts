export { mergeLists, startMerge, byDomain, type MergeOptions, type MergeOutcome, type MergeInProgress } from './merge-lists.js';
export { explainDomain, formatExplanation, type Explanation, type DomainExplanation, type Outcome, type Vote } from './explain-domain.js';
export { auditRows, type AuditRow } from './audit.js';
export { mergeComments } from './merge-comments.js';
export { addsToParent } from './adds-to-parent.js';
