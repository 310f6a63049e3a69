// A source's `max_severity` lets an admin trust a list for limits but not for suspensions.
import { severityRank, type Severity } from '../model.js';

export const capSeverity = (severity: Severity, cap: Severity | undefined): Severity =>
  cap !== undefined && severityRank(severity) > severityRank(cap) ? cap : severity;
