// What a source contributes: domain and severity always; the optional fields it imports (its own
// `import_fields`, else the merge's); everything else falls back to the defaults (false / ''), so
// a list that says nothing about media cannot vote for or against rejecting it.
import type { MergeSettings, OptionalField, SourceList } from '../model.js';

export function importedFields(list: SourceList, settings: MergeSettings): ReadonlySet<OptionalField> {
  return new Set(list.import_fields ?? settings.import_fields);
}
