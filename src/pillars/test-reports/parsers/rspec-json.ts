// RSpec `--format json`: {version, examples: [{id, description, full_description, status,
// file_path, line_number, run_time, pending_message, exception}], summary}. pending → skipped; a
// failed example whose exception is an expectation (RSpec::Expectations / RSpec::Mocks) → failed,
// any other exception → errored (JUnit's failure/error split). rspec-retry's `--format json` writes
// only the final attempt. Test id: `<file_path>::<full_description>` (RSpec's own `id` is positional,
// `./spec/a_spec.rb[1:2]`, and moves when an example is added above).
import { CiError } from '../../../core/errors.js';
import type { TestStatus } from '../../../core/model/index.js';
import { capMessage, ms } from './assemble.js';
import { isObject, num, plain, readJsonDoc, str } from './json-doc.js';
import type { ReportParser } from './types.js';

const STATUS: Record<string, TestStatus> = { passed: 'passed', failed: 'failed', pending: 'skipped' };

export const parseRspecJson: ReportParser = async (input, target, name) => {
  const doc = await readJsonDoc(input, name, 'the output of rspec --format json');
  if (!isObject(doc) || !Array.isArray(doc.examples))
    throw new CiError('E_REPORT_MALFORMED', 'not an RSpec JSON report: no examples array', {
      where: `${name}: /examples`,
      hint: 'pass the output of rspec --format json',
    });
  doc.examples.forEach((e, i) => {
    const where = `${name}: /examples/${i}`;
    if (!isObject(e) || typeof e.full_description !== 'string')
      throw new CiError('E_REPORT_MALFORMED', 'an example has no full_description', { where: `${where}/full_description` });
    let status = STATUS[String(e.status)];
    if (!status)
      throw new CiError('E_REPORT_MALFORMED', `unknown status ${JSON.stringify(e.status)}`, {
        where: `${where}/status`,
        hint: 'RSpec statuses: passed, failed, pending',
      });
    const ex = isObject(e.exception) ? e.exception : null;
    if (status === 'failed' && ex && !/^RSpec::(Expectations|Mocks)::/.test(str(ex.class) ?? '')) status = 'errored';
    const file = str(e.file_path);
    const desc = str(e.description) ?? e.full_description;
    const group = e.full_description.endsWith(desc) ? e.full_description.slice(0, e.full_description.length - desc.length).trim() || null : null;
    const message = ex ? [str(ex.class), str(ex.message)].filter(Boolean).join(': ') : str(e.pending_message);
    target.add({
      id: file ? `${file}::${e.full_description}` : e.full_description,
      suite: group,
      classname: file ?? group,
      name: e.full_description,
      status,
      duration_ms: num(e.run_time) === null ? null : ms(num(e.run_time)!),
      message: capMessage(plain(message)),
      file,
      line: num(e.line_number),
    });
  });
  target.setRunner('rspec');
  const d = isObject(doc.summary) ? num(doc.summary.duration) : null;
  target.setDuration(d === null ? null : ms(d));
};
