// mutation-testing-report-schema JSON: what StrykerJS, Stryker.NET and Stryker4s write (and PIT or
// others through their elements plugins). Validated with the official schema package; statuses are
// the schema's (Killed, Survived, NoCoverage, Timeout, CompileError, RuntimeError, Ignored, Pending).
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import { schema } from 'mutation-testing-report-schema';
import { CiError } from '../../../core/errors.js';
import { normalizePath } from '../identity.js';
import type { MutantRecord, MutationReport, ReportStatus, SourceFile } from '../model.js';
import { isObject, ptr } from './json.js';

const STATUS: Record<string, ReportStatus> = {
  Killed: 'killed',
  Survived: 'survived',
  NoCoverage: 'no_coverage',
  Timeout: 'timeout',
  CompileError: 'compile_error',
  RuntimeError: 'runtime_error',
  Ignored: 'ignored',
  Pending: 'pending',
};

/** An `Ignored` mutant whose reason says so is the report's own equivalent mark
 * (`// Stryker disable next-line all: equivalent ...`). */
export const EQUIVALENT_REASON = /\bequivalent\b/i;

let validator: ValidateFunction | null = null;
/**
 * The official schema, compiled once — with one change: `files.*.mutants` declares
 * `uniqueItems`, which Ajv checks by comparing every pair of mutants (O(n²): 13 s for a
 * 100,000-mutant report here). `duplicateMutant` enforces the same rule in one pass.
 */
function validate(): ValidateFunction {
  if (!validator) {
    const s = structuredClone(schema) as { properties: { files: { additionalProperties: { properties: { mutants: { uniqueItems?: boolean } } } } } };
    delete s.properties.files.additionalProperties.properties.mutants.uniqueItems;
    const ajv = new Ajv({ allErrors: true, strict: false });
    (ajvFormats as unknown as { default: (a: Ajv) => void }).default(ajv);
    validator = ajv.compile(s);
  }
  return validator;
}

/**
 * Index of the first mutant deep-equal to an earlier one (the schema's uniqueItems), or -1. Only
 * mutants sharing an id can be equal (id is required), so only those are compared.
 */
function duplicateMutant(mutants: Array<{ id?: unknown }>): number {
  const byId = new Map<unknown, number[]>();
  for (let i = 0; i < mutants.length; i++) {
    const same = byId.get(mutants[i]!.id);
    if (!same) {
      byId.set(mutants[i]!.id, [i]);
      continue;
    }
    const key = canonical(mutants[i]);
    if (same.some((j) => canonical(mutants[j]) === key)) return i;
    same.push(i);
  }
  return -1;
}

/** JSON with sorted keys, so key order does not hide equal objects. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

export function isStrykerReport(doc: unknown): boolean {
  return isObject(doc) && 'schemaVersion' in doc && isObject(doc.files);
}

function describe(errors: ErrorObject[]): string {
  return errors
    .slice(0, 5)
    .map(
      (e) =>
        `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.keyword === 'enum' ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})` : ''}`,
    )
    .join('; ');
}

export function parseStryker(doc: unknown, name: string): MutationReport {
  const v = validate();
  if (!v(doc)) {
    const errs = v.errors ?? [];
    throw new CiError('E_MUTATION_REPORT_INVALID', `not a valid mutation-testing report: ${describe(errs)}`, {
      where: `${name}: ${errs[0]?.instancePath || '/'}`,
      hint: 'the file must follow mutation-testing-report-schema (StrykerJS json reporter, Stryker.NET, Stryker4s)',
    });
  }
  const r = doc as {
    files: Record<string, { language: string; source: string; mutants: Array<Record<string, unknown>> }>;
    framework?: { name?: string; version?: string };
  };
  const files: Record<string, SourceFile> = {};
  const mutants: MutantRecord[] = [];
  for (const [rawName, f] of Object.entries(r.files)) {
    const dup = duplicateMutant(f.mutants);
    if (dup >= 0) {
      throw new CiError('E_MUTATION_REPORT_INVALID', 'not a valid mutation-testing report: must NOT have duplicate items (mutants must be unique)', {
        where: `${name}: /files/${ptr(rawName)}/mutants/${dup}`,
        hint: 'the file must follow mutation-testing-report-schema (StrykerJS json reporter, Stryker.NET, Stryker4s)',
      });
    }
    const file = normalizePath(rawName);
    files[file] = { source: f.source, language: f.language };
    for (let i = 0; i < f.mutants.length; i++) {
      const m = f.mutants[i]! as {
        id: string;
        mutatorName: string;
        replacement?: string;
        description?: string;
        status: string;
        statusReason?: string;
        location: { start: { line: number; column: number }; end: { line: number; column: number } };
        coveredBy?: string[];
        killedBy?: string[];
      };
      const status = STATUS[m.status];
      if (!status)
        throw new CiError('E_MUTATION_REPORT_INVALID', `unknown status ${m.status}`, { where: `${name}: /files/${ptr(rawName)}/mutants/${i}/status` });
      const reason = m.statusReason ?? null;
      mutants.push({
        id: m.id,
        fingerprint: '',
        file,
        mutator: m.mutatorName,
        replacement: m.replacement ?? null,
        description: m.description ?? null,
        status,
        statusReason: reason,
        // The parsed objects are ours (JSON.parse made them): reuse them, 100k copies add up.
        start: m.location.start,
        end: m.location.end,
        scope: null,
        coveredBy: m.coveredBy ? m.coveredBy.length : null,
        killedBy: m.killedBy ?? null,
        diff: null,
        // Always set (not spread in): one object shape for 100k records keeps property access fast.
        equivalentByReport: status === 'ignored' && reason !== null && EQUIVALENT_REASON.test(reason),
      });
    }
  }
  const fw = r.framework;
  return { format: 'stryker', tool: fw?.name ? `${fw.name}${fw.version ? ` ${fw.version}` : ''}` : null, files, mutants };
}
