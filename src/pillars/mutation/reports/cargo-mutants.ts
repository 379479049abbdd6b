// cargo-mutants' mutants.out/outcomes.json: `outcomes` holds the Baseline scenario and one
// `{"scenario": {"Mutant": {...}}, "summary": ...}` per mutant. Outcomes per the cargo-mutants book
// ("Using the results"): caught, missed, unviable (does not build), timeout.
import { CiError } from '../../../core/errors.js';
import { normalizePath } from '../identity.js';
import type { MutantRecord, MutationReport, ReportStatus } from '../model.js';
import { isObject } from './json.js';

const STATUS: Record<string, ReportStatus> = {
  CaughtMutant: 'killed',
  MissedMutant: 'survived',
  Timeout: 'timeout',
  Unviable: 'compile_error',
  // A mutant scenario whose build or test step failed in an unexpected way.
  Failure: 'runtime_error',
};

export function isCargoMutants(doc: unknown): boolean {
  return isObject(doc) && Array.isArray(doc.outcomes);
}

interface Span {
  start?: { line?: number; column?: number };
  end?: { line?: number; column?: number };
}

export function parseCargoMutants(doc: Record<string, unknown>, name: string): MutationReport {
  const outcomes = doc.outcomes as unknown[];
  const mutants: MutantRecord[] = [];
  outcomes.forEach((o, i) => {
    if (!isObject(o)) throw new CiError('E_MUTATION_REPORT_INVALID', 'an outcome is not an object', { where: `${name}: /outcomes/${i}` });
    const sc = o.scenario;
    if (!isObject(sc) || !isObject(sc.Mutant)) return; // Baseline
    const m = sc.Mutant as Record<string, unknown>;
    const summary = String(o.summary ?? '');
    const status = STATUS[summary];
    if (!status) {
      throw new CiError('E_MUTATION_REPORT_INVALID', `unknown outcome summary ${JSON.stringify(summary)}`, {
        where: `${name}: /outcomes/${i}/summary`,
        hint: `known: ${Object.keys(STATUS).join(', ')}`,
      });
    }
    if (typeof m.file !== 'string')
      throw new CiError('E_MUTATION_REPORT_INVALID', 'a mutant lacks its file', { where: `${name}: /outcomes/${i}/scenario/Mutant/file` });
    const span = (isObject(m.span) ? m.span : {}) as Span;
    const line = span.start?.line ?? (typeof m.line === 'number' ? m.line : 0);
    // cargo-mutants 23.x wrote `function` as a string; later versions as {function_name, return_type, span}.
    const fn = isObject(m.function) ? String(m.function.function_name ?? '') : typeof m.function === 'string' ? m.function : '';
    const ret = isObject(m.function) ? String(m.function.return_type ?? '') : typeof m.return_type === 'string' ? m.return_type : '';
    const replacement = typeof m.replacement === 'string' ? m.replacement : null;
    const genre = typeof m.genre === 'string' ? m.genre : 'mutant';
    const description =
      typeof m.name === 'string'
        ? m.name.replace(/^[^:]+:\d+:\d+: /, '')
        : genre === 'FnValue'
          ? `replace ${fn}${ret ? ` ${ret}` : ''} with ${replacement}`
          : `replace with ${replacement} in ${fn}`;
    mutants.push({
      id: `${m.file}:${line}:${span.start?.column ?? 0}:${i}`,
      fingerprint: '',
      file: normalizePath(m.file),
      mutator: genre,
      replacement,
      description,
      status,
      statusReason: null,
      start: { line, column: span.start?.column ?? 0 },
      end: { line: span.end?.line ?? line, column: span.end?.column ?? 0 },
      scope: `${typeof m.package === 'string' ? m.package : ''}::${fn}${ret}`,
      coveredBy: null,
      killedBy: null,
      diff: null,
    });
  });
  return { format: 'cargo-mutants', tool: 'cargo-mutants', files: {}, mutants };
}
