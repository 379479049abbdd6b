// The structure pass and the "no false alarms" rules (issue 15, deliverables 1 and 3), on real runs:
// passing tool runs made here (fixtures/passing, scripts in its make/), our held-out failing runs in
// the GitHub Actions shape, and the shared LogChunks half read in place from ../shared.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeText } from './analyze.js';
import { shippedClassifier } from './classify.js';
import { HELDOUT_DIR, logchunksDir } from './corpus.js';
import { readLineCaseLog, readLineManifest } from './eval-lines.js';
import { ghaRunCommand } from './normalize.js';
import { toolOfCommand } from './parsers/index.js';
import { ruleSet } from './rules.js';
import { pieces, regionOf, verdict } from './structure.js';

const PASSING = path.join(path.dirname(HELDOUT_DIR), 'passing', 'logs');
const rules = ruleSet();
const lc = logchunksDir();
if (!lc && process.env.CI === 'true') throw new Error('the shared LogChunks corpus is missing: ../shared/corpus/autopsy-logchunks (or set CI_INTEL_LOGCHUNKS)');

describe('passing runs with warnings', () => {
  const logs = readdirSync(PASSING).filter((f) => f.endsWith('.log'));
  it('the fixtures are there (npm ci, pytest, cargo test, mvn verify, phpunit, rebar3 eunit)', () => {
    expect(logs.sort()).toEqual([
      'pass-cargo-test-warnings.log',
      'pass-mvn-verify.log',
      'pass-npm-ci-engine.log',
      'pass-phpunit-risky.log',
      'pass-pytest-warnings.log',
      'pass-rebar3-eunit.log',
    ]);
  });
  it.each(logs)('%s: not failed, no root cause', (f) => {
    const a = analyzeText(readFileSync(path.join(PASSING, f), 'utf8'), rules, { classifier: shippedClassifier() });
    expect(a.root_causes).toEqual([]);
    expect(a.failed).toBe(false);
  });
});

describe('verdicts and pieces', () => {
  it('reads the runners and tools verdicts', () => {
    expect(verdict('The command "make test" exited with 2.')).toEqual({ ok: false, exit: 2, command: 'make test' });
    expect(verdict('The command "npm ci" exited with 0.')).toMatchObject({ ok: true, exit: 0 });
    expect(verdict('Done. Your build exited with 1.')).toMatchObject({ ok: false, exit: 1 });
    expect(verdict('##[error]Process completed with exit code 3.')).toMatchObject({ ok: false, exit: 3 });
    expect(verdict('[INFO] BUILD SUCCESS')).toMatchObject({ ok: true });
    expect(verdict('========================= 3 passed, 1 warning in 1.85s =========================')).toMatchObject({ ok: true });
    expect(verdict('==================== 1 failed, 2 passed in 0.12s ====================')).toMatchObject({ ok: false });
    expect(verdict('test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s')).toMatchObject({ ok: true });
    expect(verdict('error: could not compile')).toBeNull();
  });
  it('splits a runner line into the pieces a terminal overwrites, escapes and gh columns off', () => {
    expect(pieces('travis_fold:end:git\r\x1b[0Ktravis_time:start:0a1b2c3d\r\x1b[0K$ make')).toEqual([
      'travis_fold:end:git',
      'travis_time:start:0a1b2c3d',
      '$ make',
    ]);
    expect(pieces('build\tRun tests\t2026-11-22T07:51:28.6066958Z ##[error]boom')).toEqual(['##[error]boom']);
  });
  it("reads Travis folds: a set-up fold (rvm's harmless curl 404) passed, the failing script step holds the cause", () => {
    // The shape Travis prints (travis-build's fold and time markers, each ending in `\r\x1b[0K`).
    const log = [
      'travis_fold:start:rvm\r\x1b[0Ktravis_time:start:1587af56\r\x1b[0K$ rvm use 2.6.3 --install --binary --fuzzy',
      'curl: (22) The requested URL returned error: 404 Not Found',
      'Required ruby-2.6.3 is not installed - installing.',
      'travis_time:end:1587af56:start=1,finish=2,duration=1\r\x1b[0Ktravis_fold:end:rvm\r\x1b[0K',
      'travis_time:start:0a1b2c3d\r\x1b[0K$ bundle exec rspec',
      'Failures:',
      '  1) Widget renders',
      '     Failure/Error: expect(widget.render).to eq("<p>")',
      '1 example, 1 failure',
      'travis_time:end:0a1b2c3d:start=3,finish=4,duration=1\r\x1b[0K\x1b[31;1mThe command "bundle exec rspec" exited with 1.\x1b[0m',
      'Done. Your build exited with 1.',
    ].join('\n');
    const a = analyzeText(log, rules, { classifier: shippedClassifier() });
    expect(a.facts.structure.folds.map((f) => [f.name, f.start, f.end])).toEqual([['rvm', 1, 4]]);
    expect(regionOf(a.facts.structure, 2)).toBe('passed');
    expect(a.root_causes[0]!.evidence.line).toBeGreaterThan(5);
    expect(a.root_causes.some((rc) => rc.evidence.line === 2)).toBe(false);
  });
  it("Travis's untimed language announcements (`$ lein version`) before the timed steps passed", () => {
    const log = [
      'travis_fold:start:git.checkout\r\x1b[0Ktravis_time:start:1d98728c\r\x1b[0K$ git clone --depth=50 https://github.com/acme/app.git acme/app',
      'travis_time:end:1d98728c:start=1,finish=2,duration=1\r\x1b[0K',
      'travis_fold:end:git.checkout\r\x1b[0K$ java -Xmx32m -version',
      'openjdk version "1.8.0_151"',
      '$ lein version',
      'Could not find artifact acme:core:jar:2.7.2-SNAPSHOT in clojars (https://clojars.org/repo/)',
      'Leiningen 2.7.1 on Java 1.8.0_151 OpenJDK 64-Bit Server VM',
      'travis_time:start:00bf9c70\r\x1b[0K$ lein test',
      'FAIL in (test-parse) (core_test.clj:12)',
      'expected: (= 1 2)',
      'travis_time:end:00bf9c70:start=3,finish=4,duration=1\r\x1b[0K\x1b[31;1mThe command "lein test" exited with 1.\x1b[0m',
      'Done. Your build exited with 1.',
    ].join('\n');
    const a = analyzeText(log, rules, { classifier: null });
    expect(regionOf(a.facts.structure, 6)).toBe('passed');
    expect(regionOf(a.facts.structure, 9)).toBe('failed');
    expect(a.root_causes.some((rc) => rc.evidence.line === 6)).toBe(false);
  });
  it('a later failing Travis step (a consequence) yields to the first failing one when priorities are close', () => {
    const log = [
      'travis_time:start:0481ab14\r\x1b[0K$ docker build -t "$name:current" .',
      '[1 of 2] Compiling Fixer ( src/Fixer.hs, dist/build/Fixer.o )',
      'src/Fixer.hs:38:10: error:',
      "    Not in scope: type constructor or class `Semigroup'",
      'travis_time:end:0481ab14:start=1,finish=2,duration=1\r\x1b[0K\x1b[31;1mThe command "docker build -t "$name:current" ." exited with 1.\x1b[0m',
      'travis_time:start:04e5e3ae\r\x1b[0K$ docker run "$name:current" --version',
      "Unable to find image 'koalaman/shellcheck:current' locally",
      'docker: Error response from daemon: manifest for koalaman/shellcheck:current not found.',
      'travis_time:end:04e5e3ae:start=3,finish=4,duration=1\r\x1b[0K\x1b[31;1mThe command "docker run "$name:current" --version" exited with 125.\x1b[0m',
      'Done. Your build exited with 1.',
    ].join('\n');
    const a = analyzeText(log, rules, { classifier: null });
    expect(a.root_causes[0]!.evidence.line).toBe(3);
    expect(a.root_causes.map((rc) => rc.evidence.line)).toContain(8);
  });
  it('reads the verdict of a Travis command spanning several lines on its first line, with the step lines before it', () => {
    // Travis prints the command verbatim: `bash -c "...` keeps its newlines up to `" exited with 1.`.
    const log = [
      'travis_time:start:0d8641d4\r\x1b[0K$ bash -c "',
      '  npx lefthook run lints',
      '"',
      'Inspecting 12 files',
      'app/models/user.rb:3:7: C: [Correctable] Style/StringLiterals: Prefer single-quoted strings.',
      '12 files inspected, 1 offense detected',
      'travis_time:end:0d8641d4:start=1,finish=2,duration=1\r\x1b[0KThe command "bash -c "',
      '  npx lefthook run lints',
      '"',
      '" exited with 1.',
      'travis_fold:start:cache.2\r\x1b[0Kstore build cache',
      'travis_fold:end:cache.2\r\x1b[0K',
      'Done. Your build exited with 1.',
    ].join('\n');
    const a = analyzeText(log, rules, { classifier: null });
    expect(a.facts.structure.outcomes.find((o) => !o.ok && !o.final)).toMatchObject({ line: 7, exit: 1, command: 'bash -c "' });
    expect(regionOf(a.facts.structure, 5)).toBe('failed');
    expect(a.facts.verdictContext.find((c) => c.line === 7)?.before.at(-1)?.line).toBe(6);
    expect(a.root_causes[0]).toMatchObject({ decided_by: { rule_id: 'rubocop.offense' }, tool: 'rubocop', file: 'app/models/user.rb', line: 3 });
  });
  it("a wrapper's line (yarn's `error Command failed`) stays the cause over step's last words without a failure word", () => {
    const log = [
      'travis_time:start:0d8641d4\r\x1b[0K$ npx lefthook run lints',
      '  EXECUTE > prettier',
      "$ prettier --list-different 'app/**/*.es6'",
      'app/assets/javascripts/routes/about.js.es6',
      'error Command failed with exit code 1.',
      'info Visit https://yarnpkg.com/en/docs/cli/run for documentation about this command.',
      'SUMMARY: (done in 117.76 seconds)',
      '✔️  eslint-test',
      '🥊  prettier',
      'travis_time:end:0d8641d4:start=1,finish=2,duration=1\r\x1b[0KThe command "npx lefthook run lints" exited with 1.',
    ].join('\n');
    const a = analyzeText(log, rules, { classifier: shippedClassifier() });
    expect(a.root_causes[0]!.evidence.line).toBe(5);
  });
  it("reads PHPUnit's, Minitest's, Common Test's and rebar3's verdicts; RSpec's errors outside examples are no pass", () => {
    expect(verdict('Tests: 59, Assertions: 139, Failures: 7, Skipped: 1.')).toMatchObject({ ok: false });
    expect(verdict('Tests: 4, Assertions: 2, Errors: 1, Failures: 1, Risky: 1.')).toMatchObject({ ok: false });
    expect(verdict('OK (231 tests, 679 assertions)')).toMatchObject({ ok: true });
    // Skipped or risky tests pass (unless --fail-on-risky: the step's exit line says so); warnings fail PHPUnit 9, not 10.
    expect(verdict('Tests: 189, Assertions: 291, Skipped: 3.')).toMatchObject({ ok: true });
    expect(verdict('Tests: 4, Assertions: 4, Warnings: 1.')).toBeNull();
    expect(verdict('3256 runs, 381949 assertions, 1 failures, 0 errors, 49 skips')).toMatchObject({ ok: false });
    expect(verdict('98 runs, 620 assertions, 0 failures, 0 errors, 0 skips')).toMatchObject({ ok: true });
    expect(verdict('Testing processone.ejabberd: TEST COMPLETE, 1078 ok, 5 failed, 387 skipped of 1470 test cases')).toMatchObject({ ok: false });
    expect(verdict('Failed 1 tests. Passed 1 tests. ')).toMatchObject({ ok: false });
    expect(verdict('All 2 tests passed.')).toMatchObject({ ok: true });
    expect(verdict('  All 2 tests passed.')).toMatchObject({ ok: true });
    expect(verdict('  Failed: 1.  Skipped: 0.  Passed: 1.')).toMatchObject({ ok: false });
    expect(verdict('0 examples, 0 failures, 1 error occurred outside of examples')).toMatchObject({ ok: false });
    expect(verdict('13105 examples, 0 failures, 3 pending')).toMatchObject({ ok: true });
  });
  it("a Minitest run's passing summary makes its lines a passed section: output a passing test printed is no cause", () => {
    const log = [
      '# Running:',
      'Bundler could not find compatible versions for gem "activemodel":',
      '98 runs, 620 assertions, 0 failures, 0 errors, 0 skips',
      '# Running:',
      'Failure:',
      'DBConsoleTest#test_respect_environment_option [test/application/dbconsole_test.rb:65]:',
      'Expected "" to include "sqlite>".',
      '2 runs, 4 assertions, 1 failures, 0 errors, 0 skips',
    ].join('\n');
    const a = analyzeText(log, rules, { classifier: null });
    expect(regionOf(a.facts.structure, 2)).toBe('passed');
    expect(a.root_causes[0]).toMatchObject({ decided_by: { rule_id: 'minitest.block' }, evidence: { line: 5 } });
    expect(a.root_causes.some((rc) => rc.evidence.line === 2)).toBe(false);
  });
  it("a script's command killed (bash's job-status line) yields to a later failure of the same step; alone it stays the cause", () => {
    const step = (after: string[]) =>
      [
        'travis_time:start:218ff700\r\x1b[0K$ docker run -v "$PWD:/mnt" builder -c compile',
        '+ cabal build Paths_ShellCheck',
        '[ 3 of 20] Compiling ShellCheck.AST   ( src/ShellCheck/AST.hs, dist/build/ShellCheck/AST.o )',
        '/usr/bin/compile-shellcheck: line 9:    16 Killed                  cabal build Paths_ShellCheck',
        ...after,
        'travis_time:end:218ff700:start=1,finish=2,duration=1\r\x1b[0KThe command "docker run -v "$PWD:/mnt" builder -c compile" exited with 1.',
        'Done. Your build exited with 1.',
      ].join('\n');
    const survived = analyzeText(
      step(['+ true', '+ ghc --make shellcheck', 'shellcheck.hs:442:19: error:', '    Variable not in scope: doesPathExist']),
      rules,
      {
        classifier: null,
      },
    );
    expect(survived.root_causes[0]).toMatchObject({ decided_by: { rule_id: 'ghc.error' }, evidence: { line: 7 } });
    expect(survived.root_causes.map((rc) => rc.evidence.line)).toContain(4);
    const fatal = analyzeText(step([]), rules, { classifier: null });
    expect(fatal.root_causes[0]).toMatchObject({ decided_by: { rule_id: 'any.oom.killed' }, evidence: { line: 4 } });
  });
  it("Mocha's `N passing` followed by `N failing` is no passing verdict", () => {
    const run = (tail: string) =>
      analyzeText(`  widget\n    Error: connect ECONNREFUSED 127.0.0.1:5432\n\n  3 passing (12ms)\n${tail}`, rules, { classifier: null });
    expect(regionOf(run('  1 failing\n').facts.structure, 2)).not.toBe('passed');
    expect(regionOf(run('\n').facts.structure, 2)).toBe('passed');
  });
  it('reads GitLab sections by name', () => {
    const log =
      'section_start:1700000000:prepare_executor\r\x1b[0KPreparing\ncurl: (22) The requested URL returned error: 404\nsection_end:1700000001:prepare_executor\r\x1b[0K\n';
    const a = analyzeText(log, rules, { classifier: null, assumeFailed: true });
    expect(a.facts.structure.folds.map((f) => [f.name, f.start, f.end])).toEqual([['prepare_executor', 1, 3]]);
    expect(regionOf(a.facts.structure, 2)).toBe('passed');
  });
});

describe('GitHub Actions exit lines', () => {
  const logs = readdirSync(path.join(HELDOUT_DIR, 'logs')).filter((f) =>
    readFileSync(path.join(HELDOUT_DIR, 'logs', f), 'utf8').includes('##[error]Process completed'),
  );
  it('the held-out set has GitHub-shaped logs', () => expect(logs.length).toBeGreaterThan(5));
  it.each(logs)('%s: a cause on "Process completed with exit code" names the step\'s tool, never a guess', (f) => {
    const text = readFileSync(path.join(HELDOUT_DIR, 'logs', f), 'utf8');
    const step = text
      .split('\n')
      .map(ghaRunCommand)
      .find((c) => c !== null)!;
    const a = analyzeText(text, rules, { classifier: null, maxCauses: 20 });
    for (const c of a.root_causes.filter((c) => /Process completed with exit code/.test(c.evidence.text))) expect(c.tool).toBe(toolOfCommand(step) ?? 'shell');
    expect(a.root_causes[0]!.evidence.text).not.toMatch(/Process completed with exit code/);
  });
});

describe.skipIf(!lc)('LogChunks (shared half, read in place)', () => {
  const cases = lc ? readLineManifest(lc) : [];
  it('a log whose runner says "Done. Your build exited with N" has a failing verdict, and no top cause sits in a section that passed', () => {
    let stated = 0;
    for (const c of cases) {
      const text = readLineCaseLog(lc!, c);
      const a = analyzeText(text, rules, { classifier: shippedClassifier(), assumeFailed: true });
      if (/^Done\. Your build exited with [1-9]/m.test(text)) {
        stated++;
        expect(
          a.facts.structure.outcomes.some((o) => !o.ok),
          c.path,
        ).toBe(true);
      }
      const top = a.root_causes[0];
      if (top && 'rule_id' in top.decided_by) expect(regionOf(a.facts.structure, top.evidence.line), c.path).not.toBe('passed');
    }
    expect(stated).toBeGreaterThan(100);
  }, 120_000);
});
