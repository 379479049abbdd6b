// The peer projects' fixtures (shared/corpus/peer-reports: dorny/test-reporter and EnricoMi's
// publish-unit-test-result-action, 157 files): every file ci-intel reads gives the counts that project
// expects (or an alternative its README's definitional differences D1–D5 accept), every invalid file
// is refused with an E_ code, nothing crashes. The corpus is read in place, never copied.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CiError } from '../../../core/errors.js';
import { PEER_REPORTS } from '../fixtures/paths.js';
import { parseReportFile } from './index.js';

type Counts = { tests: number; passed: number; failed: number; errored: number; skipped: number };
interface Case {
  file: string;
  format: string;
  expect: 'counts' | 'reject' | null;
  compare: 'exact' | 'failed+errored';
  expected: (Counts & { failed_or_errored?: number }) | null;
  accept?: Array<{ rule: string; counts?: Counts; reject?: boolean }>;
}

type Outcome = { counts: Counts } | { code: string };

async function run(file: string): Promise<Outcome> {
  try {
    const s = await parseReportFile(file);
    return { counts: { tests: s.tests, passed: s.passed, failed: s.failed, errored: s.errored, skipped: s.skipped } };
  } catch (e) {
    if (e instanceof CiError) return { code: e.code };
    throw e;
  }
}

/** Whether counts match the expectation, as the manifest says to compare them. */
function matches(got: Counts, want: NonNullable<Case['expected']>, compare: Case['compare']): boolean {
  if (compare === 'failed+errored')
    return got.tests === want.tests && got.passed === want.passed && got.skipped === want.skipped && got.failed + got.errored === want.failed_or_errored;
  return got.tests === want.tests && got.passed === want.passed && got.failed === want.failed && got.errored === want.errored && got.skipped === want.skipped;
}

export function judge(c: Case, o: Outcome): string | null {
  const refused = 'code' in o;
  if (refused && o.code === 'E_INTERNAL') return 'crash (E_INTERNAL)';
  if (c.expect === 'reject') return refused ? null : `should be refused, got ${JSON.stringify(o.counts)}`;
  if (c.expect === null) return null; // no expectation: only "no crash" is checked
  if (!refused && matches(o.counts, c.expected!, c.compare)) return null;
  for (const a of c.accept ?? []) {
    if (a.reject && refused) return null;
    if (a.counts && !refused && matches(o.counts, a.counts, 'exact')) return null;
  }
  return refused ? `refused with ${o.code}, expected ${JSON.stringify(c.expected)}` : `got ${JSON.stringify(o.counts)}, expected ${JSON.stringify(c.expected)}`;
}

const dir = PEER_REPORTS;
const cases: Case[] = dir
  ? readFileSync(path.join(dir, 'manifest.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Case)
  : [];

// The corpus may not be copied into the repository (its README): it is read in place from shared/
// beside the checkout, which CI has too. Outside CI a machine without it gets no such tests; in CI
// its absence fails.
if (!dir && process.env.CI)
  describe('peer projects’ report fixtures', () => {
    it('are beside the checkout (../shared/corpus/peer-reports)', () => {
      throw new Error('shared/corpus/peer-reports is missing beside the repository: CI must provide ../shared');
    });
  });
if (dir)
  describe('peer projects’ report fixtures (shared/corpus/peer-reports)', () => {
    it('the manifest lists the 157 fixtures', () => {
      expect(cases.length).toBe(157);
    });

    it('every fixture matches its expected counts or is refused as expected; no crash', async () => {
      const misses: string[] = [];
      const byFormat: Record<string, { n: number; ok: number }> = {};
      for (const c of cases) {
        const verdict = judge(c, await run(path.join(dir!, c.file)));
        const f = (byFormat[c.format] ??= { n: 0, ok: 0 });
        f.n++;
        if (verdict) misses.push(`${c.file}: ${verdict}`);
        else f.ok++;
      }
      expect(misses).toEqual([]);
      // Every format both peers read is read here (none is refused wholesale).
      for (const f of ['junit', 'go-test-json', 'trx', 'nunit', 'xunit', 'dart-json', 'mocha-json', 'rspec-json', 'invalid'])
        expect(byFormat[f]?.ok).toBe(byFormat[f]?.n);
    });
  });
