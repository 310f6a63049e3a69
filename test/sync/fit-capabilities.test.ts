// The planner reads capabilities, never software names: an entry the destination cannot express
// becomes a listed skip, and a destination that can express everything sees the plan unchanged.
import { describe, expect, it } from 'vitest';
import { emptyBlock, type DomainBlock, type Plan, type StoredBlock } from '../../src/model.js';
import { NO_FOLLOW_API, fitPlanToCapabilities, policyForCapabilities } from '../../src/sync/fit-capabilities.js';
import { defaultDestinationPolicy, planSync } from '../../src/sync/plan-sync.js';
import { FULL_CAPABILITIES, type StoreCapabilities } from '../../src/sync/store.js';

const SUSPEND_ONLY: StoreCapabilities = { ...FULL_CAPABILITIES, severities: ['suspend'], bareNoop: false, flags: ['obfuscate'], followChecks: false };
const NO_OBFUSCATE: StoreCapabilities = { ...FULL_CAPABILITIES, flags: ['reject_media', 'reject_reports'], comments: ['public_comment'], marker: 'reason', bareNoop: false, followChecks: false, writes: 'whole-setting' };

function plan(desired: DomainBlock[], current: StoredBlock[] = [], caps: StoreCapabilities = FULL_CAPABILITIES, follow = new Map()): Plan {
  const base = defaultDestinationPolicy('me.example');
  const policy = policyForCapabilities(base, caps);
  const p = planSync({ desired, current, policy, follow, holdDeletes: [], storeFingerprint: 'x', now: '2026-01-01T00:00:00Z' });
  return fitPlanToCapabilities(p, caps, { desired, fields: base.fields });
}
const sus = (d: string, over: Partial<DomainBlock> = {}) => ({ ...emptyBlock(d), ...over });
const noChecks = (ds: string[]) => new Map(ds.map((d) => [d, { follows: 0, followers: 0 }]));

describe('fitPlanToCapabilities', () => {
  it('changes nothing for a destination that expresses everything', () => {
    const desired = [sus('a.example'), sus('b.example', { severity: 'silence', obfuscate: true })];
    const base = defaultDestinationPolicy('me.example');
    const raw = planSync({ desired, current: [], policy: base, follow: noChecks(['a.example']), holdDeletes: [], storeFingerprint: 'x', now: 'n' });
    expect(fitPlanToCapabilities(raw, FULL_CAPABILITIES, { desired, fields: base.fields })).toEqual(raw);
  });

  it('lists silence and bare noop as unsupported on a suspend-only destination and never writes them', () => {
    const p = plan([sus('a.example'), sus('q.example', { severity: 'silence' }), sus('n.example', { severity: 'noop' })], [], SUSPEND_ONLY, noChecks(['a.example']));
    const by = Object.fromEntries(p.entries.map((e) => [e.domain, e]));
    expect(by['a.example']!.action).toBe('create');
    expect(by['q.example']).toMatchObject({ action: 'skip' });
    expect(by['q.example']!.reason).toMatch(/unsupported here: silence/);
    expect(by['n.example']!.action).toBe('skip');
    expect(p.entries.filter((e) => e.action === 'skip').every((e) => e.desired === undefined)).toBe(true);
  });

  it('keeps an owned suspension the list lowered to an unsupported severity', () => {
    const cur: StoredBlock = { ...sus('a.example'), id: '1', private_comment: '[fediblock]' };
    const p = plan([sus('a.example', { severity: 'silence' })], [cur], SUSPEND_ONLY);
    expect(p.entries[0]).toMatchObject({ action: 'skip', domain: 'a.example' });
    expect(p.entries[0]!.reason).toMatch(/kept as it is/);
  });

  it('with no follow-check API, a suspend is capped and the plan names the reason and the way out', () => {
    const p = plan([sus('a.example')], [], NO_OBFUSCATE, new Map([['a.example', { error: NO_FOLLOW_API }]]));
    expect(p.entries[0]).toMatchObject({ action: 'create', desired: { severity: 'silence' } });
    expect(p.entries[0]!.reason).toMatch(/no follow-check API here.*follow_checks = false/);
  });

  it('says that obfuscate has no place, and does not write it', () => {
    const p = plan([sus('a.example', { severity: 'silence', obfuscate: true })], [], NO_OBFUSCATE);
    expect(p.entries[0]).toMatchObject({ action: 'create', desired: { obfuscate: false } });
    expect(p.entries[0]!.reason).toMatch(/obfuscate has no place here/);
  });

  it('without in-place updates, an update is listed and not written', () => {
    const caps = { ...SUSPEND_ONLY, updates: false, label: 'GoToSocial 0.18.3' };
    const cur: StoredBlock = { ...sus('a.example'), id: '1', private_comment: '[fediblock]', public_comment: 'old' };
    const p = plan([sus('a.example', { public_comment: 'new' })], [cur], caps);
    expect(p.entries[0]).toMatchObject({ action: 'skip' });
    expect(p.entries[0]!.reason).toMatch(/cannot change a block in place \(GoToSocial 0\.18\.3\); public_comment not written/);
  });
});
