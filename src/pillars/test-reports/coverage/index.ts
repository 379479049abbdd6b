// parseCoverage: detect the format (or take --format), parse, and compute totals in percent
// (0–100, the gate scale of DESIGN.md) and diff coverage.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CiError } from '../../../core/errors.js';
import { parseGoCover } from './gocover.js';
import { parseLcov } from './lcov.js';
import { parseIstanbulSummary } from './summary.js';
import { COVERAGE_FORMATS, type CoverageFile, type CoverageFormat, type CoverageReport, type Metric } from './types.js';
import { parseCobertura, parseJacoco } from './xml.js';

export * from './types.js';

const PARSERS: Record<CoverageFormat, (i: AsyncIterable<Buffer>, n: string) => Promise<CoverageReport>> = {
  lcov: parseLcov,
  cobertura: parseCobertura,
  'istanbul-json-summary': parseIstanbulSummary,
  'go-coverprofile': parseGoCover,
  jacoco: parseJacoco,
};

const ALIASES: Record<string, CoverageFormat> = {
  lcov: 'lcov',
  info: 'lcov',
  cobertura: 'cobertura',
  'istanbul-json-summary': 'istanbul-json-summary',
  'json-summary': 'istanbul-json-summary',
  istanbul: 'istanbul-json-summary',
  'go-coverprofile': 'go-coverprofile',
  go: 'go-coverprofile',
  coverprofile: 'go-coverprofile',
  jacoco: 'jacoco',
};

export function normalizeCoverageFormat(f: string, where = '--format'): CoverageFormat {
  const v = ALIASES[f.toLowerCase()];
  if (!v) throw new CiError('E_USAGE', `unknown coverage format ${JSON.stringify(f)}`, { where, hint: `use one of ${COVERAGE_FORMATS.join(', ')}` });
  return v;
}

export function detectCoverageFormat(head: string): CoverageFormat | null {
  const t = head.replace(/^\uFEFF/, '').trimStart();
  if (t.startsWith('<')) {
    if (/<report[\s>]/.test(t) || /JACOCO/.test(t)) return 'jacoco';
    if (/<coverage[\s>]/.test(t)) return 'cobertura';
    return null;
  }
  if (t.startsWith('{')) return 'istanbul-json-summary';
  if (/^mode: (set|count|atomic)\s*$/m.test(t)) return 'go-coverprofile';
  if (/^(TN|SF):/m.test(t)) return 'lcov';
  return null;
}

async function readHead(file: string): Promise<{ stream: () => AsyncIterable<Buffer>; head: string }> {
  const open = () => {
    const s = createReadStream(file, { highWaterMark: 256 * 1024 });
    return s;
  };
  const first = await new Promise<Buffer>((resolve, reject) => {
    const s = createReadStream(file, { start: 0, end: 65535 });
    const parts: Buffer[] = [];
    s.on('data', (c) => parts.push(c as Buffer));
    s.on('end', () => resolve(Buffer.concat(parts)));
    s.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        new CiError('E_INPUT_UNREADABLE', `cannot read ${file}: ${e.code === 'EISDIR' ? 'it is a folder' : (e.code ?? e.message)}`, {
          where: file,
          hint: 'check the path and permissions',
        }),
      ),
    );
  });
  if (first[0] === 0x1f && first[1] === 0x8b) {
    const { gunzipSync } = await import('node:zlib');
    let head = '';
    try {
      head = gunzipSync(first, { finishFlush: 2 }).subarray(0, 65536).toString('utf8');
    } catch {
      head = '';
    }
    return { head, stream: () => open().pipe(createGunzip()) as unknown as AsyncIterable<Buffer> };
  }
  return { head: first.toString('utf8'), stream: () => open() as unknown as AsyncIterable<Buffer> };
}

export async function parseCoverageFile(file: string, format?: CoverageFormat): Promise<CoverageReport> {
  const { head, stream } = await readHead(file);
  if (!head.trim()) throw new CiError('E_REPORT_MALFORMED', 'the coverage report is empty', { where: file });
  const f = format ?? detectCoverageFormat(head);
  if (!f) throw new CiError('E_FORMAT_UNKNOWN', 'cannot tell the coverage format', { where: file, hint: `pass --format (${COVERAGE_FORMATS.join(', ')})` });
  return PARSERS[f](stream(), file);
}

export async function parseCoverageStream(input: Readable | AsyncIterable<Buffer>, name: string, format?: CoverageFormat): Promise<CoverageReport> {
  const chunks: Buffer[] = [];
  let len = 0;
  const it = (input as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let done = false;
  while (len < 65536) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    chunks.push(r.value);
    len += r.value.length;
  }
  const head = Buffer.concat(chunks);
  const f = format ?? detectCoverageFormat(head.toString('utf8'));
  if (!f) throw new CiError('E_FORMAT_UNKNOWN', 'cannot tell the coverage format', { where: name, hint: `pass ?format= (${COVERAGE_FORMATS.join(', ')})` });
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return PARSERS[f](all(), name);
}

/** Several reports (e.g. one per package or shard) as one: a line ran if it ran in any of them. */
export function mergeCoverage(reports: CoverageReport[]): CoverageReport {
  if (reports.length === 1) return reports[0]!;
  const byFile = new Map<string, CoverageFile>();
  for (const r of reports) {
    for (const f of r.files) {
      const cur = byFile.get(f.file);
      if (!cur) {
        byFile.set(f.file, structuredClone(f));
        continue;
      }
      const max = (a: { covered: number; total: number }, b: { covered: number; total: number }) => ({
        covered: Math.max(a.covered, b.covered),
        total: Math.max(a.total, b.total),
      });
      cur.branches = max(cur.branches, f.branches);
      cur.statements = max(cur.statements, f.statements);
      if (cur.hit_lines && f.hit_lines && cur.missed_lines && f.missed_lines) {
        const hit = new Set([...cur.hit_lines, ...f.hit_lines]);
        const all = new Set([...hit, ...cur.missed_lines, ...f.missed_lines]);
        cur.hit_lines = [...hit].sort((a, b) => a - b);
        cur.missed_lines = [...all].filter((n) => !hit.has(n)).sort((a, b) => a - b);
        cur.lines = { covered: hit.size, total: all.size };
      } else cur.lines = max(cur.lines, f.lines);
    }
  }
  const formats = [...new Set(reports.map((r) => r.format))].sort();
  return { format: formats.join('+'), files: [...byFile.values()].sort((a, b) => (a.file < b.file ? -1 : 1)) };
}

export interface CoverageTotals {
  lines: number | null;
  branches: number | null;
  statements: number | null;
  counts: Record<Metric, { covered: number; total: number }>;
}

/** Percentages 0–100; null where the report has nothing of that kind (no data is not zero). */
export function totals(files: CoverageFile[]): CoverageTotals {
  const sum = (m: Metric) => files.reduce((s, f) => ({ covered: s.covered + f[m].covered, total: s.total + f[m].total }), { covered: 0, total: 0 });
  const counts = { lines: sum('lines'), branches: sum('branches'), statements: sum('statements') };
  const pct = (c: { covered: number; total: number }) => (c.total ? (100 * c.covered) / c.total : null);
  return { lines: pct(counts.lines), branches: pct(counts.branches), statements: pct(counts.statements), counts };
}

/** Does a coverage path name the same file as a repository path? (absolute paths, go module prefixes) */
export function samePath(coveragePath: string, repoPath: string): boolean {
  const a = coveragePath.replace(/\\/g, '/').replace(/^\.\//, '');
  const b = repoPath.replace(/\\/g, '/').replace(/^\.\//, '');
  return a === b || a.endsWith('/' + b) || b.endsWith('/' + a);
}
