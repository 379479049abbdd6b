// The agent commands on real inputs: `tests split` over real vitest JUnit reports of this
// repository's history, `scheduler replay` over the same history (fixtures/history).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pillars, runCli } from '../../../test/support/assembled.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const hist = path.join(here, 'fixtures', 'history');
const history = readFileSync(path.join(hist, 'history.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { project: string; junit: string; duration_ms: number });
const reports = history.filter((h) => h.project === 'autopsy').map((h) => path.join(hist, h.junit));

async function cli(argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (s) => void (out += s), err: (s) => void (err += s), env: {}, isTTY: false }, pillars);
  return { code, out, err };
}

describe('ci-intel tests split', () => {
  it('gives every shard its own tests, all of them once, the same plan from every shard', async () => {
    const timings = reports.slice(0, -1);
    const last = reports[reports.length - 1]!;
    const all = await cli(['tests', 'split', '--shards', '3', '--timings', ...timings, last, '--json']);
    expect(all.code, all.err).toBe(0);
    const plan = JSON.parse(all.out);
    expect(plan.shards).toHaveLength(3);
    const files = plan.shards.flatMap((s: { tests: string[] }) => s.tests);
    expect(new Set(files).size).toBe(files.length);
    expect(files.every((f: string) => f.startsWith('src/') && f.endsWith('.test.ts'))).toBe(true);
    expect(plan.with_history).toBe(plan.tests);
    for (let i = 0; i < 3; i++) {
      const one = await cli(['tests', 'split', '--shards', '3', '--index', String(i), '--timings', ...timings, last]);
      expect(one.code).toBe(0);
      // one test per line, runner-ready, and the plan hash on stderr matches
      expect(one.out.trim().split('\n')).toEqual(plan.shards[i].tests);
      expect(one.err).toContain(`plan ${plan.plan_hash}: shard ${i} of 3`);
    }
  });

  it('splits a --tests list: new tests get a predicted time (never dropped), ids matched across styles', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'split-'));
    const list = path.join(dir, 'tests.txt');
    writeFileSync(list, ['src/pillars/autopsy/scan.test.ts', './src/pillars/autopsy/rules.test.ts', 'src/pillars/autopsy/brand-new.test.ts', ''].join('\n'));
    const r = await cli(['tests', 'split', '--shards', '2', '--timings', ...reports, '--tests', list, '--json']);
    expect(r.code, r.err).toBe(0);
    const plan = JSON.parse(r.out);
    expect(plan).toMatchObject({ tests: 3, with_history: 2, predicted: 1 });
    expect(plan.shards.flatMap((s: { tests: string[] }) => s.tests).sort()).toEqual([
      './src/pillars/autopsy/rules.test.ts',
      'src/pillars/autopsy/brand-new.test.ts',
      'src/pillars/autopsy/scan.test.ts',
    ]);
    expect(r.err).toContain('1 of 3 tests have no timings');
  });

  it('a retried job keeps its shard: --plan reuses the saved plan even when the timings changed', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'split-'));
    const saved = path.join(dir, 'plan.json');
    const first = await cli(['tests', 'split', '--shards', '2', '--index', '1', '--timings', ...reports.slice(0, 3), '--save-plan', saved]);
    const retry = await cli(['tests', 'split', '--shards', '2', '--index', '1', '--plan', saved]);
    expect(retry.out).toBe(first.out);
    const wrong = await cli(['tests', 'split', '--shards', '3', '--plan', saved]);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('has 2 shards, not 3');
  });

  it('refuses bad input with what to do', async () => {
    expect((await cli(['tests', 'split', '--shards', '0', '--timings', reports[0]!])).err).toContain('--shards "0" is not valid');
    expect((await cli(['tests', 'split', '--shards', '2', '--index', '2', '--timings', reports[0]!])).err).toContain('--index "2" is not valid');
    const none = await cli(['tests', 'split', '--shards', '2', '--timings', path.join(hist, 'nothing-*.xml')]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('no file matches');
  });
});

describe('ci-intel scheduler replay', () => {
  it('replays a real history: MAPE and share within 10 % per project and overall next to the mean of the last 3', async () => {
    const r = await cli(['scheduler', 'replay', '--history', path.join(hist, 'history.jsonl'), '--json']);
    expect(r.code, r.err).toBe(0);
    const rep = JSON.parse(r.out);
    expect(rep.runs).toBe(history.length);
    expect(rep.series.map((s: { series: string }) => s.series)).toEqual(['autopsy / vitest', 'parsers / vitest']);
    for (const s of rep.series) {
      expect(s.model.scored).toBe(s.runs - 1);
      expect(s.mean_of_last_3.scored).toBe(s.runs - 1);
      expect(s.model.mape_pct).toBeGreaterThan(0);
    }
    expect(rep.overall.model.scored).toBe(history.length - 2);
    const text = await cli(['scheduler', 'replay', '--history', path.join(hist, 'history.jsonl')]);
    expect(text.out).toMatch(/^series +runs +scored +MAPE model +MAPE mean-of-last-3/);
    expect(text.out).toContain('overall');
  });

  it('replays two open-source suites at their published versions, half of them rerun: no worse than the mean of the last 3', async () => {
    // qs (tape) and es5-shim (jasmine-node) run at each release from the npm registry
    // (fixtures/make-npm-history.sh); the lines carry started_at only, and a rerun repeats its commit.
    const npmHist = path.join(here, 'fixtures', 'npm-history', 'history.jsonl');
    const r = await cli(['scheduler', 'replay', '--history', npmHist, '--json']);
    expect(r.code, r.err).toBe(0);
    const rep = JSON.parse(r.out);
    expect(rep.series.map((s: { series: string }) => s.series)).toEqual(['es5-shim / test', 'qs / test']);
    for (const s of rep.series) {
      expect(s.runs).toBeGreaterThan(60);
      expect(s.model.mape_pct).toBeLessThanOrEqual(s.mean_of_last_3.mape_pct);
      expect(s.model.within_10_pct).toBeGreaterThanOrEqual(s.mean_of_last_3.within_10_pct);
    }
  });

  it('names the bad lines (file:line, what to add), still uses the good ones, exits 1', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'replay-'));
    const f = path.join(dir, 'h.jsonl');
    writeFileSync(
      f,
      [
        '{"project":"p","commit_time":"2026-01-01T00:00:00Z","duration_ms":1000,"test_count":10}',
        '{"project":"p","commit_time":"2026-01-02T00:00:00Z"}',
        'not json',
        '',
        '{"repo":"p","started_at":"2026-01-03T00:00:00Z","duration_ms":1100}',
        '{"repo":"p","duration_ms":1100}',
      ].join('\n'),
    );
    const r = await cli(['scheduler', 'replay', '--history', f, '--json']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${f}:2: duration_ms is missing`);
    expect(r.err).toContain(`${f}:3: not valid JSON`);
    expect(r.err).toContain(`${f}:6: no time: add "commit_time" or "started_at"`);
    const rep = JSON.parse(r.out);
    expect(rep.runs).toBe(2);
    expect(rep.overall.model).toEqual({ scored: 1, mape_pct: 9.09, within_10_pct: 100 });
    expect(rep.bad_lines.map((b: { line: number }) => b.line)).toEqual([2, 3, 6]);
  });
});
