// go-mutesting (zimmski, avito-tech fork): its console output — one `PASS|FAIL|SKIP "<tmp copy>.N"
// with checksum <md5>` line per mutant, a survivor's diff printed just before its FAIL line, and
// `The mutation score is ...` — and the avito fork's report.json ({stats, escaped, timeouted,
// killed, errored}). PASS means the tests failed (killed); FAIL means they passed (survived);
// SKIP is exit code 2, "other problems e.g. compilation errors" (README "exec commands").
import { CiError } from '../../../core/errors.js';
import { normalizePath } from '../identity.js';
import type { MutantRecord, MutationReport, ReportStatus } from '../model.js';
import { isObject } from './json.js';

const STATUS: Record<string, ReportStatus> = { PASS: 'killed', FAIL: 'survived', SKIP: 'compile_error', UNKNOWN: 'runtime_error' };
const LINE = /^(PASS|FAIL|SKIP|UNKNOWN)\s+"(.+)"\s+with checksum\s+([0-9a-f]+)\s*$/;
const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

export interface GoOptions {
  /** Project root: absolute paths under it become relative. */
  root?: string;
}

/** `/tmp/go-mutesting-123//home/u/proj/pkg/a.go.3` → `{file: /home/u/proj/pkg/a.go, index: 3}`. */
function mutantPath(raw: string, opts: GoOptions): { file: string; index: string } {
  let p = raw.replace(/^.*?go-mutesting-\d+\/+/, '/');
  const m = /^(.*\.go)\.(\d+)$/.exec(p);
  const index = m ? m[2]! : '0';
  p = m ? m[1]! : p;
  if (opts.root) {
    const root = normalizePath(opts.root).replace(/\/$/, '') + '/';
    if (p.startsWith(root)) p = p.slice(root.length);
  }
  return { file: normalizePath(p.startsWith('/') && !opts.root ? p : p.replace(/^\//, '')), index };
}

/** The first changed line of a unified diff, in the original's numbering, and its -/+ lines. */
function diffFacts(diff: string): { line: number; changed: string } {
  let line = 0;
  let orig = 0;
  const changed: string[] = [];
  for (const l of diff.split('\n')) {
    const h = HUNK.exec(l);
    if (h) {
      orig = Number(h[1]);
      continue;
    }
    if (l.startsWith('---') || l.startsWith('+++') || orig === 0) continue;
    if (l.startsWith('-') || l.startsWith('+')) {
      if (!line) line = orig;
      changed.push(l[0] + l.slice(1).replace(/\s+/g, ' ').trim());
      if (l.startsWith('-')) orig++;
    } else orig++;
  }
  return { line, changed: changed.join('\n') };
}

function record(status: ReportStatus, file: string, id: string, diff: string | null, mutator: string, startLine?: number): MutantRecord {
  const facts = diff ? diffFacts(diff) : { line: 0, changed: '' };
  const line = startLine ?? facts.line;
  return {
    id,
    fingerprint: '',
    file,
    mutator,
    replacement: null,
    description: facts.changed || null,
    status,
    statusReason: null,
    start: { line, column: 0 },
    end: { line, column: 0 },
    scope: facts.changed ? null : id,
    coveredBy: null,
    killedBy: null,
    diff,
  };
}

export function isGoMutestingText(text: string): boolean {
  return /^(PASS|FAIL|SKIP)\s+".+"\s+with checksum/m.test(text.slice(0, 65536));
}

export function parseGoMutestingText(text: string, name: string, opts: GoOptions = {}): MutationReport {
  const mutants: MutantRecord[] = [];
  let diff: string[] = [];
  const lines = text.split(/\r?\n/);
  for (const l of lines) {
    const m = LINE.exec(l);
    if (m) {
      const { file, index } = mutantPath(m[2]!, opts);
      const d = m[1] === 'FAIL' && diff.length ? diff.join('\n') : null;
      mutants.push(record(STATUS[m[1]!]!, file, `${file}.${index}`, d, 'go-mutesting'));
      diff = [];
    } else if (l.startsWith('--- ') || diff.length) {
      if (/^The mutation score is /.test(l)) diff = [];
      else diff.push(l);
    }
  }
  if (mutants.length === 0)
    throw new CiError('E_MUTATION_REPORT_INVALID', 'no PASS/FAIL/SKIP lines in go-mutesting output', {
      where: name,
      hint: 'save the full console output of go-mutesting',
    });
  return { format: 'go-mutesting', tool: 'go-mutesting', files: {}, mutants };
}

export function isGoMutestingJson(doc: unknown): boolean {
  return isObject(doc) && isObject(doc.stats) && ['escaped', 'killed', 'timeouted', 'errored'].some((k) => k in doc);
}

/** The avito fork's report.json (internal/models/report.go). */
export function parseGoMutestingJson(doc: Record<string, unknown>, name: string, opts: GoOptions = {}): MutationReport {
  const groups: Array<[string, ReportStatus]> = [
    ['killed', 'killed'],
    ['escaped', 'survived'],
    ['timeouted', 'timeout'],
    ['errored', 'runtime_error'],
  ];
  const mutants: MutantRecord[] = [];
  for (const [key, status] of groups) {
    const list = doc[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw new CiError('E_MUTATION_REPORT_INVALID', `${key} must be an array`, { where: `${name}: /${key}` });
    list.forEach((m, i) => {
      const mut = isObject(m) && isObject(m.mutator) ? m.mutator : null;
      if (!mut || typeof mut.originalFilePath !== 'string') {
        throw new CiError('E_MUTATION_REPORT_INVALID', 'a mutant lacks mutator.originalFilePath', { where: `${name}: /${key}/${i}` });
      }
      const { file } = mutantPath(mut.originalFilePath, opts);
      const diff = isObject(m) && typeof m.diff === 'string' && m.diff ? m.diff : null;
      const line = typeof mut.originalStartLine === 'number' ? mut.originalStartLine : undefined;
      mutants.push(record(status, file, `${file}#${key}-${i}`, diff, typeof mut.mutatorName === 'string' ? mut.mutatorName : 'go-mutesting', line));
    });
  }
  return { format: 'go-mutesting', tool: 'go-mutesting', files: {}, mutants };
}
