// Version strings as each server writes them (issue 12, "Identity").
import { describe, expect, it } from 'vitest';
import { softwareFromVersion } from '../../src/destinations/detect-software.js';
import { gtsCanUpdate } from '../../src/destinations/gotosocial/client.js';

describe('softwareFromVersion', () => {
  it.each([
    ['0.19.2+git-90851fc', 'gotosocial'],
    ['0.16.0 git-2fd2e3c', 'gotosocial'],
    ['2.7.2 (compatible; Akkoma 3.16.0)', 'akkoma'],
    ['2.7.2 (compatible; Pleroma 2.7.0)', 'pleroma'],
    ['4.3.2', 'mastodon'],
    ['3.5.3', 'other'],
  ])('%s → %s', (v, s) => expect(softwareFromVersion(v)).toBe(s));

  it('GoToSocial updates in place from 0.19.0', () => {
    expect(gtsCanUpdate('0.19.0+git-1')).toBe(true);
    expect(gtsCanUpdate('0.18.3 git-1')).toBe(false);
    expect(gtsCanUpdate('')).toBe(true);
  });
});
