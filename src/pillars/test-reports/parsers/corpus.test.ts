// The shared corpus (../shared/corpus/reports): counts must equal each runner's own summary.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS } from '../fixtures/paths.js';
import { parseReportCases } from './index.js';

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
        tests: r.tests,
        passed: r.passed,
        failed: r.failed,
        errored: r.errored,
        skipped: r.skipped,
      });
      expect(cases.filter((c) => c.attempt === 1).length).toBe(r.tests);
    });
  }
});
