// Xcode/xcpretty/XCTest/SwiftLint/jazzy and .NET/PowerShell output shapes (issue 15, deliverable 2;
// rules/apple-dotnet.yml). Neither Xcode nor dotnet can be installed here, so each log below is
// written in the shape the tool's formatter or reporter source prints (xcpretty's formatter.rb and
// simple.rb, SwiftLint's XcodeReporter, jazzy's undocumented.json, PowerShell's NormalView and
// ConciseView error records, MSBuild's canonical error format), inside Travis's step markers.
import { describe, expect, it } from 'vitest';
import { TRAVIS_INSTALL_STEP, travisStep } from '../../../test/support/travis-log.js';
import { analyzeText, withoutFileNames } from './analyze.js';
import { requiredLiterals } from './prefilter.js';
import { builtinRules, ruleSet } from './rules.js';
import { scanText } from './scan.js';

const rules = ruleSet();
const ids = (line: string) => scanText(line + '\n', builtinRules()).hits.map((h) => h.rule.id);

/** One failing Travis script step after a passing install step: the log as a string. */
const travisLog = (cmd: string, body: string[], exit: number) => [...TRAVIS_INSTALL_STEP, ...travisStep(cmd, body, exit)].join('\n') + '\n';

const lineOf = (log: string, text: string) => log.split('\n').findIndex((l) => l.includes(text)) + 1;

describe('Apple and .NET tool shapes are named by their rules', () => {
  it.each([
    ['  testDivision, ((quotient) equal to (3)) failed: ("2") is not equal to ("3")', 'xcpretty.summary-failure'],
    ['  test_upload, Asynchronous wait failed: Exceeded timeout of 5 seconds, with unfulfilled expectations: "upload".', 'xcpretty.summary-failure'],
    ['    ✗ testLaunch, Test crashed', 'xcpretty.failing-test'],
    ['    \x1b[31m✗\x1b[0m testLaunch, Test crashed', 'xcpretty.failing-test'],
    ['    x testDivision, XCTAssertEqual failed: ("2") is not equal to ("3")', 'xcpretty.failing-test'],
    ["❌  /Users/ci/App/Sources/Parser.swift:12:5: cannot find 'tokenize' in scope", 'xcpretty.compile-error'],
    ['\x1b[31m❌  \x1b[0mld: library not found for -lPods-App', 'xcpretty.error'],
    ['\t Executed 12 tests, with 2 failures (0 unexpected) in 0.512 (0.530) seconds', 'xctest.executed-failures'],
    [
      '/build/Tests/AppTests/ParserTests.swift:21: error: ParserTests.testEmpty : XCTAssertEqual failed: ("1") is not equal to ("0") - ',
      'xctest.linux-failure',
    ],
    ["Test Case 'ParserTests.testEmpty' failed (0.002 seconds)", 'xctest.linux-case-failed'],
    ['xcodebuild: error: Unable to find a destination matching the provided destination specifier:', 'xcodebuild.usage-error'],
    [
      '/Users/ci/App/Sources/Parser.swift:12:1: warning: Trailing Whitespace Violation: Lines should not have trailing whitespace. (trailing_whitespace)',
      'swiftlint.violation',
    ],
    ['      "warning": "undocumented"', 'jazzy.undocumented'],
    ['    - ERROR | [iOS] unknown: Encountered an unknown error (Unable to find a specification for `Foo`) during validation.', 'cocoapods.lint-error'],
    ["error: Dependencies could not be resolved because root depends on 'swift-nio' 2.0.0..<3.0.0.", 'swiftpm.resolution'],
    ['At /home/ci/app/build.ps1:27 char:5', 'powershell.record.at'],
    ['At line:1 char:1', 'powershell.record.at'],
    ['At C:\\projects\\app\\tools\\Build Helpers.psm1:104', 'powershell.record.at'],
    ['Exception: /home/ci/app/build.ps1:27', 'powershell.record.concise'],
    ['MSBUILD : error MSB1009: Project file does not exist.', 'msbuild.origin-error'],
    ['/home/ci/app/src/Api/Api.csproj : error MSB4019: The imported project "/usr/lib/mono/xbuild/Microsoft.targets" was not found.', 'msbuild.origin-error'],
    ['1) Test Failure : Calc.Tests.AddsNegatives', 'nunit.failure'],
    ['2) Error : Calc.Tests.DividesByZero', 'nunit.failure'],
    ['  Overall result: Failed', 'nunit.overall-failed'],
    ['Failed   Calc.Tests.AddsNegatives', 'vstest.failed'],
  ])('%s → %s', (line, id) => {
    expect(ids(line)).toContain(id);
  });

  it.each([
    ['\t Executed 12 tests, with 0 failures (0 unexpected) in 0.512 (0.530) seconds', 'xctest.executed-failures'],
    ['  testing, the build failed', 'xcpretty.summary-failure'],
    ['    ✓ testLaunch (0.051 seconds)', 'xcpretty.failing-test'],
    ['- [x] README.md:12:3: links checked', 'xcpretty.compile-error'],
    ['/Users/ci/App/Sources/Parser.swift:12:1: warning: variable was never used', 'swiftlint.violation'],
    ['      "warning": "deprecated"', 'jazzy.undocumented'],
    ['At the end of the run, 3 files were skipped', 'powershell.record.at'],
    ['  Overall result: Passed', 'nunit.overall-failed'],
    ['Failed to restore /home/ci/app/src/Api, retrying...', 'vstest.failed'],
  ])('%s is not %s', (line, id) => {
    expect(ids(line)).not.toContain(id);
  });

  it('the prefilter takes xcpretty’s non-ASCII markers as literals (three UTF-8 bytes each)', () => {
    const src = (id: string) => builtinRules().find((r) => r.id === id)!.match.source;
    expect(requiredLiterals(src('xcpretty.failing-test'))!.some((l) => l.includes('✗'))).toBe(true);
    expect(requiredLiterals(src('xcpretty.error'))!.every((l) => l.includes('❌'))).toBe(true);
  });
});

describe('Apple and .NET runs: the line a reader needs first', () => {
  it("xcpretty: the end summary's failure goes before the live ✗ line and the counts", () => {
    // simple.rb prints `    ✗ test, reason` as the test fails; formatter.rb's format_test_summary
    // lists the failures again at the end (`suite`, `  test, reason`, `  file:line`, snippet), then the count.
    const log = travisLog(
      'set -o pipefail && xcodebuild test -scheme App | xcpretty',
      [
        'Test Suite AppTests.xctest started',
        'CalculatorTests',
        '    ✓ testAddition (0.001 seconds)',
        '    ✗ testDivision, ((quotient) equal to (3)) failed: ("2") is not equal to ("3")',
        '    ✓ testMultiplication (0.001 seconds)',
        '',
        '',
        'CalculatorTests',
        '  testDivision, ((quotient) equal to (3)) failed: ("2") is not equal to ("3")',
        '  /Users/ci/App/Tests/CalculatorTests.m:24',
        '  ```',
        '        XCTAssertEqual(quotient, 3);',
        '  ```',
        '',
        '',
        '\t Executed 3 tests, with 1 failure (0 unexpected) in 0.010 (0.012) seconds',
        '** TEST FAILED **',
      ],
      65,
    );
    const a = analyzeText(log, rules, { classifier: null });
    const top = a.root_causes[0]!;
    expect(top.decided_by).toEqual({ rule_id: 'xcpretty.summary-failure' });
    expect([top.tool, top.category]).toEqual(['xcodebuild', 'test_failure']);
    expect(top.evidence.line).toBe(lineOf(log, '  testDivision, (('));
    // The live line fired too (same failure: one cause, the summary's).
    const live = scanText(log, rules).hits.find((h) => h.rule.id === 'xcpretty.failing-test');
    expect(live?.line).toBe(lineOf(log, '✗ testDivision'));
    expect(a.root_causes.filter((c) => c.message.includes('testDivision') || c.evidence.text.includes('testDivision'))).toHaveLength(1);
  });

  it('xcpretty: a crashed test has only its ✗ line, and that is the cause', () => {
    const log = travisLog(
      'xcodebuild test -scheme App | xcpretty',
      [
        'NetworkTests',
        '    ✓ testGET (0.101 seconds)',
        '    \x1b[31m✗\x1b[0m testCancel, Test crashed',
        '',
        '\t Executed 2 tests, with 1 failure (0 unexpected) in 0.2 (0.3) seconds',
        '** TEST FAILED **',
      ],
      65,
    );
    const top = analyzeText(log, rules, { classifier: null }).root_causes[0]!;
    expect(top.decided_by).toEqual({ rule_id: 'xcpretty.failing-test' });
    expect(top.evidence.line).toBe(lineOf(log, 'testCancel, Test crashed'));
  });

  it('xcpretty: a compile error names its file and line', () => {
    const log = travisLog(
      'xcodebuild build -scheme App | xcpretty',
      [
        '▸ Compiling Parser.swift',
        '',
        "\x1b[31m❌  \x1b[0m/Users/ci/App/Sources/Parser.swift:12:5: \x1b[31mcannot find 'tokenize' in scope\x1b[0m",
        '',
        '        let t = tokenize(input)',
        '                ^~~~~~~~',
        '',
        '** BUILD FAILED **',
      ],
      65,
    );
    const top = analyzeText(log, rules, { classifier: null }).root_causes[0]!;
    expect(top.decided_by).toEqual({ rule_id: 'xcpretty.compile-error' });
    expect(top.file).toMatch(/Sources\/Parser\.swift$/);
    expect(top.line).toBe(12);
  });

  it('SwiftLint --strict: the violation is the cause, not a linted file whose name says "Error"', () => {
    const lint = [
      'Linting Swift files in current working directory',
      "Linting 'Error.swift' (1/3)",
      "Linting 'Parser.swift' (2/3)",
      '/Users/ci/App/Sources/Parser.swift:12:1: warning: Trailing Whitespace Violation: Lines should not have trailing whitespace. (trailing_whitespace)',
      "Linting 'FailureReason.swift' (3/3)",
      'Done linting! Found 1 violation, 0 serious in 3 files.',
    ];
    const log = travisLog('swiftlint lint --strict', lint, 3);
    const top = analyzeText(log, rules, { classifier: null }).root_causes[0]!;
    expect(top.decided_by).toEqual({ rule_id: 'swiftlint.violation' });
    expect([top.tool, top.category, top.line]).toEqual(['swiftlint', 'lint_error', 12]);
    // Without --strict the same output is a passing run: warnings, and file names, fail nothing.
    const passing = analyzeText(['$ swiftlint lint', ...lint].join('\n') + '\n', rules, { classifier: null });
    expect(passing.failed).toBe(false);
    expect(passing.root_causes).toEqual([]);
  });

  it("jazzy: a docs check that fails on undocumented.json names the undocumented symbol's entry", () => {
    const log = travisLog(
      './scripts/check-docs.sh',
      [
        'Running xcodebuild',
        'Parsing Error.swift (1/2)',
        'Parsing Client.swift (2/2)',
        '97% documentation coverage with 1 undocumented symbol',
        'included 40 public or open symbols',
        'jam out ♪♫ to your fresh new docs in `docs`',
        '{',
        '  "warnings": [',
        '    {',
        '      "file": "/Users/ci/App/Sources/Error.swift",',
        '      "line": 12,',
        '      "symbol": "AppError.retry()",',
        '      "symbol_kind": "source.lang.swift.decl.function.method.instance",',
        '      "warning": "undocumented"',
        '    }',
        '  ],',
        '  "source_directory": "/Users/ci/App"',
        '}',
      ],
      1,
    );
    const top = analyzeText(log, rules, { classifier: null }).root_causes[0]!;
    expect(top.decided_by).toEqual({ rule_id: 'jazzy.undocumented' });
    expect(top.evidence.line).toBe(lineOf(log, '"warning": "undocumented"'));
  });

  // A build script that runs dotnet and throws when it fails (NormalView, as Windows PowerShell and
  // pwsh 6 print an uncaught error record: message, At line, code, CategoryInfo, FullyQualifiedErrorId).
  const dotnetBuild = [
    'Restored /home/ci/app/src/Api/Api.csproj (in 1.2 sec).',
    '/home/ci/app/src/Api/Startup.cs(12,9): error CS1002: ; expected [/home/ci/app/src/Api/Api.csproj]',
    '',
    'Build FAILED.',
    '',
    '/home/ci/app/src/Api/Startup.cs(12,9): error CS1002: ; expected [/home/ci/app/src/Api/Api.csproj]',
    '    0 Warning(s)',
    '    1 Error(s)',
    'dotnet build exited with 1',
    'At /home/ci/app/build.ps1:27 char:5',
    '+     throw "dotnet build exited with $LASTEXITCODE"',
    '+     ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~',
    '    + CategoryInfo          : OperationStopped: (dotnet build exited with 1:String) [], RuntimeException',
    '    + FullyQualifiedErrorId : dotnet build exited with 1',
    ' ',
  ];

  it('PowerShell: the error record that stopped the script goes first, the compiler error it wraps second', () => {
    const log = travisLog('pwsh -File build.ps1', dotnetBuild, 1);
    const causes = analyzeText(log, rules, { classifier: null }).root_causes;
    expect(causes[0]!.decided_by).toEqual({ rule_id: 'powershell.record.at' });
    expect([causes[0]!.file, causes[0]!.line]).toEqual([expect.stringMatching(/build\.ps1$/), 27]);
    expect(causes[0]!.evidence.before.join('\n')).toContain('dotnet build exited with 1');
    expect(causes[1]!.decided_by).toEqual({ rule_id: 'msbuild.error' });
    expect(causes[1]!.evidence.line).toBe(lineOf(log, 'error CS1002'));
  });

  it('PowerShell: a record logged mid-run (not followed by the failing verdict) does not outrank the tool', () => {
    const midRun = [
      'Describing Start-Job',
      'A Using variable cannot be retrieved.',
      'At line:3 char:9',
      '+         Write-Output $using:Items',
      '+         ~~~~~~~~~~~~~~~~~~~~~~~~~',
      '    + CategoryInfo          : InvalidOperation: (:) [], RuntimeException',
      '    + FullyQualifiedErrorId : UsingWithoutInvokeCommand',
      ...Array.from({ length: 10 }, (_, i) => `  [+] runs job ${i} 12ms`),
      '/home/ci/app/src/Api/Startup.cs(12,9): error CS1002: ; expected [/home/ci/app/src/Api/Api.csproj]',
      'Build FAILED.',
    ];
    const log = travisLog('pwsh -File build.ps1', midRun, 1);
    const top = analyzeText(log, rules, { classifier: null }).root_causes[0]!;
    expect(top.decided_by).toEqual({ rule_id: 'msbuild.error' });
  });

  it('PowerShell 7 ConciseView: the record header names the script and line', () => {
    const concise = [
      '/home/ci/app/src/Api/Startup.cs(12,9): error CS1002: ; expected [/home/ci/app/src/Api/Api.csproj]',
      'Exception: /home/ci/app/build.ps1:27',
      'Line |',
      '  27 |      throw "dotnet build exited with $LASTEXITCODE"',
      '     |      ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~',
      '     | dotnet build exited with 1',
    ];
    const top = analyzeText(travisLog('pwsh -File build.ps1', concise, 1), rules, { classifier: null }).root_causes[0]!;
    expect(top.decided_by).toEqual({ rule_id: 'powershell.record.concise' });
    expect(top.line).toBe(27);
  });
});

describe('failure words in file names', () => {
  it.each([
    ["Linting 'Error.swift' (11/53)", false],
    ['Parsing Error.swift (2/21)', false],
    ['      "file": "/Users/ci/App/Sources/FailureTests.m",', false],
    ['System.Exception: boom', true],
    ['error: src/main.c failed to compile', true],
    ['Error.swift:12:5: error: expected expression', true],
  ])('%s says a failure: %s', (text, says) => {
    expect(/\b(?:error|fail(?:ed|ure)|exception)\b/i.test(withoutFileNames(text))).toBe(says);
  });
});
