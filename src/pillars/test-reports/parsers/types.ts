// What every report parser produces (DESIGN.md: raw shapes never leave a parser's folder). A parser
// streams: it hands each test execution to the assembler as it reads it and never holds the report.
import type { TestCase, TestCounts, TestStatus } from '../../../core/model/index.js';

/** One execution as a parser reads it, before attempts are numbered. */
export interface RawCase {
  id: string;
  suite: string | null;
  classname: string | null;
  name: string;
  status: TestStatus;
  duration_ms: number | null;
  message: string | null;
  file?: string | null;
  line?: number | null;
  /**
   * A result of its own that is not a retry even when the test just failed: pytest reports an error
   * in a fixture's teardown as a second result of a test (`1 passed, 1 error` for one test).
   */
  separate?: boolean;
  /**
   * The suite run the case belongs to (a parser's counter): a failed id seen again is a retry only
   * within the same suite run. Undefined for formats without suites (one scope).
   */
  scope?: number;
  /**
   * Earlier attempts the format records inside this one test (Surefire/nextest `flakyFailure`,
   * `rerunFailure`; CTRF `retryAttempts`), oldest first.
   */
  prior?: Array<{ status: TestStatus; duration_ms: number | null; message: string | null }>;
}

/** A run-level problem that is not a test (a go package that did not build, a crashed test binary). */
export interface RunProblem {
  kind: 'build_failed' | 'binary_crashed' | 'no_result';
  where: string;
  message: string;
}

export interface ParseSummary extends TestCounts {
  format: ReportFormat;
  runner: string | null;
  duration_ms: number | null;
  problems: RunProblem[];
}

export type ReportFormat =
  'junit' | 'trx' | 'nunit' | 'xunit-net' | 'go-test-json' | 'cargo-test-text' | 'tap' | 'ctrf' | 'mocha-json' | 'rspec-json' | 'dart-json';
export const REPORT_FORMATS: ReportFormat[] = [
  'junit',
  'trx',
  'nunit',
  'xunit-net',
  'go-test-json',
  'cargo-test-text',
  'tap',
  'ctrf',
  'mocha-json',
  'rspec-json',
  'dart-json',
];

/** What each format is, in the words of the tools that write it (help and errors). */
export const FORMAT_NAMES: Record<ReportFormat, string> = {
  junit: 'JUnit XML',
  trx: 'Visual Studio TRX (dotnet test --logger trx)',
  nunit: 'NUnit 2/3 XML',
  'xunit-net': 'xUnit.net XML',
  'go-test-json': 'go test -json',
  'cargo-test-text': 'cargo test output (plain, -q, or --format json)',
  tap: 'TAP',
  ctrf: 'CTRF JSON',
  'mocha-json': 'mocha --reporter json',
  'rspec-json': 'rspec --format json',
  'dart-json': 'dart/flutter test --reporter json',
};

export type CaseSink = (c: TestCase) => void;

/** Where a parser reports what it read. */
export interface ParseTarget {
  add(raw: RawCase): void;
  problem(p: RunProblem): void;
  /** The report's own wall time when it says (overrides the sum of cases). */
  setDuration(ms: number | null): void;
  setRunner(r: string | null): void;
  /**
   * The runner's own summary when the report embeds it (node --test's junit comments): it wins over
   * the testcases, which cannot show a node test that has subtests (it is written as a testsuite).
   */
  runnerCounts(c: import('../../../core/model/index.js').TestCounts): void;
  /**
   * Tests the runner counted but the report does not name (mocha-junit-reporter's pending tests,
   * the passing tests of libtest's terse output).
   */
  unlisted(status: 'passed' | 'skipped', n: number): void;
}

/** A parser reads a byte stream (already decompressed) and reports to the target. `name` is for messages. */
export type ReportParser = (input: AsyncIterable<Buffer>, target: ParseTarget, name: string) => Promise<void>;
