import { describe, expect, it } from 'vitest';
import { planFileText } from '../../src/sync/plan-file.js';

describe('planFileText', () => {
  const plan = { version: 1, destination: 'my.social', entries: [{ action: 'create', domain: 'a.example' }], holds: [], brakes: { ok: true } };

  it('writes the plan indented and the list one domain per line; it parses back to the same values', () => {
    const list = { at: '2026-12-03T04:00:00.000Z', blocks: [['a.example', 'suspend', false, false], ['b.example', 'noop', true, false]] as Array<[string, string, boolean, boolean]> };
    const text = planFileText(plan, list);
    expect(JSON.parse(text)).toEqual({ ...plan, desired_list: list });
    expect(text).toContain('\n      ["b.example","noop",true,false]\n');
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('an empty list and no list', () => {
    expect(JSON.parse(planFileText(plan, { at: 'x', blocks: [] }))).toEqual({ ...plan, desired_list: { at: 'x', blocks: [] } });
    expect(planFileText(plan)).toBe(`${JSON.stringify(plan, null, 2)}\n`);
  });
});
