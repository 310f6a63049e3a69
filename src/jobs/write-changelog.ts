// `merge --changelog FILE [--feed FILE] --against PREVIOUS`: put a dated section on top of the
// changelog when the published list changed, and rewrite the Atom feed from the changelog.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { renderAtomFeed } from '../output/atom-feed.js';
import { diffLists, hasChanges, prependSection, readChangelogSections, renderChangelogSection, summarizeChanges } from '../output/changelog.js';
import { writeFileAtomic } from '../output/atomic-write.js';
import { parseList } from '../sources/parse-list.js';
import type { MergeRun } from './build-merge.js';

export interface ChangelogRequest {
  changelog: string;
  feed?: string;
  /** The previous list's text; undefined when there was none (first publication). */
  against?: { name: string; text: string | undefined };
  /** What the published list is called in the changelog and feed title. */
  listName: string;
  date: Date;
  feedEntries: number;
}

/** Returns one line for the summary. */
export async function writeChangelog(run: MergeRun, req: ChangelogRequest): Promise<string> {
  const previous = req.against?.text === undefined ? undefined : parseList(req.against.text, 'auto', req.against.name).blocks;
  const names = new Map(run.lists.map((l) => [l.index, l.name] as const));
  const changes = diffLists(previous, run.outcome.blocks, (i) => names.get(i) ?? `source ${i + 1}`, run.outcome.dropped);
  const existing = await readFile(req.changelog, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  let text = existing;
  let line: string;
  // An unchanged list adds nothing: a scheduled job must not commit a new section every run.
  if (hasChanges(changes)) {
    text = prependSection(existing, renderChangelogSection(changes, req.date), req.listName);
    await writeFileAtomic(req.changelog, text);
    line = `changelog ${req.changelog}: ${summarizeChanges(changes)}`;
  } else {
    line = `changelog ${req.changelog}: no changes since ${req.against?.name ?? 'the previous list'}`;
  }
  if (req.feed) {
    const feed = renderAtomFeed({
      title: `Changes to ${req.listName}`,
      key: req.listName,
      sections: readChangelogSections(text ?? ''),
      limit: req.feedEntries,
      date: req.date,
    });
    await writeFileAtomic(req.feed, feed);
    line += `; feed ${req.feed}`;
  }
  return line;
}

export const listNameOf = (outPath: string | undefined): string => (outPath ? basename(outPath) : 'the merged list');
