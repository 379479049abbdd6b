// Visual Studio TRX (`dotnet test --logger trx`, vstest, MSTest). Results come before the test
// definitions that name their class, so a result waits until the end (a TRX holds one run: its
// results are few compared with a JUnit firehose). Test id: `<className>::<testName>` with the class
// prefix dropped from a name that repeats it (xUnit writes full names). A data-driven test's parent
// result stands for its rows (`InnerResults`): the rows are the tests, the parent is not counted.
import type { TestStatus } from '../../../core/model/index.js';
import { capMessage } from './assemble.js';
import type { ReportParser } from './types.js';
import { driveXml } from './xml-drive.js';
import { shortName, XmlReportReader } from './xml-report.js';
import type { Attrs } from './xml-scan.js';

/**
 * `outcome` of a UnitTestResult (Microsoft.VisualStudio.TestTools TestOutcome). Inconclusive,
 * NotExecuted, NotRunnable, Pending and Aborted (the run was stopped before the test ran) did not
 * give a verdict: skipped. Error and Timeout stopped a running test before its assertions decided:
 * errored.
 */
const OUTCOME: Record<string, TestStatus> = {
  passed: 'passed',
  passedbutrunaborted: 'passed',
  warning: 'passed',
  completed: 'passed',
  failed: 'failed',
  error: 'errored',
  timeout: 'errored',
  disconnected: 'errored',
  inprogress: 'errored',
  notexecuted: 'skipped',
  inconclusive: 'skipped',
  notrunnable: 'skipped',
  pending: 'skipped',
  aborted: 'skipped',
};

const KEEP = new Set(['TestRun', 'Times', 'UnitTestResult', 'UnitTest', 'TestMethod']);
const TEXTS = new Set(['Message', 'StackTrace']);

interface Result {
  testId: string;
  testName: string;
  status: TestStatus;
  duration_ms: number | null;
  message: string | null;
  inner: number;
}

/** `hh:mm:ss.fffffff` → milliseconds. */
function timespanMs(v: string | undefined): number | null {
  const m = v ? /^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(v) : null;
  if (!m) return null;
  const s = Number(m[1] ?? 0) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
  return Math.round(s * 1_000_000) / 1000;
}

class TrxReader extends XmlReportReader {
  private readonly open_: Result[] = [];
  private readonly results: Result[] = [];
  private readonly classOf = new Map<string, string>();
  private unitTest: string | null = null;
  private runMs: number | null = null;

  constructor(
    private readonly target: Parameters<ReportParser>[1],
    where: () => string,
  ) {
    super(where, new Set(['TestRun']), 'TRX <TestRun>', TEXTS);
  }

  protected start(n: string, a: Attrs | null): void {
    if (!a) return;
    if (n === 'UnitTestResult') {
      const parent = this.open_[this.open_.length - 1];
      if (parent) parent.inner++;
      const outcome = (a.get('outcome') ?? '').toLowerCase();
      this.open_.push({
        testId: a.get('testId') ?? '',
        testName: a.get('testName') ?? '',
        // A result without an outcome did not finish (the run was cut short).
        status: OUTCOME[outcome] ?? 'errored',
        duration_ms: timespanMs(a.get('duration')),
        message: null,
        inner: 0,
      });
    } else if (n === 'UnitTest') this.unitTest = a.get('id') ?? null;
    else if (n === 'TestMethod' && this.unitTest) {
      const cls = a.get('className');
      // MSTest writes the assembly-qualified name: `Ns.Class, Assembly, Version=…`.
      if (cls) this.classOf.set(this.unitTest, cls.split(',')[0]!.trim());
    } else if (n === 'Times') {
      const start = Date.parse(a.get('start') ?? '');
      const finish = Date.parse(a.get('finish') ?? '');
      if (Number.isFinite(start) && Number.isFinite(finish) && finish >= start) this.runMs = finish - start;
    }
  }

  protected end(n: string, text: string | null): void {
    const cur = this.open_[this.open_.length - 1];
    if (text !== null && cur) {
      // The message first, then the stack under it.
      cur.message = cur.message ? `${cur.message}\n${text}` : text;
    } else if (n === 'UnitTestResult') {
      const r = this.open_.pop()!;
      if (r.inner === 0) this.results.push(r);
    } else if (n === 'UnitTest') this.unitTest = null;
  }

  protected done(): void {
    for (const r of this.results) {
      const cls = this.classOf.get(r.testId) ?? null;
      const name = shortName(r.testName, cls);
      this.target.add({
        id: cls ? `${cls}::${name}` : name,
        suite: cls,
        classname: cls,
        name,
        status: r.status,
        duration_ms: r.duration_ms,
        message: capMessage(r.message),
      });
    }
    this.target.setRunner('vstest');
    this.target.setDuration(this.runMs);
  }
}

export const parseTrx: ReportParser = (input, target, name) => driveXml(input, name, KEEP, (where) => new TrxReader(target, where));
