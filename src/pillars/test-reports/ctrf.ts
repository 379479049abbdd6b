// Any report → CTRF (ctrf.io spec 0.0.0, validated in tests against the `ctrf` package's schema).
// Retries are `retryAttempts` of one test, never duplicate tests (issue 5).
import type { TestCase, TestStatus } from '../../core/model/index.js';
import type { ParseSummary } from './parsers/index.js';

type CtrfStatus = 'passed' | 'failed' | 'skipped' | 'pending' | 'other';
const TO_CTRF: Record<TestStatus, CtrfStatus> = { passed: 'passed', failed: 'failed', errored: 'failed', skipped: 'skipped' };

export interface CtrfAttempt {
  attempt: number;
  status: CtrfStatus;
  duration?: number;
  message?: string;
}

export interface CtrfTest {
  testId: string;
  name: string;
  status: CtrfStatus;
  rawStatus: TestStatus;
  duration: number;
  suite?: string[];
  filePath?: string;
  line?: number;
  message?: string;
  retries?: number;
  retryAttempts?: CtrfAttempt[];
  flaky?: boolean;
}

/** Groups executions into tests: an attempt > 1 belongs to the latest test of its id. */
export function groupAttempts(cases: TestCase[]): TestCase[][] {
  const groups: TestCase[][] = [];
  const latest = new Map<string, TestCase[]>();
  for (const c of cases) {
    const g = c.attempt > 1 ? latest.get(c.id) : undefined;
    if (g) g.push(c);
    else {
      const ng = [c];
      groups.push(ng);
      latest.set(c.id, ng);
    }
  }
  return groups;
}

const int = (v: number | null) => (v === null ? 0 : Math.max(0, Math.round(v)));

export function toCtrf(summary: ParseSummary, cases: TestCase[], opts: { now: Date; toolName?: string }) {
  const tests: CtrfTest[] = groupAttempts(cases).map((g) => {
    const last = g[g.length - 1]!;
    const t: CtrfTest = { testId: last.id, name: last.name || last.id, status: TO_CTRF[last.status], rawStatus: last.status, duration: int(last.duration_ms) };
    if (last.suite) t.suite = last.suite.split(' > ');
    if (last.file) t.filePath = last.file;
    if (last.line) t.line = last.line;
    if (last.message) t.message = last.message;
    if (g.length > 1) {
      t.retries = g.length - 1;
      t.retryAttempts = g.slice(0, -1).map((a) => {
        const r: CtrfAttempt = { attempt: a.attempt, status: TO_CTRF[a.status], duration: int(a.duration_ms) };
        if (a.message) r.message = a.message;
        return r;
      });
      t.flaky = last.status === 'passed' && g.some((a) => a.status === 'failed' || a.status === 'errored');
    }
    return t;
  });
  const count = (s: CtrfStatus) => tests.filter((t) => t.status === s).length;
  const stop = opts.now.getTime();
  const duration = summary.duration_ms ?? 0;
  return {
    reportFormat: 'CTRF' as const,
    specVersion: '0.0.0',
    timestamp: opts.now.toISOString(),
    generatedBy: 'ci-intel',
    results: {
      tool: { name: opts.toolName ?? summary.runner ?? summary.format },
      summary: {
        tests: tests.length,
        passed: count('passed'),
        failed: count('failed'),
        skipped: count('skipped'),
        pending: count('pending'),
        other: count('other'),
        flaky: tests.filter((t) => t.flaky).length,
        start: Math.round(stop - duration),
        stop,
        duration: Math.round(duration),
      },
      tests,
    },
  };
}
