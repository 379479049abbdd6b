// Which line goes first when several rules fire (issue 15, deliverables 1 and 3): a runner's own
// report of the failure before what the program under test printed while it ran, and a tool's verdict
// before a line it lists. The logs are in the shapes the tools print (testify, pytest, sbt/ScalaTest,
// ESLint, npm, awesome_bot, Vim's test harness, unittest, MiMa, Gradle, karma), the Travis markers as
// travis-build writes them.
import { describe, expect, it } from 'vitest';
import { travisStep } from '../../../test/support/travis-log.js';
import { analyzeText, LOG_RECORD } from './analyze.js';
import { ruleSet } from './rules.js';

const rules = ruleSet();
const top = (log: string[]) => analyzeText(log.join('\n'), rules, { classifier: null }).root_causes[0];

describe('ranking: the runner report first', () => {
  it('an error record a program logged while a test ran yields to the failing assertion (testify)', () => {
    const log = travisStep(
      'go test ./...',
      [
        '=== RUN   TestProxyPreferred',
        'Apr 12 14:46:55.119 - 0m6s ERROR app: pac.go:217 Unable to set system proxy: signal: trace/breakpoint trap (core dumped)',
        'Apr 12 14:46:55.120 - 0m6s DEBUG app: proxied.go:292 Sending request',
        '--- FAIL: TestProxyPreferred (2.62s)',
        '        proxied_test.go:31: ',
        '        \tError Trace:\tproxied_test.go:126',
        '        \tError:      \tShould be true',
        '        \tMessages:   \tUnexpected response',
        'FAIL',
        'FAIL\tgithub.com/example/app/proxied\t2.701s',
      ],
      1,
    );
    const rc = top(log)!;
    expect(rc.decided_by).toEqual({ rule_id: 'go.testify.trace' });
    expect(rc.evidence.line).toBe(7);
  });

  it('reads error records of the usual loggers, and not a tool diagnostic', () => {
    expect(LOG_RECORD.test('Apr 12 14:46:55.119 - 0m6s ERROR flashlight: pac.go:217 failed')).toBe(true);
    expect(LOG_RECORD.test('20:50:49.289 [error] Failed to start listener')).toBe(true);
    expect(LOG_RECORD.test('2019-07-01 10:00:00,123 ERROR root: connection refused')).toBe(true);
    expect(LOG_RECORD.test('error: could not compile `app` due to previous error')).toBe(false);
    expect(LOG_RECORD.test('ERROR: Could not find a version that satisfies the requirement x')).toBe(false);
    expect(LOG_RECORD.test('[ERROR] Failed to execute goal org.apache.maven.plugins:maven-surefire-plugin')).toBe(false);
  });

  it("a TLS error in a failed pytest test's captured stderr yields to the test's own failure", () => {
    const log = travisStep(
      'pytest test/',
      [
        '=================================== FAILURES ===================================',
        '__________________________ test_dhparam_is_used ___________________________',
        '',
        '    def test_dhparam_is_used(docker_compose):',
        '>       assert "Server Temp Key: DH, 2048 bits\\n" == r',
        "E       assert 'Server Temp ..., 2048 bits\\n' == 'Server Temp K...9, 253 bits\\n'",
        '',
        'test_ssl/test_dhparam.py:93: AssertionError',
        '----------------------------- Captured stderr call -----------------------------',
        'depth=0 CN = *.nginx-proxy.tld',
        'verify error:num=20:unable to get local issuer certificate',
        'verify return:1',
        '===================== 1 failed, 71 passed in 95.20 seconds =====================',
      ],
      1,
    );
    const rc = top(log)!;
    expect(rc.evidence.line).toBeGreaterThanOrEqual(3);
    expect(rc.evidence.line).toBeLessThanOrEqual(9);
  });

  it("sbt's info line naming a passing ScalaTest test is no cause; the failed test is", () => {
    const log = travisStep(
      'sbt test',
      [
        '[info] ThriftSmuxSslTest:',
        '[info] - Single client and rejecting server results in TLS connections at 0 *** FAILED ***',
        '[info]   Expected exception SslException to be thrown, but Failure was thrown (ThriftSmuxSslTest.scala:151)',
        '[info] - fails to start a downgraded session if opportunistic TLS is required',
        '[error] Failed: Total 120, Failed 1, Errors 0, Passed 119',
      ],
      1,
    );
    expect(top(log)!.evidence.line).toBe(3);
  });

  it('an ESLint summary of warnings only (0 errors) fails nothing', () => {
    const a = analyzeText(
      ['/app/js/button.js', '  85:13  warning  Blocks are nested too deeply (5)  max-depth', '', '✖ 1 problem (0 errors, 1 warning)', ''].join('\n'),
      rules,
      {
        classifier: null,
      },
    );
    expect(a.failed).toBe(false);
  });

  it("a step no rule explains: the step's last own words, not npm's wrapper lines after them", () => {
    const log = travisStep(
      'npm run verify-docs',
      [
        '> docs@1.0.0 verify-docs /home/travis/build/app',
        '> node scripts/verify-docs.js',
        'Undocumented declarations:',
        '  "symbol": "dynamicBridgeCast(fromObjectiveC:)"',
        'npm ERR! code ELIFECYCLE',
        'npm ERR! errno 1',
        'npm ERR! docs@1.0.0 verify-docs: `node scripts/verify-docs.js`',
        'npm ERR! Exit status 1',
        'npm ERR! ',
        'npm ERR! Failed at the docs@1.0.0 verify-docs script.',
        'npm ERR! This is probably not a problem with npm. There is likely additional logging output above.',
      ],
      1,
    );
    expect(top(log)!.evidence.line).toBe(5);
  });
});

describe('ranking: a tool verdict before the lines it lists', () => {
  it("awesome_bot's Issues report outranks a dead host among the white-listed links", () => {
    const log = travisStep(
      'awesome_bot README.md --allow-ssl',
      [
        'Links to check: 2669, 41 white listed',
        '> White listed:',
        '  23. [L3034]  https://swift.example.net Failed to open TCP connection to swift.example.net:443 (getaddrinfo: Name or service not known) ',
        '',
        'Issues :-( ',
        '> Links ',
        '  01. [L0410] 301 https://github.com/a/b  → https://github.com/c/b ',
        '  06. [L1622] 404 https://www.example.com  ',
      ],
      1,
    );
    const rc = top(log)!;
    expect(rc.decided_by).toEqual({ rule_id: 'awesome_bot.issues' });
    expect(rc.tool).toBe('awesome_bot');
  });

  it("Vim's test harness report, not a wait that timed out during the run", () => {
    const log = travisStep(
      'make test',
      [
        'Found errors in Test_terminal_api_call():',
        'Caught exception in Test_terminal_api_call(): WaitFor() timed out after 5000 msec @ function RunTheTest[40]..WaitFor, line 4',
        'Executed 1955 tests',
        '',
        'Failures: ',
        '\tFrom test_balloon.vim:',
        '\tFound errors in Test_balloon_eval_term():',
        '',
        'TEST FAILURE',
        'make[2]: *** [report] Error 1',
      ],
      1,
    );
    expect(top(log)).toMatchObject({ decided_by: { rule_id: 'vim.testdir.failures' }, evidence: { line: 7 } });
  });

  it('each tool shape fires its rule', () => {
    const cases: Array<[string, string]> = [
      ['FAIL: tests.openface_batch_represent_tests.test_batch_represent', 'unittest.failure.header'],
      ['ERROR: test_parse (tests.test_cli.CliTest)', 'unittest.failure.header'],
      ['+ ERROR! openface/model.pkl md5sum did not match.', 'any.checksum.mismatch'],
      ['[error]  * the type hierarchy of class akka.cluster.Msg is different in current version. Missing types {x}', 'sbt.mima'],
      ['[error]    filter with: ProblemFilters.exclude[MissingTypesProblem]("akka.cluster.Msg")', 'sbt.mima'],
      ['IE 9.0.0 (Windows 7.0.0): Executed 50 of 220 DISCONNECTED (33.106 secs / 1.059 secs)', 'karma.browser.disconnected'],
      ['Chrome 75.0.3770 (Mac OS X 10.14.5): Executed 220 of 220 (3 FAILED) (29.813 secs / 29.686 secs)', 'karma.failed'],
      ['    java.lang.AssertionError: 13,928,704 -> 113,907,376', 'any.test.assertion'],
      [
        'Building sites … ERROR 2019/08/01 15:12:45 [en] REF_NOT_FOUND: Ref "/docs/4.3/layout/overview": "/site/content/docs/a.md:3:5": page not found',
        'hugo.error',
      ],
      ['Error: Error building site: logged 102 error(s)', 'hugo.error'],
      [
        '==30799==ERROR: AddressSanitizer: heap-use-after-free on address 0x61b000080607 at pc 0x555888669d4c bp 0x7f3822083810 sp 0x7f3822083808',
        'sanitizer.error',
      ],
      ['src/util/strencodings.cpp:120:14: runtime error: signed integer overflow: 2147483647 + 1 cannot be represented in type int', 'sanitizer.error'],
      [
        'Firefox 60.0.0 (Windows 7.0.0) upgrade angular1_providers injectorFactory should throw if the injector value has not been set yet FAILED',
        'karma.spec.failed',
      ],
      ['t/t5516-fetch-push.sh .............. Failed 1/13 subtests ', 'prove.failed-subtests'],
      ["No such file or directory: 'mysqltuner.pl'", 'shell.file.missing'],
    ];
    for (const [line, id] of cases) {
      const a = analyzeText(travisStep('run', [line], 1).join('\n'), rules, { classifier: null });
      expect(a.root_causes[0]?.decided_by, line).toEqual({ rule_id: id });
    }
  });

  it("Gradle's own TaskExecutionException (--stacktrace) wraps the failed test and never outranks it", () => {
    const log = travisStep(
      './gradlew test --stacktrace',
      [
        'io.reactivex.ObservableRefCountTest > publishNoLeak FAILED',
        '    java.lang.AssertionError: 13,928,704 -> 113,907,376',
        '        at org.junit.Assert.fail(Assert.java:88)',
        '',
        'FAILURE: Build failed with an exception.',
        '* Exception is:',
        "org.gradle.api.tasks.TaskExecutionException: Execution failed for task ':test'.",
      ],
      1,
    );
    expect(top(log)!.evidence.line).toBeLessThanOrEqual(3);
  });
});
