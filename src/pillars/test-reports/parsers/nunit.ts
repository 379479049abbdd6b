// NUnit XML: NUnit 3's `<test-run>` and NUnit 2's `<test-results>` (also what NUnit 3 writes with
// `--result=file;format=nunit2`). Streamed: a `<test-case>` holds its own outcome. Test id:
// NUnit 3 `<classname>::<name>`; NUnit 2 has only the full name, split before the method
// (`Ns.Fixture::Method(args)`). Each `<test-suite>` is a suite run (a repeat inside it is a retry).
import type { TestStatus } from '../../../core/model/index.js';
import { capMessage } from './assemble.js';
import type { ParseTarget, ReportParser } from './types.js';
import { driveXml, secondsMs } from './xml-drive.js';
import { classOf, shortName, XmlReportReader } from './xml-report.js';
import type { Attrs } from './xml-scan.js';

/**
 * `result` of a test-case, NUnit 3 and NUnit 2 words alike. NUnit 3 counts a test under its
 * `result` (Failed) whatever its `label` says (Error, Invalid, Cancelled: its summary lists them as
 * kinds of failure), so Failed is failed. NUnit 2 keeps Error apart: errored. Not run for any reason
 * (Ignored, Skipped, Inconclusive, NotRunnable, Invalid) is skipped, as NUnit's own "Not run" count.
 */
const RESULT: Record<string, TestStatus> = {
  passed: 'passed',
  success: 'passed',
  warning: 'passed',
  failed: 'failed',
  failure: 'failed',
  error: 'errored',
  cancelled: 'errored',
  skipped: 'skipped',
  ignored: 'skipped',
  inconclusive: 'skipped',
  notrunnable: 'skipped',
  invalid: 'skipped',
  notrun: 'skipped',
};

/** Without `result` (old NUnit 2 files): `executed`, `success`, or a `<failure>` child decide. */
function statusOf(a: Attrs): TestStatus | null {
  const r = a.get('result');
  if (r !== undefined) return RESULT[r.toLowerCase()] ?? 'errored';
  if (a.get('executed')?.toLowerCase() === 'false') return 'skipped';
  return a.get('success')?.toLowerCase() === 'false' ? 'failed' : null;
}

const KEEP = new Set(['test-run', 'test-results', 'test-suite', 'test-case', 'failure']);
const TEXTS = new Set(['message', 'stack-trace']);

interface OpenCase {
  id: string;
  suite: string | null;
  classname: string | null;
  name: string;
  status: TestStatus | null;
  duration_ms: number | null;
  message: string | null;
  scope: number;
  failure: boolean;
}

class NunitReader extends XmlReportReader {
  private v3 = false;
  private readonly suites: Array<{ name: string; scope: number }> = [];
  private suiteRuns = 0;
  private case_: OpenCase | null = null;
  private runMs: number | null = null;

  constructor(
    private readonly target: ParseTarget,
    where: () => string,
  ) {
    // A lone <test-suite> is what NUnit 3 writes for one assembly (`--result` of a sub-run, Unity).
    super(where, new Set(['test-run', 'test-results', 'test-suite']), 'NUnit <test-run> (NUnit 3) or <test-results> (NUnit 2)', TEXTS);
  }

  protected start(n: string, a: Attrs | null): void {
    if (!a) return;
    if (n === 'failure') {
      if (this.case_) this.case_.failure = true;
    } else if (n === 'test-run') {
      this.v3 = true;
      this.runMs = secondsMs(a.get('duration'));
    } else if (n === 'test-suite') {
      this.suites.push({ name: a.get('fullname') ?? a.name ?? '', scope: ++this.suiteRuns });
    } else if (n === 'test-case') {
      const suite = this.suites[this.suites.length - 1];
      const full = a.get('fullname') ?? a.name ?? '';
      const v3 = a.get('fullname') !== undefined;
      if (v3) this.v3 = true;
      const cls = a.get('classname') ?? classOf(full);
      const name = v3 ? (a.name ?? shortName(full, cls)) : shortName(full, cls);
      this.case_ = {
        id: cls ? `${cls}::${name}` : name,
        suite: suite?.name ?? null,
        classname: cls,
        name,
        status: statusOf(a),
        duration_ms: secondsMs(a.get('duration') ?? a.time),
        message: null,
        scope: suite?.scope ?? 0,
        failure: false,
      };
    }
  }

  protected end(n: string, text: string | null): void {
    const c = this.case_;
    if (text !== null && c) c.message = c.message ? `${c.message}\n${text}` : text;
    else if (n === 'test-suite') this.suites.pop();
    else if (n === 'test-case' && c) {
      this.case_ = null;
      const { failure, ...raw } = c;
      this.target.add({ ...raw, status: c.status ?? (failure ? 'failed' : 'passed'), message: capMessage(c.message) });
    }
  }

  protected done(): void {
    this.target.setRunner(this.v3 ? 'nunit3' : 'nunit2');
    this.target.setDuration(this.runMs);
  }
}

export const parseNunit: ReportParser = (input, target, name) => driveXml(input, name, KEEP, (where) => new NunitReader(target, where));
