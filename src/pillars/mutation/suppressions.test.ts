import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readReport } from './reports/index.js';
import { countStatuses, resilienceOf } from './score.js';
import { applyEquivalence, expiryInstant, parseSuppressions } from './suppressions.js';

const fx = (f: string) => path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'reports', f);
const NOW = new Date('2026-03-01T12:00:00Z');

describe('equivalent marks', () => {
  it('a suppressed survivor counts as equivalent: out of the denominator, into equiv', () => {
    const r = readReport(fx('stryker-mocha-js-v2.json'));
    const before = resilienceOf(countStatuses(r.mutants));
    const survivors = r.mutants.filter((m) => m.status === 'survived').slice(0, 3);
    const sup = survivors.map((m) => ({ fingerprint: m.fingerprint, reason: 'equivalent', by: 'alice', expires: '2026-12-31' }));
    const out = applyEquivalence(r, sup, NOW);
    const after = resilienceOf(countStatuses(r.mutants));
    expect(
      out.applied
        .filter((a) => a.source === 'suppression')
        .map((a) => a.fingerprint)
        .sort(),
    ).toEqual(sup.map((s) => s.fingerprint).sort());
    expect(after).toMatchObject({ mutants_total: before.mutants_total, equiv: 3, killed: before.killed, equivalent_mutants_dropped: true });
    expect(after.score).toBeCloseTo(before.killed / (before.mutants_total - 3), 12);
  });

  it('gates can reach 100% when every survivor is marked', () => {
    const r = readReport(fx('stryker-mocha-js-v2.json'));
    const sup = r.mutants
      .filter((m) => m.status === 'survived' || m.status === 'no_coverage')
      .map((m) => ({ fingerprint: m.fingerprint, reason: 'equivalent', by: 'bob', expires: '2027-01-01' }));
    applyEquivalence(r, sup, NOW);
    expect(resilienceOf(countStatuses(r.mutants)).score).toBe(1);
  });

  it('expired marks stop applying; marks on killed mutants are reported as contradicted; unknown ones as stale', () => {
    const r = readReport(fx('stryker-mocha-js-v2.json'));
    const survivor = r.mutants.find((m) => m.status === 'survived')!;
    const killed = r.mutants.find((m) => m.status === 'killed')!;
    const out = applyEquivalence(
      r,
      [
        { fingerprint: survivor.fingerprint, reason: 'old', by: 'carol', expires: '2026-02-28' },
        { fingerprint: killed.fingerprint, reason: 'wrong', by: 'dave', expires: '2027-01-01' },
        { fingerprint: '0123456789abcdef', reason: 'gone', by: 'erin', expires: '2027-01-01' },
      ],
      NOW,
    );
    expect(survivor.status).toBe('survived');
    expect(killed.status).toBe('killed');
    expect(out.expired.map((s) => s.by)).toEqual(['carol']);
    expect(out.contradicted.map((s) => s.by)).toEqual(['dave']);
    expect(out.stale.map((s) => s.by)).toEqual(['erin']);
  });

  it("honours the report's own marks (Ignored with an equivalent reason) without counting them twice", () => {
    const r = readReport(fx('stryker-mocha-js.json'));
    const out = applyEquivalence(r, [], NOW);
    expect(out.applied.filter((a) => a.source === 'report')).toHaveLength(3);
    const res = resilienceOf(countStatuses(r.mutants));
    expect(res).toMatchObject({ equiv: 0, equivalent_mutants_dropped: true, mutants_total: 79 });
  });

  it('a date-only expiry lasts through that day (UTC)', () => {
    expect(expiryInstant('2026-03-01')!.toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(expiryInstant('tomorrow')).toBeNull();
  });

  it('the file needs who, why and an expiry for each mark, and says where one is missing', () => {
    const ok = parseSuppressions('equivalents:\n  - fingerprint: 0123456789abcdef\n    reason: x\n    by: a\n    expires: 2026-12-31\n', 's.yml');
    expect(ok).toEqual([{ fingerprint: '0123456789abcdef', reason: 'x', by: 'a', expires: '2026-12-31' }]);
    expect(() => parseSuppressions('equivalents:\n  - fingerprint: 0123456789abcdef\n    reason: x\n    expires: 2026-12-31\n', 's.yml')).toThrow(/missing by/);
    try {
      parseSuppressions('equivalents:\n  - fingerprint: nope\n    reason: x\n    by: a\n    expires: 2026-12-31\n', 's.yml');
    } catch (e) {
      expect((e as { where: string }).where).toBe('s.yml: /equivalents/0/fingerprint');
    }
    expect(() => parseSuppressions('equivalents: [', 's.yml')).toThrow(/invalid YAML/);
  });
});
