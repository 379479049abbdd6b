// Commit lines as the commits API takes them (NDJSON, one commit per line):
//   {"sha": "<40 or 64 hex>", "parents": ["<sha>", ...], "authored_at": "RFC 3339", "committed_at": "RFC 3339"}
// Parents are required (an empty list only for a root commit): lead time needs exact ancestry.
// The line's shape is commit_line.schema.json (in the schema registry); a bad line is named by its
// first problem in field order.
import { payloadContract } from '../../../core/contract/payload.js';
import type { CommitInput } from '../../../core/runs/commits.js';

export interface CommitLineError {
  line: number;
  pointer: string;
  reason: string;
}

export const commitLineContract = payloadContract('commit_line', '1.0.0', new URL('./commit_line.schema.json', import.meta.url));

const TIME_REASON = 'must be an RFC 3339 date-time, e.g. 2026-05-01T12:00:00Z';

export function parseCommitLine(text: string, line: number, repo: string, source: string): CommitInput | CommitLineError {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { line, pointer: '', reason: 'not valid JSON' };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { line, pointer: '', reason: 'must be a JSON object' };
  const [first] = commitLineContract.check(v);
  if (first) return { line, ...first };
  const o = v as { sha: string; parents: string[]; authored_at?: string | null; committed_at?: string | null };
  // Not expressible in the schema (its pattern checks the shape only): a real date Date.parse reads.
  const time = (k: 'authored_at' | 'committed_at') => (o[k] == null ? null : Number.isFinite(Date.parse(o[k])) ? new Date(o[k]).toISOString() : undefined);
  const authored_at = time('authored_at');
  if (authored_at === undefined) return { line, pointer: '/authored_at', reason: TIME_REASON };
  const committed_at = time('committed_at');
  if (committed_at === undefined) return { line, pointer: '/committed_at', reason: TIME_REASON };
  return { repo, sha: o.sha.toLowerCase(), parents: o.parents.map((p) => p.toLowerCase()), authored_at, committed_at, source };
}
