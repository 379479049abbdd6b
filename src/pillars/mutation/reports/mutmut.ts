// mutmut 3: each mutated source file gets `mutants/<path>.meta`, JSON whose `exit_code_by_key` maps
// mutant keys (`pkg.x_func__mutmut_3`, methods `pkg.xǁClassǁmethod__mutmut_1`) to the test run's
// exit code; `mutmut results` prints `    <key>: <status>`. Statuses follow mutmut's own
// `status_by_exit_code` table (mutmut/__main__.py).
import { CiError } from '../../../core/errors.js';
import { normalizePath } from '../identity.js';
import type { MutantRecord, MutationReport, ReportStatus } from '../model.js';
import { isObject } from './json.js';

/** mutmut's status words → ours. */
const BY_NAME: Record<string, ReportStatus> = {
  killed: 'killed',
  survived: 'survived',
  'no tests': 'no_coverage',
  timeout: 'timeout',
  // The type checker rejected the mutant before tests ran (like StrykerJS's CompileError).
  'caught by type check': 'compile_error',
  // Tests passed, only slower: undetected.
  suspicious: 'survived',
  skipped: 'ignored',
  segfault: 'runtime_error',
  'check was interrupted by user': 'pending',
  'not checked': 'pending',
};

/** mutmut's `status_by_exit_code`. */
const BY_EXIT: Record<string, string> = {
  '1': 'killed',
  '3': 'killed',
  '0': 'survived',
  '5': 'no tests',
  '2': 'check was interrupted by user',
  null: 'not checked',
  '33': 'no tests',
  '34': 'skipped',
  '35': 'suspicious',
  '36': 'timeout',
  '37': 'caught by type check',
  '-24': 'timeout',
  '24': 'timeout',
  '152': 'timeout',
  '255': 'timeout',
  '-11': 'segfault',
  '-9': 'segfault',
};

const KEY = /^(.*?)__mutmut_(\d+)$/;

function mutant(key: string, status: ReportStatus, file: string, where: string): MutantRecord {
  const m = KEY.exec(key);
  if (!m) throw new CiError('E_MUTATION_REPORT_INVALID', `${JSON.stringify(key)} is not a mutmut mutant key (name__mutmut_N)`, { where });
  const fn = m[1]!.replace(/\u01c1/g, '.');
  return {
    id: key,
    fingerprint: '',
    file,
    mutator: 'mutmut',
    replacement: null,
    description: `mutant ${m[2]} of ${fn}`,
    status,
    statusReason: null,
    start: { line: 0, column: 0 },
    end: { line: 0, column: 0 },
    scope: m[1]!,
    coveredBy: null,
    killedBy: null,
    diff: null,
  };
}

function statusOfExit(code: unknown, where: string): ReportStatus {
  const word = BY_EXIT[String(code)];
  if (word) return BY_NAME[word]!;
  // Any other negative code is a signal that ended the test run (mutmut prints "killed by signal").
  if (typeof code === 'number' && Number.isInteger(code) && code < 0) return 'runtime_error';
  throw new CiError('E_MUTATION_REPORT_INVALID', `unknown mutmut exit code ${JSON.stringify(code)}`, { where });
}

/** `mutants/src/pkg/mod.py.meta` → `src/pkg/mod.py`. */
function metaToSource(p: string): string {
  return normalizePath(p)
    .replace(/^(?:.*\/)?mutants\//, '')
    .replace(/\.meta$/, '');
}

export function isMutmutJson(doc: unknown): boolean {
  if (!isObject(doc)) return false;
  if (isObject(doc.exit_code_by_key)) return true;
  const keys = Object.keys(doc);
  return keys.length > 0 && keys.every((k) => k.endsWith('.meta') && isObject(doc[k]));
}

/**
 * One `.meta` file (`{exit_code_by_key: ...}`, its path names the source) or several keyed by
 * their paths (`{"mutants/src/a.py.meta": {key: code}}`, as mutmut's own e2e snapshots and our
 * agent's directory reader combine them).
 */
export function parseMutmutJson(doc: Record<string, unknown>, name: string): MutationReport {
  const metas: Array<[string, Record<string, unknown>]> = isObject(doc.exit_code_by_key)
    ? [[name, doc.exit_code_by_key]]
    : Object.entries(doc).map(([k, v]) => [k, isObject(v) && isObject(v.exit_code_by_key) ? v.exit_code_by_key : (v as Record<string, unknown>)]);
  const mutants: MutantRecord[] = [];
  for (const [metaPath, codes] of metas) {
    const file = metaToSource(metaPath);
    for (const [key, code] of Object.entries(codes)) {
      mutants.push(mutant(key, statusOfExit(code, `${name}: ${metaPath} ${key}`), file, `${name}: ${metaPath}`));
    }
  }
  return { format: 'mutmut', tool: 'mutmut', files: {}, mutants };
}

const RESULT_LINE = /^\s*(\S+__mutmut_\d+):\s+(.+?)\s*$/;

export function isMutmutResults(text: string): boolean {
  return /^\s*\S+__mutmut_\d+:\s+\S/m.test(text.slice(0, 65536));
}

/** `mutmut results [--all true]` text: `    pkg.x_f__mutmut_1: survived`. The file is the module. */
export function parseMutmutResults(text: string, name: string): MutationReport {
  const mutants: MutantRecord[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = RESULT_LINE.exec(lines[i]!);
    if (!m) continue;
    const status = BY_NAME[m[2]!];
    if (!status) {
      throw new CiError('E_MUTATION_REPORT_INVALID', `unknown mutmut status ${JSON.stringify(m[2])}`, {
        where: `${name}:${i + 1}`,
        hint: `known: ${Object.keys(BY_NAME).join(', ')}`,
      });
    }
    const module = m[1]!.replace(/\.x[_\u01c1].*$/, '');
    mutants.push(mutant(m[1]!, status, module, `${name}:${i + 1}`));
  }
  if (mutants.length === 0)
    throw new CiError('E_MUTATION_REPORT_INVALID', 'no `key: status` lines in mutmut results output', {
      where: name,
      hint: 'run `mutmut results --all true` and save its output',
    });
  return { format: 'mutmut', tool: 'mutmut', files: {}, mutants };
}
