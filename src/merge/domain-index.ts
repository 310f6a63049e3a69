// domain → slot for the merge's table, as an open-addressing hash table over the table's own
// `domains` array. A Map of half a million strings was the largest thing a million-row merge kept
// (about 28 MB of entries, plus its old tables left behind at every doubling); this holds one
// 32-bit bucket per slot and a 32-bit hash per domain, and compares against the strings the table
// already has.
export class DomainIndex {
  /** slot + 1 per bucket; 0 is empty. */
  private buckets = new Int32Array(1 << 10);
  private mask = (1 << 10) - 1;
  /** Each slot's hash: probes compare it before the string, and growing never hashes again. */
  private hashes = new Int32Array(1 << 9);
  private count = 0;

  constructor(private readonly domains: readonly string[]) {}

  get(domain: string): number | undefined {
    const h = hash(domain);
    const { buckets, hashes, domains, mask } = this;
    for (let b = h & mask; ; b = (b + 1) & mask) {
      const entry = buckets[b] as number;
      if (entry === 0) return undefined;
      if (hashes[entry - 1] === h && domains[entry - 1] === domain) return entry - 1;
    }
  }

  /** Records `domains[slot]`, which must not be indexed yet. */
  add(slot: number): void {
    // Linear probing stays short below 70% full.
    if ((this.count + 1) * 10 > this.buckets.length * 7) this.grow();
    if (slot >= this.hashes.length) {
      const hashes = new Int32Array(Math.max(slot + 1, this.hashes.length * 2));
      hashes.set(this.hashes);
      this.hashes = hashes;
    }
    this.hashes[slot] = hash(this.domains[slot] as string);
    this.place(slot);
    this.count++;
  }

  private place(slot: number): void {
    const { buckets, mask } = this;
    let b = (this.hashes[slot] as number) & mask;
    while (buckets[b] !== 0) b = (b + 1) & mask;
    buckets[b] = slot + 1;
  }

  private grow(): void {
    const old = this.buckets;
    this.buckets = new Int32Array(old.length * 2);
    this.mask = this.buckets.length - 1;
    for (let b = 0; b < old.length; b++) {
      const entry = old[b] as number;
      if (entry !== 0) this.place(entry - 1);
    }
  }
}

/** FNV-1a over the UTF-16 units, then a final mix so neighbouring names spread over the buckets. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}
