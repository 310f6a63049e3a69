import { expect, it } from 'vitest';
import { auditRows } from '../../src/merge/audit.js';
import { mergeLists } from '../../src/merge/merge-lists.js';
import { b, settings, src } from './helpers.js';

it('counts the sources naming each output domain and their share', () => {
  const lists = [src(0, [b('a.test'), b('b.test')]), src(1, [b('a.test')]), src(2, [b('a.test')])];
  expect(auditRows(mergeLists(lists, settings()), lists)).toEqual([
    { domain: 'a.test', count: 3, percent: 100 },
    { domain: 'b.test', count: 1, percent: 33.33 },
  ]);
});
