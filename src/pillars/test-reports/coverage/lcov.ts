// lcov tracefiles (geninfo(1) "TRACEFILE FORMAT"): SF, DA, BRDA, LF/LH, end_of_record.
import { splitLines } from '../../../core/lines.js';
import { CiError } from '../../../core/errors.js';
import { acc, finish, type CoverageReport, type FileAcc } from './types.js';

export async function parseLcov(input: AsyncIterable<Buffer>, name: string): Promise<CoverageReport> {
  const files = new Map<string, FileAcc>();
  let cur: FileAcc | null = null;
  for await (const l of splitLines(input, { maxLineBytes: 1024 * 1024 })) {
    if (!l.text) continue;
    const line = l.text.trim();
    const i = line.indexOf(':');
    const key = i < 0 ? line : line.slice(0, i);
    const val = i < 0 ? '' : line.slice(i + 1);
    switch (key) {
      case 'SF':
        cur = acc(files, val);
        break;
      case 'DA': {
        if (!cur)
          throw new CiError('E_REPORT_MALFORMED', 'DA before any SF record', { where: `${name}:${l.no}`, hint: 'an lcov record starts with SF:<file>' });
        const [ln, hits] = val.split(',');
        const n = Number(ln);
        if (Number.isInteger(n)) cur.line(n, Number(hits) || 0);
        break;
      }
      case 'BRDA': {
        if (!cur) break;
        const taken = val.split(',')[3];
        cur.branches.total++;
        if (taken !== undefined && taken !== '-' && Number(taken) > 0) cur.branches.covered++;
        break;
      }
      case 'end_of_record':
        cur = null;
        break;
      default:
        break;
    }
  }
  return finish('lcov', files);
}
