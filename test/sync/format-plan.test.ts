import { describe, expect, it } from 'vitest';
import type { FollowCheckResult } from '../../src/sync/follow-checks.js';
import { escapeMarkdown, formatPlanMarkdown, formatPlanTable } from '../../src/sync/format-plan.js';
import { planSync } from '../../src/sync/plan-sync.js';
import { planHasChanges, summarizePlan } from '../../src/sync/summarize-plan.js';
import { hand, NOW, owned, policy, want } from './plan-helpers.js';

const follow = new Map<string, FollowCheckResult>([
  ['new.example', { follows: 0, followers: 0 }],
  ['media.example', { follows: 0, followers: 0 }],
  ['followed.example', { follows: 12, followers: 3 }],
  ['broken.example', { error: 'timeout after 30s' }],
]);
const handmade = Array.from({ length: 7 }, (_, i) => hand(`h${i}.example`, 'silence'));
const current = [
  owned('up.example', 'silence', { public_comment: 'a' }),
  owned('gone.example', 'silence'),
  owned('gone2.example', 'suspend'),
  owned('same.example', 'suspend'),
  ...handmade,
  hand('other.example', 'suspend'),
];
const desired = [
  want('new.example'),
  want('media.example', 'silence', { reject_media: true, reject_reports: true }),
  want('followed.example'),
  want('broken.example'),
  want('up.example', 'silence', { public_comment: 'b | c' }),
  want('same.example'),
  want('my.social'),
  ...handmade.map((h) => want(h.domain)),
];
const plan = planSync({ desired, current, policy: policy(), follow, holdDeletes: [], now: NOW, storeFingerprint: 'fp' });

describe('summarizePlan', () => {
  it('counts actions, groups skips, lists caps and hand-made blocks left alone', () => {
    const s = summarizePlan(plan, current);
    expect(s.counts).toEqual({ create: 4, update: 1, delete: 2, unchanged: 1, skip: 8 });
    expect(s.changes).toBe(7);
    expect(s.skips[0]).toMatchObject({ reason: 'hand-made; set adopt = true to manage it', count: 7 });
    expect(s.skips[1]).toEqual({ reason: 'own domain', count: 1, domains: ['my.social'] });
    expect(s.capped).toEqual([
      { domain: 'broken.example', action: 'create', from: 'suspend', to: 'silence', error: 'timeout after 30s' },
      { domain: 'followed.example', action: 'create', from: 'suspend', to: 'silence', follows: 12, followers: 3 },
    ]);
    expect(s.untouched).toBe(1);
    expect(planHasChanges(plan)).toBe(true);
  });
});

describe('formatPlanTable', () => {
  const text = formatPlanTable(plan, { color: false, current });
  const lines = text.split('\n');
  const line = (re: RegExp): string | undefined => lines.find((l) => re.test(l));

  it('has a header and one line per change', () => {
    expect(lines[0]).toBe('Plan for my.social');
    expect(line(/^\+ create\s+new\.example\s+suspend$/)).toBeDefined();
    expect(line(/^\+ create\s+media\.example\s+silence\s+\[media\]\s+\[reports\]$/)).toBeDefined();
    expect(line(/^\+ create\s+followed\.example\s+silence\s+\(capped from suspend\)$/)).toBeDefined();
    expect(line(/^~ update\s+up\.example\s+public_comment "a" → "b \| c"$/)).toBeDefined();
    expect(line(/^- delete\s+gone\.example\s+\(no longer in the merged list\)$/)).toBeDefined();
    expect(text).not.toContain('same.example');
  });

  it('shows follow counts and failed checks for capped entries', () => {
    expect(line(/followed\.example\s+suspend → silence\s+12 follows, 3 followers/)).toBeDefined();
    expect(line(/broken\.example\s+suspend → silence\s+follow check failed: timeout after 30s/)).toBeDefined();
  });

  it('groups skips with counts, at most 5 domains each', () => {
    expect(text).toContain('Skipped (8):');
    expect(text).toContain('  hand-made; set adopt = true to manage it (7): h0.example, h1.example, h2.example, h3.example, h4.example …and 2 more');
    expect(text).toContain('  own domain (1): my.social');
  });

  it('ends with the summary line and has no colour unless asked', () => {
    expect(lines.at(-2)).toBe('4 to create, 1 to update, 2 to delete, 1 unchanged, 8 skipped, 1 hand-made block left alone');
    expect(text).not.toContain('\u001b[');
    expect(formatPlanTable(plan, { color: true })).toContain('\u001b[32m+ create');
  });

  it('shows held deletions and strips control characters', () => {
    const held = planSync({ desired: [], current: [owned('x.example', 'silence')], policy: policy(), follow, holdDeletes: ['source "a" stale\u001b[2J'], now: NOW, storeFingerprint: '' });
    const t = formatPlanTable(held, { color: false });
    expect(t).toContain('Deletions held: source "a" stale');
    expect(t).not.toContain('\u001b');
    expect(t).toContain('0 to create, 0 to update, 0 to delete, 0 unchanged, 1 skipped');
  });
});

describe('formatPlanMarkdown', () => {
  const md = formatPlanMarkdown(plan, { current });
  it('renders a table of changes with escaped pipes', () => {
    expect(md).toContain('### fediblock plan for my.social');
    expect(md).toContain('**4 to create, 1 to update, 2 to delete, 1 unchanged, 8 skipped, 1 hand-made block left alone**');
    expect(md).toContain('| Action | Domain | Severity | Details |');
    expect(md).toContain('| ➕ create | `media.example` | silence | media, reports |');
    expect(md).toContain('| ✏️ update | `up.example` | silence | public\\_comment "a" → "b \\| c" |');
    expect(md).toContain('| ➖ delete | `gone.example` | silence | no longer in the merged list |');
    expect(md).toContain('| `followed.example` | suspend → silence | 12 follows, 3 followers |');
    expect(md).toContain('| hand-made; set adopt = true to manage it | 7 | `h0.example`, `h1.example`, `h2.example`, `h3.example`, `h4.example` …and 2 more |');
    // Every table row has the right number of unescaped pipes.
    for (const row of md.split('\n').filter((l) => l.startsWith('| ➕') || l.startsWith('| ✏️') || l.startsWith('| ➖'))) {
      expect(row.replace(/\\\|/g, '').split('|').length).toBe(6);
    }
  });
  it('escapes markdown in cells', () => {
    expect(escapeMarkdown('a|b*c\nd')).toBe('a\\|b\\*c d');
  });
});
