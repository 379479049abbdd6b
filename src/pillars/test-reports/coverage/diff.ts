// Diff coverage: of the lines a change added or modified (from `git diff` against a base ref), how
// many that the coverage report counts as executable ran (seed 000 "diff coverage + test-impact").
import { execFileSync } from 'node:child_process';
import { CiError } from '../../../core/errors.js';
import { samePath } from './index.js';
import type { CoverageReport } from './types.js';

/** New-side line numbers per file from a unified diff (`git diff -U0`). */
export function changedLines(diff: string): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  let file: string | null = null;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++ ')) {
      const p = line.slice(4).trim();
      file = p === '/dev/null' ? null : p.replace(/^b\//, '');
      if (file && !out.has(file)) out.set(file, new Set());
      continue;
    }
    const h = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (h && file) {
      const start = Number(h[1]);
      const count = h[2] === undefined ? 1 : Number(h[2]);
      const set = out.get(file)!;
      for (let n = start; n < start + count; n++) set.add(n);
    }
  }
  for (const [f, s] of out) if (s.size === 0) out.delete(f);
  return out;
}

/** Runs `git diff -U0 <base>...HEAD` in `cwd` (the change since it left the base branch). */
export function gitChangedLines(base: string, cwd = process.cwd()): Map<string, Set<number>> {
  if (!/^[\w./@^~{}-]+$/.test(base) || base.startsWith('-'))
    throw new CiError('E_USAGE', `--diff-base ${JSON.stringify(base)} is not a git ref`, { where: '--diff-base' });
  let text: string;
  try {
    text = execFileSync('git', ['diff', '--no-color', '--no-ext-diff', '-U0', `${base}...HEAD`], {
      cwd,
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    const msg = String((e as { stderr?: string }).stderr ?? (e as Error).message)
      .trim()
      .split('\n')[0];
    throw new CiError('E_INPUT_UNREADABLE', `git diff against ${base} failed: ${msg}`, {
      where: '--diff-base',
      hint: 'run inside the repository and fetch the base ref (e.g. git fetch origin main, --diff-base origin/main)',
    });
  }
  return changedLines(text);
}

export interface DiffCoverage {
  /** Changed lines the report counts as executable. */
  total: number;
  covered: number;
  /** Percent 0–100; null when no changed line is executable (no data is not zero). */
  pct: number | null;
  files: Array<{ file: string; covered: number; total: number; missed_lines: number[] }>;
}

export function diffCoverage(report: CoverageReport, changed: Map<string, Set<number>>): DiffCoverage {
  if (report.files.length && report.files.every((f) => !f.hit_lines)) {
    throw new CiError('E_USAGE', `${report.format} has no per-line data, so diff coverage cannot be computed`, {
      hint: 'use lcov, Cobertura, JaCoCo or a Go coverprofile for diff coverage',
    });
  }
  const files: DiffCoverage['files'] = [];
  for (const [path, lines] of [...changed.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const f = report.files.find((x) => samePath(x.file, path));
    if (!f || !f.hit_lines || !f.missed_lines) continue;
    const hit = new Set(f.hit_lines);
    const missed = new Set(f.missed_lines);
    let covered = 0;
    let total = 0;
    const miss: number[] = [];
    for (const n of [...lines].sort((a, b) => a - b)) {
      if (hit.has(n)) {
        covered++;
        total++;
      } else if (missed.has(n)) {
        total++;
        miss.push(n);
      }
    }
    if (total) files.push({ file: path, covered, total, missed_lines: miss });
  }
  const covered = files.reduce((s, f) => s + f.covered, 0);
  const total = files.reduce((s, f) => s + f.total, 0);
  return { total, covered, pct: total ? (100 * covered) / total : null, files };
}
