// xUnit.net XML (`dotnet test --logger xunit`, `xunit.console -xml`): `<assemblies>` (or a bare
// `<assembly>`), its `<collection>`s (v1: `<class>`) and `<test result="Pass|Fail|Skip|NotRun">`.
// Test id: `<type>::<name>` with the type prefix dropped from the name (xUnit writes full names; a
// theory's rows keep their arguments). Each collection is a suite run.
import type { TestStatus } from '../../../core/model/index.js';
import { capMessage } from './assemble.js';
import type { ParseTarget, ReportParser } from './types.js';
import { driveXml, secondsMs } from './xml-drive.js';
import { classOf, shortName, XmlReportReader } from './xml-report.js';
import type { Attrs } from './xml-scan.js';

const RESULT: Record<string, TestStatus> = { pass: 'passed', fail: 'failed', skip: 'skipped', notrun: 'skipped' };
const KEEP = new Set(['assemblies', 'assembly', 'collection', 'class', 'test']);
const TEXTS = new Set(['message', 'stack-trace', 'reason']);

class XunitReader extends XmlReportReader {
  private scope = 0;
  private collection: string | null = null;
  private case_: { id: string; classname: string | null; name: string; status: TestStatus; duration_ms: number | null; message: string | null } | null = null;
  private runMs = 0;
  private timed = false;

  constructor(
    private readonly target: ParseTarget,
    where: () => string,
  ) {
    super(where, new Set(['assemblies', 'assembly']), 'xUnit.net <assemblies> or <assembly>', TEXTS);
  }

  protected start(n: string, a: Attrs | null): void {
    if (!a) return;
    if (n === 'assembly') {
      const t = secondsMs(a.time);
      if (t !== null) {
        this.runMs += t;
        this.timed = true;
      }
    } else if (n === 'collection' || n === 'class') {
      this.scope++;
      this.collection = a.name ?? null;
    } else if (n === 'test') {
      const full = a.name ?? '';
      const cls = a.type ?? classOf(full);
      const name = shortName(full, cls);
      this.case_ = {
        id: cls ? `${cls}::${name}` : name,
        classname: cls,
        name,
        // A result xUnit does not define is a test that did not finish properly.
        status: RESULT[(a.get('result') ?? '').toLowerCase()] ?? 'errored',
        duration_ms: secondsMs(a.time),
        message: null,
      };
    }
  }

  protected end(n: string, text: string | null): void {
    const c = this.case_;
    if (text !== null && c) c.message = c.message ? `${c.message}\n${text}` : text;
    else if ((n === 'collection' || n === 'class') && !c) this.collection = null;
    else if (n === 'test' && c) {
      this.case_ = null;
      this.target.add({ ...c, suite: this.collection, message: capMessage(c.message), scope: this.scope });
    }
  }

  protected done(): void {
    this.target.setRunner('xunit.net');
    this.target.setDuration(this.timed ? this.runMs : null);
  }
}

export const parseXunitNet: ReportParser = (input, target, name) => driveXml(input, name, KEEP, (where) => new XunitReader(target, where));
