import { describe, expect, it } from 'vitest';
import { parseDuration, parseSize } from '../../src/config/units.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['7d', 604_800_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['1.5h', 5_400_000],
    ['2w', 1_209_600_000],
    [' 1h 30m ', 5_400_000],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['30', '', 'soon', '5x', '1h30', 'm5'])('refuses %j with a hint', (text) => {
    expect(() => parseDuration(text)).toThrow(/e\.g\. "30s"/);
  });

  it('refuses a bare number: the unit is required', () => {
    expect(() => parseDuration(30)).toThrow(/has no unit/);
  });
});

describe('parseSize', () => {
  it.each([
    ['20MB', 20_000_000],
    ['512KiB', 524_288],
    ['1.5GB', 1_500_000_000],
    ['4096', 4096],
    ['10 MiB', 10_485_760],
    ['64k', 65_536],
    ['100B', 100],
  ])('%s → %d bytes', (text, bytes) => expect(parseSize(text)).toBe(bytes));

  it('takes an integer as bytes', () => expect(parseSize(1234)).toBe(1234));

  it.each(['20 parsecs', 'MB', '-1MB', ''])('refuses %j', (text) => {
    expect(() => parseSize(text)).toThrow(/invalid size/);
  });

  it('refuses a negative or fractional byte count', () => {
    expect(() => parseSize(-5)).toThrow(/invalid size/);
    expect(() => parseSize(1.5)).toThrow(/invalid size/);
  });
});
