// How one source is read by the merge, computed once per source rather than per row.
import { OPTIONAL_FIELDS, type MergeSettings, type OptionalField, type Severity, type SourceList } from '../model.js';
import { importedFields } from './select-fields.js';

export interface SourceView {
  index: number;
  name: string;
  fields: ReadonlySet<OptionalField>;
  cap: Severity | undefined;
  /** `fields` as booleans: read for every row, so no Set lookups there. */
  take: Record<OptionalField, boolean>;
}

export function sourceView(list: SourceList, settings: MergeSettings): SourceView {
  const fields = importedFields(list, settings);
  const take = Object.fromEntries(OPTIONAL_FIELDS.map((f) => [f, fields.has(f)])) as Record<OptionalField, boolean>;
  return { index: list.index, name: list.name, fields, cap: list.max_severity, take };
}
