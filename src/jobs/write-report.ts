// `merge --report FILE`: the self-contained HTML page for people browsing a published list.
import { writeFileAtomic } from '../output/atomic-write.js';
import { renderReport } from '../output/render-report.js';
import { parseList } from '../sources/parse-list.js';
import type { MergeRun } from './build-merge.js';

export async function writeReport(path: string, run: MergeRun, against?: { name: string; text: string }): Promise<void> {
  let changes: { added: string[]; removed: string[]; changed: Array<{ domain: string; from: string; to: string }> } | undefined;
  if (against) {
    const text = against.text;
    const before = new Map(text ? parseList(text, 'auto', against.name).blocks.map((b) => [b.domain, b.severity] as const) : []);
    const now = new Map(run.outcome.blocks.map((b) => [b.domain, b.severity] as const));
    changes = {
      added: [...now.keys()].filter((d) => !before.has(d)),
      removed: [...before.keys()].filter((d) => !now.has(d)).sort(),
      changed: [...now].filter(([d, s]) => before.has(d) && before.get(d) !== s).map(([domain, to]) => ({ domain, from: before.get(domain) as string, to })),
    };
  }
  const html = renderReport({
    title: 'Merged blocklist',
    generatedAt: new Date().toISOString(),
    blocks: run.outcome.blocks.map((b) => ({ domain: b.domain, severity: b.severity, reject_media: b.reject_media, reject_reports: b.reject_reports, obfuscate: b.obfuscate, public_comment: b.public_comment, sources: b.sources.length })),
    sourceCount: run.outcome.sourceCount,
    sourceNames: run.lists.map((l) => l.name),
    ...(changes ? { changes } : {}),
  });
  await writeFileAtomic(path, html);
}
