// Numbers attempts and keeps the counts while a parser streams cases (issue 5: "retries of one test
// are attempts of one id"). Runners re-run a test only after it failed, so an id seen again after a
// failed or errored execution is a retry (Gradle's test-retry, go test reruns, duplicated JUnit
// testcases); an id seen again after a pass or skip is another execution (go test -count=2, two
// same-named tests) and counts again, as the runners' own summaries do. Only ids whose last
// execution failed are remembered, so memory stays flat whatever the report's size.
import type { TestCase, TestCounts, TestStatus } from '../../../core/model/index.js';
import type { CaseSink, ParseSummary, ParseTarget, RawCase, ReportFormat, RunProblem } from './types.js';

const isFailure = (s: TestStatus) => s === 'failed' || s === 'errored';

/**
 * A copy of a string that does not keep its source alive. Streaming parsers hand out substrings of
 * their input chunk, and V8 keeps the whole chunk (256 KiB) alive for as long as any slice of it
 * lives: one remembered id per chunk would hold the entire report in memory.
 */
export function detach<T extends string | null | undefined>(s: T): T {
  if (typeof s !== 'string' || s.length === 0) return s;
  return (' ' + s).slice(1) as T;
}

/** detach() that returns its previous copy while the input is the same text. */
class LastCopy {
  private raw: string | null | undefined;
  private copy: string | null | undefined;
  of<T extends string | null | undefined>(s: T): T {
    if (s !== this.raw) {
      this.raw = s;
      this.copy = detach(s);
    }
    return this.copy as T;
  }
}

export class Assembler implements ParseTarget {
  readonly counts: TestCounts = { tests: 0, passed: 0, failed: 0, errored: 0, skipped: 0 };
  private readonly failing = new Map<string, { attempts: number; status: TestStatus; scope: number | undefined }>();
  /**
   * Names of the tests in `failing`: a cheap first check. A parser's id is often a concatenation,
   * and looking it up in a Map copies it whole; the name alone usually rules the lookup out.
   */
  private readonly failingNames = new Map<string, number>();
  /** The keys of `failingNames`, for maybeFailing's scan while there are few. */
  private readonly failingList: string[] = [];
  private readonly problems: RunProblem[] = [];
  private caseMs = 0;
  private anyDuration = false;
  private reportMs: number | null = null;
  private runner: string | null = null;
  /**
   * The last detached suite, class and file: consecutive cases share them (a suite's cases), so one
   * copy serves them all — fewer copies to make and collect on a 50k-case report, and equal strings
   * that are one string for whoever keys a Map by them (the scheduler's timings).
   */
  private readonly shared = { suite: new LastCopy(), classname: new LastCopy(), file: new LastCopy() };

  constructor(private readonly sink?: CaseSink) {}

  add(raw: RawCase): void {
    let prev = raw.separate || !this.maybeFailing(raw.name) ? undefined : this.failing.get(raw.id);
    // Only a repeat within the same suite run is a retry: two same-named tests of two files are two tests.
    if (prev && prev.scope !== raw.scope) {
      this.forget(raw);
      prev = undefined;
    }
    let attempt: number;
    if (prev) {
      attempt = prev.attempts + 1;
      this.counts[prev.status]--;
    } else {
      attempt = 1;
      this.counts.tests++;
    }
    if (raw.prior) {
      for (const p of raw.prior) {
        this.emit(raw, p.status, p.duration_ms, p.message, attempt);
        attempt++;
      }
    }
    this.emit(raw, raw.status, raw.duration_ms, raw.message, attempt);
    this.counts[raw.status]++;
    if (raw.separate) return;
    if (isFailure(raw.status)) {
      if (!prev) {
        this.failing.set(detach(raw.id), { attempts: attempt, status: raw.status, scope: raw.scope });
        const nm = detach(raw.name);
        const had = this.failingNames.get(nm) ?? 0;
        this.failingNames.set(nm, had + 1);
        if (had === 0) this.failingList.push(nm);
      } else this.failing.set(raw.id, { attempts: attempt, status: raw.status, scope: raw.scope });
    } else if (prev) this.forget(raw);
  }

  /** Drops a remembered failing test (it passed on retry, or its suite run is over). */
  private forget(raw: RawCase): void {
    this.failing.delete(raw.id);
    const left = (this.failingNames.get(raw.name) ?? 1) - 1;
    if (left > 0) this.failingNames.set(raw.name, left);
    else {
      this.failingNames.delete(raw.name);
      this.failingList.splice(this.failingList.indexOf(raw.name), 1);
    }
  }

  /**
   * Whether a test of this name may be failing. A report usually has few failing tests: comparing
   * against each (length first) is cheaper than hashing every passing test's name for a Map lookup.
   */
  private maybeFailing(name: string): boolean {
    const list = this.failingList;
    if (list.length > 8) return this.failingNames.has(name);
    const len = name.length;
    for (let i = 0; i < list.length; i++) {
      const k = list[i]!;
      if (k.length === len && k === name) return true;
    }
    return false;
  }

  private emit(raw: RawCase, status: TestStatus, duration: number | null, message: string | null, attempt: number): void {
    if (duration !== null) {
      this.caseMs += duration;
      this.anyDuration = true;
    }
    if (!this.sink) return;
    const c: TestCase = {
      id: detach(raw.id),
      suite: this.shared.suite.of(raw.suite),
      classname: this.shared.classname.of(raw.classname),
      name: detach(raw.name),
      status,
      attempt,
      duration_ms: duration,
      message: detach(message),
    };
    if (raw.file) c.file = this.shared.file.of(raw.file);
    if (raw.line) c.line = raw.line;
    this.sink(c);
  }

  problem(p: RunProblem): void {
    if (this.problems.length < 1000) this.problems.push({ kind: p.kind, where: detach(p.where), message: detach(p.message) });
  }

  setDuration(ms: number | null): void {
    this.reportMs = ms;
  }

  runnerCounts(c: TestCounts): void {
    Object.assign(this.counts, c);
  }

  unlisted(status: 'passed' | 'skipped', n: number): void {
    if (n <= 0) return;
    this.counts.tests += n;
    this.counts[status] += n;
  }

  setRunner(r: string | null): void {
    this.runner = r;
  }

  summary(format: ReportFormat): ParseSummary {
    const d = this.reportMs ?? (this.anyDuration ? this.caseMs : null);
    return {
      format,
      runner: this.runner,
      ...this.counts,
      duration_ms: d === null ? null : Math.round(d),
      problems: this.problems,
    };
  }
}

/** Milliseconds rounded to microseconds (runners print seconds with up to 6-9 digits). */
export const ms = (seconds: number) => Math.round(seconds * 1_000_000) / 1000;

/** Messages are kept short: the first 4 KiB is what a person reads; the report keeps the rest. */
export const MESSAGE_CAP = 4096;
export function capMessage(s: string | null | undefined): string | null {
  if (s === null || s === undefined) return null;
  const t = s.trim();
  if (!t) return null;
  return t.length > MESSAGE_CAP ? t.slice(0, MESSAGE_CAP) + '…' : t;
}
