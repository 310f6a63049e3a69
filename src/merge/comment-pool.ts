// Lists repeat a few dozen reasons over thousands of rows, so the merge keeps each distinct comment
// once and refers to it by id (0 is the empty comment). Merging two comments (merge-comments.ts)
// depends only on the two texts, so each distinct pair is merged once and its result pooled too.
import { mergeComments } from './merge-comments.js';
import { ownText } from './own-string.js';

export class CommentPool {
  private readonly ids = new Map<string, number>([['', 0]]);
  private readonly texts: string[] = [''];
  private readonly merged = new Map<number, number>();

  get size(): number {
    return this.texts.length;
  }

  id(text: string): number {
    if (text === '') return 0;
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.texts.push(ownText(text)) - 1;
      this.ids.set(this.texts[id] as string, id);
    }
    return id;
  }

  text(id: number): string {
    return this.texts[id] as string;
  }

  /** The id of `mergeComments(text(a), text(b))`. */
  merge(a: number, b: number): number {
    if (b === 0 || a === b) return a;
    if (a === 0) return b;
    // Ids stay far below 2^26, so the pair fits a double exactly.
    const key = a * 67_108_864 + b;
    let id = this.merged.get(key);
    if (id === undefined) {
      id = this.id(mergeComments(this.text(a), this.text(b)));
      this.merged.set(key, id);
    }
    return id;
  }
}
