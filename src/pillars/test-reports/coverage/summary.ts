// Istanbul json-summary (`coverage-summary.json`): per file and `total`, counts without line numbers.
import { CiError } from '../../../core/errors.js';
import { finish, FileAcc, type CoverageReport } from './types.js';

interface Counter {
  total?: number;
  covered?: number;
}

export async function parseIstanbulSummary(input: AsyncIterable<Buffer>, name: string): Promise<CoverageReport> {
  const parts: Buffer[] = [];
  for await (const c of input) parts.push(c);
  let doc: Record<string, Record<string, Counter>>;
  try {
    doc = JSON.parse(Buffer.concat(parts).toString('utf8'));
  } catch (e) {
    throw new CiError('E_REPORT_MALFORMED', `not valid JSON: ${(e as Error).message}`, { where: name });
  }
  const files = new Map<string, FileAcc>();
  for (const [file, m] of Object.entries(doc)) {
    if (file === 'total') continue;
    if (!m || typeof m !== 'object' || !m.lines)
      throw new CiError('E_REPORT_MALFORMED', 'entry has no lines counter', {
        where: `${name}: /${file.replace(/~/g, '~0').replace(/\//g, '~1')}`,
        hint: 'pass coverage-summary.json from istanbul/nyc/c8/jest --coverageReporters=json-summary',
      });
    const a = new FileAcc();
    const c = (x: Counter | undefined) => ({ covered: Number(x?.covered ?? 0), total: Number(x?.total ?? 0) });
    a.lines = c(m.lines);
    a.branches = c(m.branches);
    a.statements = c(m.statements);
    a.hasStatements = true;
    files.set(file, a);
  }
  return finish('istanbul-json-summary', files);
}
