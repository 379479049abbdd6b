// CTRF JSON (the open Common Test Report Format, ctrf.io). Retries are `retryAttempts` of one test.
// Test id: `testId` when the producer set a stable one (ours does), else the suite path and name.
import { CiError } from '../../../core/errors.js';
import type { TestStatus } from '../../../core/model/index.js';
import { capMessage } from './assemble.js';
import { readJsonDoc } from './json-doc.js';
import type { ReportParser } from './types.js';

const STATUS: Record<string, TestStatus> = { passed: 'passed', failed: 'failed', skipped: 'skipped', pending: 'skipped', other: 'errored' };
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface CtrfTest {
  testId?: string;
  name?: string;
  status?: string;
  rawStatus?: string;
  duration?: number;
  suite?: string[] | string;
  filePath?: string;
  line?: number;
  message?: string;
  retryAttempts?: Array<{ status?: string; duration?: number; message?: string }>;
}

export const parseCtrf: ReportParser = async (input, target, name) => {
  const doc = (await readJsonDoc(input, name, 'a CTRF JSON document')) as {
    results?: { tool?: { name?: string }; summary?: { start?: number; stop?: number; duration?: number }; tests?: CtrfTest[] };
  } | null;
  const tests = doc?.results?.tests;
  if (!Array.isArray(tests))
    throw new CiError('E_REPORT_MALFORMED', 'no results.tests array', {
      where: `${name}: /results/tests`,
      hint: 'a CTRF document has results.tests (ctrf.io)',
    });
  tests.forEach((t, i) => {
    const where = `${name}: /results/tests/${i}`;
    if (!t || typeof t.name !== 'string' || !t.name) throw new CiError('E_REPORT_MALFORMED', 'a test has no name', { where: `${where}/name` });
    // Our own CTRF keeps `errored` apart as rawStatus (CTRF has no error status).
    const status = t.status === 'failed' && t.rawStatus === 'errored' ? 'errored' : STATUS[String(t.status)];
    if (!status)
      throw new CiError('E_REPORT_MALFORMED', `unknown status ${JSON.stringify(t.status)}`, {
        where: `${where}/status`,
        hint: 'CTRF statuses: passed, failed, skipped, pending, other',
      });
    const suitePath = Array.isArray(t.suite) ? t.suite.filter((s) => typeof s === 'string' && s) : typeof t.suite === 'string' && t.suite ? [t.suite] : [];
    const suite = suitePath.length ? suitePath.join(' > ') : null;
    const stable = typeof t.testId === 'string' && t.testId && !UUID_RE.test(t.testId) ? t.testId : null;
    const scope = suite ?? t.filePath ?? null;
    target.add({
      id: stable ?? (scope ? `${scope}::${t.name}` : t.name),
      suite,
      classname: scope,
      name: t.name,
      status,
      duration_ms: typeof t.duration === 'number' ? t.duration : null,
      message: capMessage(t.message),
      file: t.filePath ?? null,
      line: typeof t.line === 'number' ? t.line : null,
      prior: (t.retryAttempts ?? []).map((a) => ({
        status: STATUS[String(a.status)] ?? 'failed',
        duration_ms: typeof a.duration === 'number' ? a.duration : null,
        message: capMessage(a.message),
      })),
    });
  });
  target.setRunner(doc!.results?.tool?.name ?? null);
  const s = doc!.results?.summary;
  target.setDuration(typeof s?.duration === 'number' ? s.duration : typeof s?.start === 'number' && typeof s?.stop === 'number' ? s.stop - s.start : null);
};
