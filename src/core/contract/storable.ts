// What the JSON Schema cannot say about a record but the store needs: PostgreSQL text holds no
// NUL character, and an integer column holds only so much. Such a line is refused on its own
// (400 for that line, with its JSON pointer); the other lines of its batch are stored.
import type { ContractIssue } from './index.js';

const INT4_MAX = 2_147_483_647;
/** Record fields stored in 4-byte integer columns (the rest of the integers go to int8). */
const INT4_FIELDS = [
  /^\/pr$/,
  /^\/rollout_step$/,
  /^\/jobs\/\d+\/attempt$/,
  /^\/tests\/(total|failed|skipped)$/,
  /^\/tests\/resilience\/(mutants_total|killed|equiv|timeout)$/,
  /^\/chaos\/\d+\/retries$/,
];

const escape = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

export function storableIssues(value: unknown): ContractIssue[] {
  const issues: ContractIssue[] = [];
  const walk = (v: unknown, pointer: string) => {
    if (issues.length >= 10) return;
    if (typeof v === 'string') {
      if (v.includes('\u0000'))
        issues.push({ pointer, reason: 'contains a NUL character (\\u0000), which cannot be stored: remove it', code: 'E_VALUE_UNSTORABLE' });
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) issues.push({ pointer, reason: 'is too large to be a number the store can hold', code: 'E_VALUE_UNSTORABLE' });
      else if (Number.isInteger(v) && INT4_FIELDS.some((re) => re.test(pointer)) && Math.abs(v) > INT4_MAX) {
        issues.push({ pointer, reason: `${v} is out of range (at most ${INT4_MAX})`, code: 'E_VALUE_UNSTORABLE' });
      } else if (Number.isInteger(v) && Math.abs(v) > Number.MAX_SAFE_INTEGER) {
        issues.push({ pointer, reason: `${v} is out of range (at most ${Number.MAX_SAFE_INTEGER})`, code: 'E_VALUE_UNSTORABLE' });
      }
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${pointer}/${i}`));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k.includes('\u0000'))
          issues.push({
            pointer: `${pointer}/${escape(k)}`,
            reason: 'the key contains a NUL character (\\u0000), which cannot be stored: remove it',
            code: 'E_VALUE_UNSTORABLE',
          });
        walk(x, `${pointer}/${escape(k)}`);
      }
    }
  };
  walk(value, '');
  return issues;
}
