// The shared corpus (../shared/corpus/reports): counts must equal each runner's own summary.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseReportCases } from './index.js';

// shared/ sits beside the repository (CI: a fresh clone with shared/ beside it; a worktree two levels down).
const REPO = path.resolve(__dirname, '../../../..');
const CORPUS = [path.join(REPO, '../shared/corpus/reports'), path.join(REPO, '../../shared/corpus/reports')].find((p) => existsSync(p)) ?? path.join(REPO, '../shared/corpus/reports');
const lines = readFileSync(path.join(CORPUS, 'reports.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { file: string; format: string; tests: number; passed: number; failed: number; errored: number; skipped: number });

describe('shared corpus: counts equal the runner summary', () => {
  for (const r of lines) {
    it(`${r.file} (${r.format})`, async () => {
      const { summary, cases } = await parseReportCases(path.join(CORPUS, r.file));
      expect(summary.format).toBe(r.format);
      expect({ tests: summary.tests, passed: summary.passed, failed: summary.failed, errored: summary.errored, skipped: summary.skipped }).toEqual({
        tests: r.tests, passed: r.passed, failed: r.failed, errored: r.errored, skipped: r.skipped,
      });
      expect(cases.filter((c) => c.attempt === 1).length).toBe(r.tests);
    });
  }
});
