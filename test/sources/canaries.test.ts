import { describe, expect, it } from 'vitest';
import { isCanary } from '../../src/sources/canaries.js';

describe('isCanary', () => {
  it.each([
    '000delete.this.line.if.you.have.read.the.documentation.on.seirdy.one',
    '000this.is.generated.from.overlap.across.trusted.sources.example.com',
    'canary.tier0.example.com',
    'canary.tier1.example.com',
    'canary.fedinuke.example.com',
    'canary.tier2.example.com',
    'aud.invalid',
  ])('%s is a canary', (d) => expect(isCanary(d)).toBe(true));

  it.each(['example.com', 'canary.example.org', 'canary.social', 'seirdy.one', 'invalid'])('%s is not', (d) => expect(isCanary(d)).toBe(false));
});
