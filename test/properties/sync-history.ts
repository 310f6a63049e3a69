// Random histories for the sync invariants: what the sources, the admin, the followers and
// fediblock's own runs do, one step after another. Steps are plain JSON, so a shrunk history can
// be printed and replayed as a regression test.
import fc from 'fast-check';
import type { Row, Severity } from './sync-world.js';

/** A small universe, so that parents, children and the instance's own domain keep meeting. */
export const DOMAINS = ['a.test', 'x.a.test', 'y.a.test', 'z.x.a.test', 'b.test', 'x.b.test', 'c.test', 'd.test', 'example', 'sub.admin.example'] as const;
/** Domains an admin might block by hand (never the instance's own parents). */
const ADMIN_DOMAINS = DOMAINS.filter((d) => d !== 'example');
export const SOURCES = ['tier0', 'garden'] as const;

export type FaultKind = 'kill' | 'kill-after' | 'reset-after' | '5xx' | '429' | 'timeout';

export type Step =
  | { t: 'set'; src: number; row: Row }
  | { t: 'drop'; src: number; domain: string }
  | { t: 'replace'; src: number; parent: string }
  | { t: 'fail'; src: number }
  | { t: 'recover'; src: number }
  | { t: 'shrink'; src: number }
  | { t: 'admin-create'; row: Row }
  | { t: 'admin-edit'; pick: number; change: 'raise' | 'lower' | 'delete' | 'strip-marker' | 'comment' | 'drop-flags' }
  | { t: 'follow'; domain: string; follows: number; followers: number }
  | { t: 'run'; adopt: boolean; maxWrites: number; force: boolean; fault?: { kind: FaultKind; at: number } }
  | { t: 'restore'; pick: number };

export interface History {
  initial: { sources: Row[][]; hand: Row[] };
  steps: Step[];
}

const severity = fc.constantFrom<Severity>('noop', 'silence', 'suspend');
const row = (domains: readonly string[]) =>
  fc.record({ domain: fc.constantFrom(...domains), severity, reject_media: fc.boolean(), reject_reports: fc.boolean() }).map((r): Row => r);
const src = fc.nat({ max: SOURCES.length - 1 });

const uniqueRows = (domains: readonly string[], max: number, min = 0) => fc.uniqueArray(row(domains), { minLength: min, maxLength: max, selector: (r) => r.domain });

export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('set' as const), src, row: row(DOMAINS) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('drop' as const), src, domain: fc.constantFrom(...DOMAINS) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('replace' as const), src, parent: fc.constantFrom('a.test', 'x.a.test', 'b.test') }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('fail' as const), src }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('recover' as const), src }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('shrink' as const), src }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('admin-create' as const), row: row(ADMIN_DOMAINS) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('admin-edit' as const),
      pick: fc.nat({ max: 20 }),
      change: fc.constantFrom('raise' as const, 'lower' as const, 'delete' as const, 'strip-marker' as const, 'comment' as const, 'drop-flags' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('follow' as const),
      domain: fc.constantFrom(...DOMAINS, 'w.x.a.test', 'q.b.test'),
      follows: fc.constantFrom(0, 0, 1, 3),
      followers: fc.constantFrom(0, 0, 2),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record(
      {
        t: fc.constant('run' as const),
        adopt: fc.boolean(),
        maxWrites: fc.constantFrom(0, 0, 0, 1, 2, 3),
        force: fc.boolean(),
        fault: fc.record({ kind: fc.constantFrom<FaultKind>('kill', 'kill-after', 'reset-after', '5xx', '429', 'timeout'), at: fc.nat({ max: 4 }) }),
      },
      { requiredKeys: ['t', 'adopt', 'maxWrites', 'force'] },
    ),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('restore' as const), pick: fc.nat({ max: 10 }) }) },
);

export const historyArb = (maxSteps: number): fc.Arbitrary<History> =>
  fc.record({
    initial: fc.record({
      // An empty list is a failed source (nothing is applied): sources start non-empty and stay so.
      sources: fc.tuple(uniqueRows(DOMAINS, 6, 1), uniqueRows(DOMAINS, 6, 1)).map((t) => [...t]),
      hand: uniqueRows(ADMIN_DOMAINS, 3),
    }),
    steps: fc.array(stepArb, { minLength: 1, maxLength: maxSteps }),
  });
