// The text of a plan file (sync --plan-out): the plan as indented JSON for review, with the list it
// was made for (`desired_list`) one domain per line — that list holds every domain of the merged
// list, and indenting each row's four values would make it the bulk of the file. Pure.
import type { Listed } from './destination-state.js';

export function planFileText(plan: object, list?: Listed): string {
  const text = JSON.stringify(plan, null, 2);
  if (list === undefined) return `${text}\n`;
  const rows = list.blocks.map((r) => `      ${JSON.stringify(r)}`).join(',\n');
  const listed = `{\n    "at": ${JSON.stringify(list.at)},\n    "blocks": [${rows ? `\n${rows}\n    ` : ''}]\n  }`;
  // `text` ends with "\n}": the list goes in as the last key.
  return `${text.slice(0, -2)},\n  "desired_list": ${listed}\n}\n`;
}
