// The explicit equivalent state (issue 6 "Compare two reports"): the official schema has none, so
// equivalence marks live in a suppression file — fingerprint → who, why, until when — that gates
// can rely on to reach 100%. The report's own marks (an Ignored mutant whose reason says
// "equivalent", e.g. `// Stryker disable next-line all: equivalent ...`) are honoured too.
//
// mutation-suppressions.yml:
//   equivalents:
//     - fingerprint: 3f2a9c01d4e5b6a7
//       reason: Math.min/max order cannot matter when lo <= hi
//       by: alice
//       expires: 2026-12-31
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { CiError } from '../../core/errors.js';
import type { MutantRecord, MutationReport } from './model.js';
import { isObject } from './reports/json.js';

export interface Suppression {
  fingerprint: string;
  reason: string;
  by: string;
  /** ISO date or date-time; a date-only value is valid through that whole day (UTC). */
  expires: string;
  /** Optional, for the reader: where the mutant was when it was marked. */
  file?: string;
  mutator?: string;
}

export const DEFAULT_SUPPRESSIONS_FILE = '.ci-intel/mutation-suppressions.yml';

const FP = /^[0-9a-f]{16}(-\d+)?$/;

/** The instant a suppression stops applying. */
export function expiryInstant(expires: string): Date | null {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(expires);
  const d = new Date(dateOnly ? `${expires}T00:00:00Z` : expires);
  if (Number.isNaN(d.getTime())) return null;
  if (dateOnly) d.setUTCDate(d.getUTCDate() + 1);
  return d;
}

/** Validates parsed suppression entries; `where` names the file. */
export function checkSuppressions(doc: unknown, where: string): Suppression[] {
  const list = Array.isArray(doc) ? doc : isObject(doc) ? (doc.equivalents ?? []) : doc === null || doc === undefined ? [] : null;
  if (!Array.isArray(list)) {
    throw new CiError('E_SUPPRESSIONS_INVALID', 'expected a mapping with an `equivalents:` list', { where, hint: 'see `ci-intel mutation suppress --help`' });
  }
  const out: Suppression[] = [];
  const seen = new Set<string>();
  list.forEach((e, i) => {
    const at = `${where}: /equivalents/${i}`;
    if (!isObject(e)) throw new CiError('E_SUPPRESSIONS_INVALID', 'each entry must be a mapping', { where: at });
    for (const k of ['fingerprint', 'reason', 'by', 'expires'] as const) {
      const v = e[k] instanceof Date ? (e[k] as Date).toISOString().slice(0, 10) : e[k];
      if (typeof v !== 'string' || !v.trim()) {
        throw new CiError('E_SUPPRESSIONS_INVALID', `missing ${k}`, {
          where: `${at}/${k}`,
          hint: 'every mark needs fingerprint, reason (why it is equivalent), by (who decided) and expires (when to look again)',
        });
      }
      e[k] = v.trim();
    }
    const s = e as unknown as Suppression;
    if (!FP.test(s.fingerprint))
      throw new CiError('E_SUPPRESSIONS_INVALID', `fingerprint ${JSON.stringify(s.fingerprint)} is not a mutant fingerprint (16 hex digits)`, {
        where: `${at}/fingerprint`,
        hint: 'copy it from `ci-intel mutation report --json` (survivors[].fingerprint)',
      });
    if (!expiryInstant(s.expires))
      throw new CiError('E_SUPPRESSIONS_INVALID', `expires ${JSON.stringify(s.expires)} is not a date`, { where: `${at}/expires`, hint: 'use YYYY-MM-DD' });
    if (seen.has(s.fingerprint)) throw new CiError('E_SUPPRESSIONS_INVALID', `fingerprint ${s.fingerprint} is listed twice`, { where: `${at}/fingerprint` });
    seen.add(s.fingerprint);
    out.push({
      fingerprint: s.fingerprint,
      reason: s.reason,
      by: s.by,
      expires: s.expires,
      ...(typeof e.file === 'string' ? { file: e.file } : {}),
      ...(typeof e.mutator === 'string' ? { mutator: e.mutator } : {}),
    });
  });
  return out;
}

export function parseSuppressions(text: string, where: string): Suppression[] {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new CiError('E_SUPPRESSIONS_INVALID', `invalid YAML: ${(e as Error).message}`, { where });
  }
  return checkSuppressions(doc, where);
}

/** Reads the file; a missing default file is no suppressions, a missing explicit one an error. */
export function loadSuppressions(file: string, explicit: boolean): Suppression[] {
  if (!existsSync(file)) {
    if (explicit) throw new CiError('E_INPUT_UNREADABLE', `cannot read ${file}`, { where: file, hint: 'check --suppressions' });
    return [];
  }
  return parseSuppressions(readFileSync(file, 'utf8'), file);
}

export interface EquivalenceOutcome {
  /** Marks applied: the mutant now counts as equivalent. */
  applied: Array<{ fingerprint: string; file: string; source: 'report' | 'suppression'; reason: string; by: string | null; expires: string | null }>;
  /** Past their expiry: the mutant counts as the report says until someone renews the mark. */
  expired: Suppression[];
  /** No mutant with this fingerprint in the report (code changed or deleted). */
  stale: Suppression[];
  /** Marked equivalent but a test killed it: the mark is wrong and is not applied. */
  contradicted: Array<Suppression & { status: string }>;
}

/**
 * Applies equivalence marks in place: suppressed survivors / no-coverage mutants become
 * `equivalent`. Report-marked ones stay Ignored (already outside the score, see score.ts) and are
 * listed as applied. `now` is the clock (never Date.now in analysis).
 */
export function applyEquivalence(report: MutationReport, suppressions: Suppression[], now: Date): EquivalenceOutcome {
  const out: EquivalenceOutcome = { applied: [], expired: [], stale: [], contradicted: [] };
  const live = new Map<string, Suppression>();
  for (const s of suppressions) {
    if (expiryInstant(s.expires)!.getTime() <= now.getTime()) out.expired.push(s);
    else live.set(s.fingerprint, s);
  }
  const found = new Set<string>();
  for (const m of report.mutants as MutantRecord[]) {
    const s = live.get(m.fingerprint);
    if (s) found.add(m.fingerprint);
    if (m.status === 'ignored' && m.equivalentByReport) {
      out.applied.push({ fingerprint: m.fingerprint, file: m.file, source: 'report', reason: m.statusReason ?? 'equivalent', by: null, expires: null });
    } else if (s && (m.status === 'survived' || m.status === 'no_coverage')) {
      m.status = 'equivalent';
      out.applied.push({ fingerprint: m.fingerprint, file: m.file, source: 'suppression', reason: s.reason, by: s.by, expires: s.expires });
    } else if (s && (m.status === 'killed' || m.status === 'timeout')) {
      out.contradicted.push({ ...s, status: m.status });
    }
  }
  for (const s of live.values()) if (!found.has(s.fingerprint)) out.stale.push(s);
  return out;
}
