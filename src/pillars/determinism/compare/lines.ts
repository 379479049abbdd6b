// Which lines changed between two texts: common head and tail trimmed, the middle aligned by a
// longest-common-subsequence when small enough (else line by line), changed runs paired up.
export interface LineChange {
  /** 1-based line in the first text (or where the second's line would be). */
  line: number;
  a?: string;
  b?: string;
}

/** Largest middle (lines of A × lines of B) aligned exactly; beyond it lines pair by position. */
const LCS_CELLS = 4_000_000;

export function changedLines(a: string[], b: string[]): LineChange[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const ma = a.slice(head, a.length - tail);
  const mb = b.slice(head, b.length - tail);
  const out: LineChange[] = [];
  const pairRun = (ra: string[], rb: string[], at: number) => {
    for (let i = 0; i < Math.max(ra.length, rb.length); i++) out.push({ line: at + Math.min(i, Math.max(ra.length - 1, 0)), a: ra[i], b: rb[i] });
  };
  if (ma.length * mb.length > LCS_CELLS || ma.length === 0 || mb.length === 0) {
    pairRun(ma, mb, head + 1);
    return out;
  }
  // LCS table over the middle (lengths of suffix matches), then walk it.
  const n = ma.length;
  const m = mb.length;
  const t = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      t[i * (m + 1) + j] = ma[i] === mb[j] ? t[(i + 1) * (m + 1) + j + 1]! + 1 : Math.max(t[(i + 1) * (m + 1) + j]!, t[i * (m + 1) + j + 1]!);
  let i = 0;
  let j = 0;
  let ra: string[] = [];
  let rb: string[] = [];
  let runStart = head + 1;
  const flush = () => {
    if (ra.length || rb.length) pairRun(ra, rb, runStart);
    ra = [];
    rb = [];
  };
  while (i < n || j < m) {
    if (i < n && j < m && ma[i] === mb[j]) {
      flush();
      i++;
      j++;
      runStart = head + i + 1;
    } else if (j >= m || (i < n && t[(i + 1) * (m + 1) + j]! >= t[i * (m + 1) + j + 1]!)) ra.push(ma[i++]!);
    else rb.push(mb[j++]!);
  }
  flush();
  return out;
}

/** Same lines, another order (hash-seeded output: sets, dict iteration)? */
export function sameLinesReordered(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort();
  const y = [...b].sort();
  return x.every((l, i) => l === y[i]);
}
