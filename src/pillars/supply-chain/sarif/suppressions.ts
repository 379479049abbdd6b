// Suppressions of SARIF issues: each needs a reason and expires — at most 30 days after it was made
// (seed 000's "suppressions with a reason that expire after 30 days"), so an accepted risk is
// looked at again instead of hiding for ever. A file (YAML or JSON):
//   suppressions:
//     - id: 3f9a1c0d2b7e4a55     # the issue id `sarif report` prints
//       reason: bounded by the caller (see #412)
//       by: alice
//       created: 2026-12-01       # default: now
//       expires: 2026-12-20       # default and upper bound: created + 30 days
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { CiError } from '../../../core/errors.js';
import type { SarifIssue } from './dedup.js';

export const MAX_SUPPRESSION_DAYS = 30;
const DAY_MS = 86_400_000;

export interface Suppression {
  id: string;
  reason: string;
  by: string;
  created: Date;
  expires: Date;
}

function bad(file: string, pointer: string, msg: string): never {
  throw new CiError('E_SUPPRESSIONS_INVALID', `${file}: ${msg}`, {
    where: `${file}: ${pointer || '/'}`,
    hint: `each suppression needs id (the issue id \`ci-intel sarif report\` prints), reason, and an expiry at most ${MAX_SUPPRESSION_DAYS} days after it was created`,
  });
}

function date(v: unknown, file: string, pointer: string): Date | undefined {
  if (v === undefined || v === null) return undefined;
  const t = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(t)) bad(file, pointer, `${JSON.stringify(v)} is not a date (e.g. 2026-12-20)`);
  return new Date(t);
}

/** Parses a suppressions file; any bad entry fails the whole file, naming its JSON pointer. */
export function parseSuppressions(text: string, file: string, now: Date): Suppression[] {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 0 }) as unknown;
  } catch (e) {
    return bad(file, '', `not YAML or JSON: ${(e as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { suppressions?: unknown } | null)?.suppressions;
  if (!Array.isArray(list)) bad(file, '/suppressions', 'a list of suppressions is missing');
  const base = Array.isArray(doc) ? '' : '/suppressions';
  return list.map((e: unknown, i) => {
    const p = `${base}/${i}`;
    if (!e || typeof e !== 'object' || Array.isArray(e)) bad(file, p, 'a suppression must be a mapping');
    const o = e as Record<string, unknown>;
    if (typeof o.id !== 'string' || !/^[0-9a-f]{16}$/.test(o.id)) bad(file, `${p}/id`, 'an issue id: 16 hex digits');
    if (typeof o.reason !== 'string' || o.reason.trim().length < 3) bad(file, `${p}/reason`, 'a suppression needs a reason');
    const created = date(o.created, file, `${p}/created`) ?? now;
    const limit = new Date(created.getTime() + MAX_SUPPRESSION_DAYS * DAY_MS);
    const expires = date(o.expires, file, `${p}/expires`) ?? limit;
    if (expires.getTime() > limit.getTime())
      bad(
        file,
        `${p}/expires`,
        `expires ${expires.toISOString().slice(0, 10)}, more than ${MAX_SUPPRESSION_DAYS} days after ${created.toISOString().slice(0, 10)}`,
      );
    return { id: o.id, reason: o.reason.trim(), by: typeof o.by === 'string' ? o.by : '', created, expires };
  });
}

export const readSuppressions = (file: string, now: Date) => parseSuppressions(readFileSync(file, 'utf8'), file, now);

export type SuppressionState = { state: 'active'; s: Suppression } | { state: 'expired'; s: Suppression } | null;

/** The suppression that covers an issue (any of its keys), active ones before expired ones. */
export function suppressionOf(issue: SarifIssue, list: Suppression[], now: Date): SuppressionState {
  const mine = list.filter((s) => issue.keys.includes(s.id));
  const active = mine.find((s) => s.expires.getTime() > now.getTime());
  if (active) return { state: 'active', s: active };
  return mine.length ? { state: 'expired', s: mine[0]! } : null;
}
