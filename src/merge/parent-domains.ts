// Mastodon matches a block against a domain and every parent suffix (`DomainBlock.rule_for`), so
// allowlists and redundancy need the same walk. Nearest parent first; the domain itself excluded.

export function parentDomains(domain: string): string[] {
  const parents: string[] = [];
  for (let dot = domain.indexOf('.'); dot !== -1; dot = domain.indexOf('.', dot + 1)) {
    const parent = domain.slice(dot + 1);
    if (parent !== '') parents.push(parent);
  }
  return parents;
}

/** The nearest parent of `domain` that `has` accepts, or undefined. */
export function nearestParent(domain: string, has: (d: string) => boolean): string | undefined {
  for (let dot = domain.indexOf('.'); dot !== -1; dot = domain.indexOf('.', dot + 1)) {
    const parent = domain.slice(dot + 1);
    if (parent !== '' && has(parent)) return parent;
  }
  return undefined;
}
