// Commit lines as the commits API takes them (NDJSON, one commit per line):
//   {"sha": "<40 or 64 hex>", "parents": ["<sha>", ...], "authored_at": "RFC 3339", "committed_at": "RFC 3339"}
// Parents are required (an empty list only for a root commit): lead time needs exact ancestry.
import type { CommitInput } from '../../../core/runs/commits.js';
import { obj, sha } from '../model.js';

export interface CommitLineError {
  line: number;
  pointer: string;
  reason: string;
}

function timeField(o: Record<string, unknown>, k: string, line: number): { value: string | null } | CommitLineError {
  const v = o[k];
  if (v === undefined || v === null) return { value: null };
  if (typeof v !== 'string' || !Number.isFinite(Date.parse(v)) || !/^\d{4}-\d{2}-\d{2}T/.test(v)) {
    return { line, pointer: `/${k}`, reason: 'must be an RFC 3339 date-time, e.g. 2026-05-01T12:00:00Z' };
  }
  return { value: new Date(v).toISOString() };
}

export function parseCommitLine(text: string, line: number, repo: string, source: string): CommitInput | CommitLineError {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { line, pointer: '', reason: 'not valid JSON' };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { line, pointer: '', reason: 'must be a JSON object' };
  const o = obj(v);
  const id = sha(o.sha);
  if (!id) return { line, pointer: '/sha', reason: 'must be a full commit SHA (40 or 64 hex digits)' };
  if (!Array.isArray(o.parents)) return { line, pointer: '/parents', reason: 'is required: an array of parent SHAs ([] for a root commit)' };
  const parents: string[] = [];
  for (const [i, p] of o.parents.entries()) {
    const ps = sha(p);
    if (!ps) return { line, pointer: `/parents/${i}`, reason: 'must be a full commit SHA' };
    parents.push(ps);
  }
  const a = timeField(o, 'authored_at', line);
  if ('reason' in a) return a;
  const c = timeField(o, 'committed_at', line);
  if ('reason' in c) return c;
  return { repo, sha: id, parents, authored_at: a.value, committed_at: c.value, source };
}
