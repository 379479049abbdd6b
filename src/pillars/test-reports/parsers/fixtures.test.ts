// Every real-runner fixture: the parser's counts equal the runner's own summary (summary.txt),
// mapped as ../shared/corpus/reports/README.md says.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TestCounts } from '../../../core/model/index.js';
import { parseReportCases } from './index.js';

const DIR = path.join(__dirname, '../fixtures/reports');
const num = (s: string, re: RegExp) => Number(re.exec(s)?.[1] ?? 0);

/** Expected counts from each runner's summary line(s). */
const expected: Record<string, (s: string) => TestCounts> = {
  // Tests:       2 failed, 1 skipped, 1 todo, 4 passed, 8 total
  jest: (s) => ({
    tests: num(s, /(\d+) total/),
    passed: num(s, /(\d+) passed/),
    failed: num(s, /(\d+) failed/),
    errored: 0,
    skipped: num(s, /(\d+) skipped/) + num(s, /(\d+) todo/),
  }),
  // Tests  2 failed | 3 passed | 1 skipped | 1 todo (7)
  vitest: (s) => ({
    tests: num(s, /\((\d+)\)/),
    passed: num(s, /(\d+) passed/),
    failed: num(s, /(\d+) failed/),
    errored: 0,
    skipped: num(s, /(\d+) skipped/) + num(s, /(\d+) todo/),
  }),
  // 3 passing / 2 pending / 2 failing
  mocha: (s) => {
    const p = num(s, /(\d+) passing/),
      k = num(s, /(\d+) pending/),
      f = num(s, /(\d+) failing/);
    return { tests: p + k + f, passed: p, failed: f, errored: 0, skipped: k };
  },
  // ℹ tests 9 / pass 3 / fail 3 / cancelled 1 / skipped 1 / todo 1
  node: (s) => ({
    tests: num(s, /tests (\d+)/),
    passed: num(s, /pass (\d+)/),
    failed: num(s, /fail (\d+)/),
    errored: num(s, /cancelled (\d+)/),
    skipped: num(s, /skipped (\d+)/) + num(s, /todo (\d+)/),
  }),
  // 2 failed, 5 passed, 1 skipped, 1 xfailed, 2 errors, 2 rerun
  pytest: (s) => {
    const p = num(s, /(\d+) passed/) + num(s, /(\d+) xpassed/),
      f = num(s, /(\d+) failed/),
      k = num(s, /(\d+) skipped/) + num(s, /(\d+) xfailed/),
      e = num(s, /(\d+) errors?/);
    return { tests: p + f + k + e, passed: p, failed: f, errored: e, skipped: k };
  },
  // pass N / fail N / skip N (the --- lines of go test -v)
  go: (s) => {
    const p = num(s, /pass (\d+)/),
      f = num(s, /fail (\d+)/),
      k = num(s, /skip (\d+)/);
    return { tests: p + f + k, passed: p, failed: f, errored: 0, skipped: k };
  },
  // test result: FAILED. 3 passed; 1 failed; 1 ignored; ... (summed over binaries)
  cargo: (s) => {
    const sum = (re: RegExp) => [...s.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);
    const p = sum(/(\d+) passed/g),
      f = sum(/(\d+) failed/g),
      k = sum(/(\d+) ignored/g);
    return { tests: p + f + k, passed: p, failed: f, errored: 0, skipped: k };
  },
  // mocha counts a thrown TypeError as failing like an assertion; ci-intel keeps it apart as errored
  // (JUnit's failure/error split): the fixture has one, so one failure moves to errored.
  'mocha-json': (s) => {
    const p = num(s, /(\d+) passing/),
      k = num(s, /(\d+) pending/),
      f = num(s, /(\d+) failing/);
    return { tests: p + k + f, passed: p, failed: f - 1, errored: 1, skipped: k };
  },
  // 6 examples, 2 failures, 2 pending — RSpec counts the NoMethodError the same as the failed
  // expectation; ci-intel keeps the raised error apart as errored (the fixture has one).
  'rspec-json': (s) => {
    const t = num(s, /(\d+) examples?/),
      f = num(s, /(\d+) failures?/),
      k = num(s, /(\d+) pending/);
    return { tests: t, passed: t - f - k, failed: f - 1, errored: 1, skipped: k };
  },
  get 'jest-empty-classname'() {
    return this.jest!;
  },
  // [  PASSED  ] 2 tests. / [  SKIPPED ] 1 test / [  FAILED  ] 1 test / YOU HAVE 1 DISABLED TEST —
  // a disabled test did not run: skipped, like the GTEST_SKIP one.
  googletest: (s) => {
    const p = num(s, /PASSED +\] (\d+)/),
      f = num(s, /FAILED +\] (\d+)/),
      k = num(s, /SKIPPED +\] (\d+)/) + num(s, /YOU HAVE (\d+) DISABLED/);
    return { tests: p + f + k, passed: p, failed: f, errored: 0, skipped: k };
  },
  get 'cargo-terse'() {
    return this.cargo!;
  },
  // # tests 6 / # pass 4 / # fail 2 — tape counts a `# TODO` point as a pass; like node's todo, we
  // count it as skipped (the fixture has one), so one pass moves to skipped.
  tape: (s) => ({ tests: num(s, /tests (\d+)/), passed: num(s, /pass +(\d+)/) - 1, failed: num(s, /fail +(\d+)/), errored: 0, skipped: 1 }),
  // Tests run: 7, Failures: 1, Errors: 1, Skipped: 1, Flakes: 1
  surefire: (s) => {
    const t = num(s, /Tests run: (\d+)/),
      f = num(s, /Failures: (\d+)/),
      e = num(s, /Errors: (\d+)/),
      k = num(s, /Skipped: (\d+)/);
    return { tests: t, passed: t - f - e - k, failed: f, errored: e, skipped: k };
  },
};

const reports: Record<string, string[]> = {
  jest: ['report.xml'],
  vitest: ['report.xml'],
  mocha: ['report.xml'],
  node: ['report.xml', 'report.tap'],
  tape: ['report.tap'],
  pytest: ['report.xml'],
  go: ['report.json'],
  cargo: ['report.txt'],
  'cargo-terse': ['report-q.txt', 'report-json.txt'],
  'mocha-json': ['report.json'],
  googletest: ['report.xml'],
  'jest-empty-classname': ['report.xml'],
  'rspec-json': ['report.json'],
  surefire: ['TEST-com.example.TempsTest.xml'],
};

describe('real-runner fixtures: counts equal the runner summary', () => {
  for (const [runner, files] of Object.entries(reports)) {
    for (const f of files) {
      it(`${runner}/${f}`, async () => {
        const want = expected[runner]!(readFileSync(path.join(DIR, runner, 'summary.txt'), 'utf8'));
        const { summary } = await parseReportCases(path.join(DIR, runner, f));
        const got = { tests: summary.tests, passed: summary.passed, failed: summary.failed, errored: summary.errored, skipped: summary.skipped };
        expect(got).toEqual(want);
      });
    }
  }
});

describe('what the fixtures say beyond counts', () => {
  it('surefire: a flaky test is two attempts of one id, the final one passed; reruns are attempts', async () => {
    const { cases } = await parseReportCases(path.join(DIR, 'surefire/TEST-com.example.TempsTest.xml'));
    const flaky = cases.filter((c) => c.id === 'com.example.TempsTest::flakyPassesOnRerun');
    expect(flaky.map((c) => [c.attempt, c.status])).toEqual([
      [1, 'failed'],
      [2, 'passed'],
    ]);
    expect(flaky[0]!.message).toContain('expected: <2> but was: <1>');
    expect(cases.filter((c) => c.id === 'com.example.TempsTest::minusForty').map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(cases.find((c) => c.id === 'com.example.TempsTest::minusForty')!.message).toContain('<b>wrong</b> & "on purpose"');
  });

  it('ids are classname::name with attributes unescaped once', async () => {
    const jest = await parseReportCases(path.join(DIR, 'jest/report.xml'));
    expect(jest.cases.map((c) => c.id)).toContain('title capitalizes <b> & "quotes" \'apos\'::title capitalizes <b> & "quotes" \'apos\'');
    const node = await parseReportCases(path.join(DIR, 'node/report.xml'));
    // node 20 double-escapes quotes in names; one unescape leaves what the runner meant to write.
    expect(node.cases.map((c) => c.id)).toContain("test::capitalizes <b> & &quot;quotes&quot; 'apos'");
    const go = await parseReportCases(path.join(DIR, 'go/report.json'));
    expect(go.cases.map((c) => c.id)).toContain('example.com/app/strs::TestTitle/a_<b>_&_c');
    const cargo = await parseReportCases(path.join(DIR, 'cargo/report.txt'));
    expect(cargo.cases.map((c) => c.id).sort()).toEqual(
      [
        'boiling',
        'freezing',
        'src/lib.rs - celsius (line 3)',
        'src/lib.rs - celsius (line 7)',
        'tests::freezing',
        'tests::kelvin',
        'tests::minus_forty',
        'tests::nested::deep',
        'tests::panics_as_expected',
      ].sort(),
    );
  });

  it('cargo test -q names only failures (the rest are counted); --format json names every test like the pretty output', async () => {
    const q = await parseReportCases(path.join(DIR, 'cargo-terse/report-q.txt'));
    expect(q.cases.map((c) => `${c.status}:${c.id}`).sort()).toEqual(['failed:src/lib.rs - celsius (line 7)', 'failed:tests::minus_forty']);
    expect(q.cases.find((c) => c.id === 'tests::minus_forty')!.message).toContain('<xml> & "quotes"');
    const pretty = await parseReportCases(path.join(DIR, 'cargo/report.txt'));
    const json = await parseReportCases(path.join(DIR, 'cargo-terse/report-json.txt'));
    const view = (cs: typeof json.cases) => cs.map((c) => `${c.status}:${c.id}`).sort();
    expect(view(json.cases)).toEqual(view(pretty.cases));
    expect(json.cases.find((c) => c.id === 'tests::kelvin')!.message).toBe('kelvin not implemented');
    expect(json.cases.find((c) => c.id === 'tests::minus_forty')!.message).toContain('<xml> & "quotes"');
  });

  it('jest-junit with classname="": the suite (file) names the test, so same-named tests of two files are two tests', async () => {
    const { cases } = await parseReportCases(path.join(DIR, 'jest-empty-classname/report.xml'));
    expect(cases.map((c) => `${c.attempt}:${c.status}:${c.id}`)).toEqual([
      '1:failed:changed.test.js::gets changed files',
      '1:passed:changed.test.js::reads the config',
      '1:failed:onlyChanged.test.js::gets changed files',
      '1:passed:onlyChanged.test.js::reads the config',
      '1:skipped:onlyChanged.test.js::watches the folder',
    ]);
  });

  it('googletest: a DISABLED_ test (status="notrun", no child) is skipped, not passed', async () => {
    const { cases } = await parseReportCases(path.join(DIR, 'googletest/report.xml'));
    expect(cases.map((c) => `${c.status}:${c.id}`)).toEqual([
      'passed:Temps::Freezing',
      'failed:Temps::MinusForty',
      'skipped:Temps::DISABLED_Kelvin',
      'skipped:Temps::Skipped',
      'passed:Other::Freezing',
    ]);
  });

  it('mocha --reporter json: an assertion fails, a thrown error errs, a retried pass is two attempts, same titles in two describes are two tests', async () => {
    const { cases } = await parseReportCases(path.join(DIR, 'mocha-json/report.json'));
    const by = (t: string) => cases.filter((c) => c.name === t).map((c) => `${c.attempt}:${c.status}`);
    expect(by('title compares <b> & "quotes"')).toEqual(['1:failed']);
    expect(by('title throws on a missing value')).toEqual(['1:errored']);
    expect(by('title passes on its second attempt')).toEqual(['1:failed', '2:passed']);
    expect(by('title capitalizes words')).toEqual(['1:passed']);
    expect(by('slug capitalizes words')).toEqual(['1:passed']);
    expect(cases.find((c) => c.name === 'title compares <b> & "quotes"')!.message).toContain("'<b>' !== '<i>'");
  });

  it('tape: every assertion is a test point, named by its test, never merged as a retry', async () => {
    const { cases } = await parseReportCases(path.join(DIR, 'tape/report.tap'));
    expect(cases.map((c) => `${c.attempt}:${c.status}:${c.id}`)).toEqual([
      '1:passed:title capitalizes <b> & "quotes"::should be strictly equal',
      '1:failed:title capitalizes <b> & "quotes"::should be strictly equal',
      '1:passed:title capitalizes <b> & "quotes"::should be strictly equal',
      '1:skipped:title todo::should be strictly equal',
      '1:passed:title asserts twice with the same name::should be truthy',
      '1:failed:title asserts twice with the same name::should be truthy',
    ]);
  });

  it('go: a package that does not build is a run problem, not a test', async () => {
    const { summary } = await parseReportCases(path.join(DIR, 'go/report.json'));
    expect(summary.problems).toEqual([expect.objectContaining({ kind: 'build_failed', where: 'example.com/app/broken' })]);
  });

  it('pytest: a teardown error is a second result of a passing test', async () => {
    const { cases } = await parseReportCases(path.join(DIR, 'pytest/report.xml'));
    const t = cases.filter((c) => c.id === 'tests.test_units::test_passes_but_teardown_errors');
    expect(t.map((c) => c.status)).toEqual(['passed', 'errored']);
    expect(t[1]!.message).toContain('teardown & <cleanup> failed');
  });

  it("failure messages are kept (capped), with the runner's text", async () => {
    const { cases } = await parseReportCases(path.join(DIR, 'cargo/report.txt'));
    expect(cases.find((c) => c.id === 'tests::minus_forty')!.message).toContain('<xml> & "quotes"');
    const jest = await parseReportCases(path.join(DIR, 'jest/report.xml'));
    const long = jest.cases.find((c) => c.name === 'second file-level block long message')!;
    expect(long.message!.length).toBeLessThanOrEqual(4097);
  });
});
