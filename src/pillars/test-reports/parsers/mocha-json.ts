// mocha `--reporter json`: {stats, tests, pending, failures, passes}. `tests` lists every test once
// with its final outcome; a test is pending when `pending` lists it (by file and full title), failed
// when its `err` is not empty. A failure is `failed` when it is an assertion (AssertionError, an
// expectation library's error, or an error with actual/expected) and `errored` when the test threw
// anything else (JUnit's failure/error split). `currentRetry` N: mocha retried it N times after
// failures (`this.retries`), recorded as earlier failed attempts. Test id: `<file>::<fullTitle>`.
import { CiError } from '../../../core/errors.js';
import type { TestStatus } from '../../../core/model/index.js';
import { capMessage } from './assemble.js';
import { isObject, num, plain, readJsonDoc, str } from './json-doc.js';
import type { ReportParser } from './types.js';

const ASSERTION = /assert|expect|unexpected|chai|should/i;

export function isAssertion(err: Record<string, unknown>): boolean {
  if (err.code === 'ERR_ASSERTION') return true;
  if ('actual' in err && 'expected' in err) return true;
  const name = str(err.name) ?? /^(\w+):/.exec(str(err.stack) ?? '')?.[1] ?? '';
  return ASSERTION.test(name);
}

export const parseMochaJson: ReportParser = async (input, target, name) => {
  const doc = await readJsonDoc(input, name, 'the output of mocha --reporter json');
  if (!isObject(doc) || !isObject(doc.stats) || !Array.isArray(doc.tests))
    throw new CiError('E_REPORT_MALFORMED', 'not a mocha JSON report: no stats object and tests array', {
      where: `${name}: /tests`,
      hint: 'pass the output of mocha --reporter json',
    });
  const key = (t: Record<string, unknown>) => `${str(t.file) ?? ''}\u0000${str(t.fullTitle) ?? ''}`;
  const pending = new Set((Array.isArray(doc.pending) ? doc.pending : []).filter(isObject).map(key));
  doc.tests.forEach((t, i) => {
    if (!isObject(t) || typeof t.fullTitle !== 'string')
      throw new CiError('E_REPORT_MALFORMED', 'a test has no fullTitle', {
        where: `${name}: /tests/${i}/fullTitle`,
        hint: 'pass the output of mocha --reporter json',
      });
    const err = isObject(t.err) && Object.keys(t.err).length ? t.err : null;
    let status: TestStatus = 'passed';
    if (err) status = isAssertion(err) ? 'failed' : 'errored';
    else if (pending.has(key(t)) || t.pending === true) status = 'skipped';
    const file = str(t.file);
    const title = str(t.title) ?? t.fullTitle;
    const suite = t.fullTitle.endsWith(title) ? t.fullTitle.slice(0, t.fullTitle.length - title.length).trim() || null : null;
    const message = err ? capMessage(plain([str(err.message), str(err.stack)].filter(Boolean).join('\n'))) : null;
    const retries = num(t.currentRetry) ?? 0;
    target.add({
      id: file ? `${file}::${t.fullTitle}` : t.fullTitle,
      suite,
      classname: file ?? suite,
      name: t.fullTitle,
      status,
      duration_ms: num(t.duration),
      message,
      file,
      prior: retries > 0 ? Array.from({ length: retries }, () => ({ status: 'failed' as const, duration_ms: null, message: null })) : undefined,
    });
  });
  target.setRunner('mocha');
  target.setDuration(num(doc.stats.duration));
};
