// The merge's domain → slot index must answer exactly as a Map would, whatever the names: many of
// them (the table grows several times), near-duplicates, and names whose hashes collide.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainIndex } from '../../src/merge/domain-index.js';

function build(names: string[]): { index: DomainIndex; map: Map<string, number> } {
  const domains: string[] = [];
  const index = new DomainIndex(domains);
  const map = new Map<string, number>();
  for (const n of names) {
    if (map.has(n)) continue;
    map.set(n, domains.push(n) - 1);
    index.add(domains.length - 1);
  }
  return { index, map };
}

describe('DomainIndex', () => {
  it('finds every name it holds and no other, across many growths', () => {
    const names = Array.from({ length: 50_000 }, (_, i) => `host-${i}.example${i % 7 === 0 ? '.net' : ''}`);
    const { index, map } = build(names);
    const wrong = [...map].filter(([name, slot]) => index.get(name) !== slot);
    const phantom = Array.from({ length: 10_000 }, (_, i) => `host-${50_000 + i}.example`).filter((n) => index.get(n) !== undefined);
    expect({ wrong, phantom, empty: index.get('') }).toEqual({ wrong: [], phantom: [], empty: undefined });
  });

  it('tells apart names whose hashes collide', () => {
    // "Aa" and "BB" share a Java hash; FNV differs, but equal-length swaps and prefixes are the
    // usual trouble for weak hashes: all must still be told apart by the string itself.
    const names = ['ab.example', 'ba.example', 'a.b.example', 'ab.exampl', 'ab.examplee', 'AB.example', 'Aa', 'BB'];
    const { index, map } = build(names);
    for (const [name, slot] of map) expect(index.get(name)).toBe(slot);
  });

  it('agrees with a Map on random names and lookups', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 12 }), { maxLength: 3000 }), fc.array(fc.string({ maxLength: 12 }), { maxLength: 200 }), (names, lookups) => {
        const { index, map } = build(names);
        for (const q of [...names, ...lookups]) expect(index.get(q)).toBe(map.get(q));
      }),
      { numRuns: 60 },
    );
  });
});
