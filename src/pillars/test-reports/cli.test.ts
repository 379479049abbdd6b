// The commands and gates end to end through the CLI program (no server): output shapes of issue 5,
// exit codes (0 ok, 1 a gate failed, 2 usage or unreadable input), CTRF validated by the ctrf package.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validate } from 'ctrf';
import { describe, expect, it } from 'vitest';
import { CORPUS, FIXTURES as FIX } from './fixtures/paths.js';
import { testsPillar } from './index.js';
import { runCli } from '../../../test/support/assembled.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-tests-cli-'));

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(
    argv,
    { out: (s) => (out += s), err: (s) => (err += s), env: { HOME: tmp }, isTTY: false, now: () => new Date('2026-06-01T00:00:00Z'), cwd: tmp },
    [testsPillar],
  );
  return { code, out, err, lines: out.split('\n').filter(Boolean) };
}

describe('tests parse', () => {
  it("prints one JSON line per file with the issue's fields, in argument order", async () => {
    const r = await cli('tests', 'parse', path.join(CORPUS, 'files/pytest-small.xml'), path.join(CORPUS, 'files/go-small.json'), '--json');
    expect(r.code).toBe(0);
    expect(r.lines.map((l) => JSON.parse(l))).toEqual([
      { file: path.join(CORPUS, 'files/pytest-small.xml'), format: 'junit', tests: 7, passed: 4, failed: 1, errored: 1, skipped: 1, duration_ms: 60 },
      {
        file: path.join(CORPUS, 'files/go-small.json'),
        format: 'go-test-json',
        tests: 6,
        passed: 5,
        failed: 0,
        errored: 0,
        skipped: 1,
        duration_ms: expect.any(Number),
      },
    ]);
  });

  it('--cases adds every execution with attempts on the same line', async () => {
    const r = await cli('tests', 'parse', path.join(FIX, 'reports/surefire/TEST-com.example.TempsTest.xml'), '--json', '--cases');
    const line = JSON.parse(r.lines[0]!);
    expect(Object.keys(line)).toEqual(['file', 'format', 'tests', 'passed', 'failed', 'errored', 'skipped', 'duration_ms', 'cases']);
    expect(Object.keys(line.cases[0])).toEqual(['id', 'suite', 'classname', 'name', 'status', 'attempt', 'duration_ms', 'message']);
    expect(
      line.cases.filter((c: { id: string }) => c.id.endsWith('flakyPassesOnRerun')).map((c: { attempt: number; status: string }) => `${c.attempt}:${c.status}`),
    ).toEqual(['1:failed', '2:passed']);
  });

  it('--format overrides detection; a wrong one is a usage error', async () => {
    const ok = await cli('tests', 'parse', path.join(FIX, 'reports/node/report.tap'), '--format', 'tap', '--json');
    expect(JSON.parse(ok.lines[0]!)).toMatchObject({ format: 'tap', tests: 9 });
    const bad = await cli('tests', 'parse', path.join(FIX, 'reports/node/report.tap'), '--format', 'nunit4');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('E_USAGE');
  });

  it('--to ctrf writes a document the ctrf package validates, retries as attempts', async () => {
    const out = path.join(tmp, 'ctrf.json');
    const r = await cli('tests', 'parse', path.join(FIX, 'reports/surefire/TEST-com.example.TempsTest.xml'), '--to', 'ctrf', '--out', out);
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    const v = validate(doc);
    expect(v.errors).toEqual([]);
    expect(v.valid).toBe(true);
    expect(doc.results.summary).toMatchObject({ tests: 7, passed: 4, failed: 2, skipped: 1, flaky: 1 });
    const flaky = doc.results.tests.find((t: { testId: string }) => t.testId === 'com.example.TempsTest::flakyPassesOnRerun');
    expect(flaky).toMatchObject({ status: 'passed', retries: 1, flaky: true, retryAttempts: [{ attempt: 1, status: 'failed' }] });
    // ...and it reads back to the same counts and ids.
    const back = await cli('tests', 'parse', out, '--json', '--cases');
    const line = JSON.parse(back.lines[0]!);
    expect(line).toMatchObject({ format: 'ctrf', tests: 7, passed: 4, failed: 1, errored: 1, skipped: 1 });
    expect(line.cases.map((c: { id: string }) => c.id)).toContain('com.example.TempsTest::flakyPassesOnRerun');
  });

  it('every fixture and corpus report converts to valid CTRF', async () => {
    const files = [
      ...[
        'jest/report.xml',
        'vitest/report.xml',
        'mocha/report.xml',
        'node/report.xml',
        'node/report.tap',
        'pytest/report.xml',
        'go/report.json',
        'cargo/report.txt',
      ].map((f) => path.join(FIX, 'reports', f)),
      path.join(CORPUS, 'files/jest-small.xml'),
      path.join(CORPUS, 'files/cargo-small.txt'),
    ];
    for (const f of files) {
      const out = path.join(tmp, 'c.json');
      expect((await cli('tests', 'parse', f, '--to', 'ctrf', '--out', out)).code).toBe(0);
      expect(validate(JSON.parse(readFileSync(out, 'utf8'))).valid, f).toBe(true);
    }
  });

  it('unreadable and unparseable inputs exit 2 naming the file and line', async () => {
    const missing = await cli('tests', 'parse', path.join(tmp, 'nope.xml'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/E_INPUT_UNREADABLE: .*nope\.xml/);
    const trunc = path.join(tmp, 'trunc.xml');
    writeFileSync(trunc, '<testsuites>\n<testsuite name="a">\n<testcase name="x" classname="y">\n');
    const t = await cli('tests', 'parse', trunc);
    expect(t.code).toBe(2);
    expect(t.err).toMatch(/E_REPORT_MALFORMED: .*trunc\.xml:\d+/);
    const text = path.join(tmp, 'what.txt');
    writeFileSync(text, 'hello world\n');
    expect((await cli('tests', 'parse', text)).err).toContain('E_FORMAT_UNKNOWN');
  });

  it('an unknown file is told what it looks like and which formats are read', async () => {
    const suites = path.join(tmp, 'suites.xml');
    writeFileSync(suites, '<?xml version="1.0"?>\n<suites><suite name="a"/></suites>\n');
    const r = await cli('tests', 'parse', suites);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /E_FORMAT_UNKNOWN: .*suites\.xml: not a test report format ci-intel reads: the file is an XML document whose root element is <suites>/,
    );
    for (const f of ['junit', 'trx', 'nunit', 'xunit-net', 'go-test-json', 'cargo-test-text', 'tap', 'ctrf', 'mocha-json', 'rspec-json', 'dart-json'])
      expect(r.err).toContain(f);
    const json = path.join(tmp, 'other.json');
    writeFileSync(json, '{"name": "x", "items": []}\n');
    expect((await cli('tests', 'parse', json)).err).toContain('a JSON object with the keys name, items');
    const help = await cli('tests', 'parse', '--help');
    expect(help.out).toContain('trx (Visual Studio TRX');
  });

  it('a bad file among good ones: the good ones are reported, the bad one in its place, exit 2 at the end', async () => {
    const bad = path.join(tmp, 'bad.xml');
    writeFileSync(bad, '<testsuites>\n<testsuite name="a">\n');
    const good = path.join(FIX, 'reports/jest/report.xml');
    const r = await cli('tests', 'parse', good, bad, path.join(FIX, 'reports/mocha-json/report.json'), '--json');
    expect(r.code).toBe(2);
    const lines = r.lines.map((l) => JSON.parse(l));
    expect(lines.map((l) => l.file)).toEqual([good, bad, path.join(FIX, 'reports/mocha-json/report.json')]);
    expect(lines[0]).toMatchObject({ format: 'junit', tests: 8 });
    expect(lines[1]).toEqual({ file: bad, error: expect.objectContaining({ code: 'E_REPORT_MALFORMED', where: expect.stringMatching(/bad\.xml:\d+/) }) });
    expect(lines[2]).toMatchObject({ format: 'mocha-json', tests: 7 });
    expect(r.err).toMatch(/^error E_REPORT_MALFORMED: .*bad\.xml/m);
    const text = await cli('tests', 'parse', bad, good);
    expect(text.code).toBe(2);
    expect(text.out).toContain('report.xml: junit (jest) tests=8');
  });
});

describe('tests flaky', () => {
  it('the corpus rerun series: the one flaky test, counted per execution', async () => {
    const files = Array.from({ length: 10 }, (_, i) => path.join(CORPUS, `files/go-flaky-run${String(i + 1).padStart(2, '0')}.json`));
    const r = await cli('tests', 'flaky', ...files, '--json');
    expect(r.code).toBe(0);
    expect(r.lines).toHaveLength(1);
    expect(JSON.parse(r.lines[0]!)).toEqual({
      runs: 10,
      flaky: [{ id: 'example.com/replica::TestEventuallyConsistentRead', failed: 4, passed: 6 }],
      broken: [],
    });
  });

  it('a test failing in every run is broken, not flaky; a retry that passed within a run is flaky', async () => {
    const failing = path.join(CORPUS, 'files/go-flaky-run01.json');
    const r = await cli('tests', 'flaky', failing, failing, '--json');
    expect(JSON.parse(r.lines[0]!)).toEqual({
      runs: 2,
      flaky: [],
      broken: [{ id: 'example.com/replica::TestEventuallyConsistentRead', failed: 2, passed: 0 }],
    });
    const sf = await cli('tests', 'flaky', path.join(FIX, 'reports/surefire/TEST-com.example.TempsTest.xml'), '--json');
    const v = JSON.parse(sf.lines[0]!);
    expect(v.flaky).toEqual([{ id: 'com.example.TempsTest::flakyPassesOnRerun', failed: 1, passed: 1 }]);
    expect(v.broken.map((b: { id: string }) => b.id)).toEqual(['com.example.TempsTest::minusForty', 'com.example.TempsTest::throwsError']);
  });
});

describe('tests quarantine (offline, from a series of reports)', () => {
  it('prints json, pytest --deselect and jest -t shapes', async () => {
    const files = Array.from({ length: 4 }, (_, i) => path.join(CORPUS, `files/go-flaky-run${String(i + 1).padStart(2, '0')}.json`));
    const j = await cli('tests', 'quarantine', ...files, '--format', 'json', '--repo', 'org/app');
    const doc = JSON.parse(j.out);
    expect(doc.tests).toEqual([
      expect.objectContaining({
        id: 'example.com/replica::TestEventuallyConsistentRead',
        kind: 'flaky',
        flaky_failures: 2,
        reason: expect.stringContaining('2 failures'),
      }),
    ]);
    const sf = Array(3).fill(path.join(FIX, 'reports/surefire/TEST-com.example.TempsTest.xml'));
    const jest = await cli('tests', 'quarantine', ...sf, '--format', 'jest');
    // The flaky test and the two that fail on every run (broken: quarantined too, told apart).
    expect(jest.out).toBe('--testNamePattern=^(?!(?:flakyPassesOnRerun|minusForty|throwsError)$)\n');
    const kinds = JSON.parse((await cli('tests', 'quarantine', ...sf, '--format', 'json')).out).tests.map(
      (t: { name: string; kind: string }) => `${t.kind}:${t.name}`,
    );
    expect(kinds).toEqual(['flaky:flakyPassesOnRerun', 'broken:minusForty', 'broken:throwsError']);
    expect((await cli('tests', 'quarantine', ...sf, '--format', 'xml')).code).toBe(2);
  });
});

describe('gates', () => {
  const lcov = path.join(FIX, 'coverage/jest/lcov.info');
  it('gate coverage: PASS/FAIL line, exit codes, metrics and critical paths', async () => {
    const pass = await cli('gate', 'coverage', lcov, '--min', '80');
    expect(pass.code).toBe(0);
    expect(pass.out).toBe('PASS gate=coverage value=83.3333 min=80 metric=lines reason="lines coverage 83.33% meets 80%"\n');
    const fail = await cli('gate', 'coverage', lcov, '--min', '80', '--metric', 'branches');
    expect(fail.code).toBe(1);
    expect(fail.out).toMatch(/^FAIL gate=coverage value=50 min=80 metric=branches reason="branches coverage 50% is below 80%"/);
    const crit = await cli('gate', 'coverage', lcov, '--min', '50', '--critical', 'temps.js=90', '--critical', 'src/core/**=95');
    expect(crit.code).toBe(1);
    expect(crit.out).toContain('critical path temps.js at 83.33% is below 90%');
    expect(crit.out).toContain('critical path src/core/** has no lines coverage');
  });

  it('gate coverage: out-of-range percentages and missing baselines are usage errors', async () => {
    expect((await cli('gate', 'coverage', lcov, '--min', '0.8')).code).toBe(0);
    const r = await cli('gate', 'coverage', lcov, '--min', '180');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--min "180" is not valid (0..100)');
    expect((await cli('gate', 'coverage', lcov, '--min', '80', '--critical', 'x=101')).code).toBe(2);
    expect((await cli('gate', 'coverage', lcov, '--min', '80', '--no-regression')).code).toBe(2);
  });

  it('gate coverage --no-regression against a baseline file', async () => {
    const go = path.join(FIX, 'coverage/go/coverage.out');
    const r = await cli(
      'gate',
      'coverage',
      go,
      '--min',
      '50',
      '--metric',
      'statements',
      '--no-regression',
      '--baseline',
      path.join(FIX, 'coverage/jacoco/jacoco.xml'),
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain('statements coverage fell from 63.16%');
    const ok = await cli('gate', 'coverage', lcov, '--min', '50', '--no-regression', '--baseline', path.join(FIX, 'coverage/jest/cobertura-coverage.xml'));
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('baseline=83.33');
  });

  it('gate flaky: budgets per suite type on the per-execution rate', async () => {
    const files = Array.from({ length: 10 }, (_, i) => path.join(CORPUS, `files/go-flaky-run${String(i + 1).padStart(2, '0')}.json`));
    const unit = await cli('gate', 'flaky', ...files, '--budget', 'unit=0,integration=0.0005,e2e=0.005');
    expect(unit.code).toBe(1);
    expect(unit.out).toMatch(/^FAIL gate=flaky value=0\.2 max=0 type=unit unit=4\/20 flaky_tests=1 flaky_runs=4\/10 reason="unit 4 flaky of 20 executions/);
    const loose = await cli('gate', 'flaky', ...files, '--suite-type', 'e2e=example.com/**', '--budget', 'unit=0,e2e=0.5', '--overall', '0.5');
    expect(loose.code).toBe(0);
    expect(loose.out).toMatch(/^PASS gate=flaky value=0\.2 max=0\.5 type=e2e/);
    // Within every suite type's budget, but 4 of the 10 runs had a flaky failure: over the overall 0.1 %.
    const overall = await cli('gate', 'flaky', ...files, '--suite-type', 'e2e=example.com/**', '--budget', 'unit=0,e2e=0.5');
    expect(overall.code).toBe(1);
    expect(overall.out).toContain('4 of 10 runs had a flaky failure (40.0 %) over the overall budget 0.001');
    expect((await cli('gate', 'flaky', ...files, '--budget', 'unit=2')).code).toBe(2);
    expect((await cli('gate', 'flaky', ...files, '--overall', '2')).code).toBe(2);
  });

  it('gate tests: no failed test outside quarantine; a retry that passed is not a failure', async () => {
    const pass = await cli('gate', 'tests', path.join(CORPUS, 'files/go-flaky-run03.json'));
    expect(pass.code).toBe(0);
    expect(pass.out).toMatch(/^PASS gate=tests value=0 max=0 tests=2/);
    const fail = await cli('gate', 'tests', path.join(CORPUS, 'files/go-flaky-run01.json'));
    expect(fail.code).toBe(1);
    expect(fail.out).toContain('1 failed: example.com/replica::TestEventuallyConsistentRead');
    const q = path.join(tmp, 'q.json');
    writeFileSync(q, JSON.stringify({ repo: 'org/app', tests: [{ id: 'example.com/replica::TestEventuallyConsistentRead' }] }));
    const quarantined = await cli('gate', 'tests', path.join(CORPUS, 'files/go-flaky-run01.json'), '--quarantine', q);
    expect(quarantined.code).toBe(0);
    expect(quarantined.out).toContain('quarantined_failures=1');
    // Surefire: flakyPassesOnRerun passed on its rerun and is not counted; minusForty and throwsError are.
    const sf = await cli('gate', 'tests', path.join(FIX, 'reports/surefire/TEST-com.example.TempsTest.xml'));
    expect(sf.out).toContain('2 failed: com.example.TempsTest::minusForty, com.example.TempsTest::throwsError');
    // A go package that does not build fails the gate even when every test that ran passed.
    const go = await cli('gate', 'tests', path.join(FIX, 'reports/go/report.json'), '--quarantine', q);
    expect(go.code).toBe(1);
  });
});
