// Offsets → 1-based line numbers, by binary search over the positions of '\n'.

export type LineIndex = (offset: number) => number;

/** Works on a string (char offsets) or on its UTF-8 bytes (byte offsets). */
export function lineIndex(data: string | Uint8Array): LineIndex {
  const nl: number[] = [];
  if (typeof data === 'string') {
    for (let i = data.indexOf('\n'); i >= 0; i = data.indexOf('\n', i + 1)) nl.push(i);
  } else {
    for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, i + 1)) nl.push(i);
  }
  return (offset) => {
    let lo = 0;
    let hi = nl.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((nl[mid] as number) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}
