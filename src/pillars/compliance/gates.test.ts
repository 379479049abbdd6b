// The merge gates through the CLI: forbidden patterns, perf regression on real
// benchmark outputs (fixtures/bench/make-bench.sh), licence blocklist.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/assembled.js';
import { readBench } from './bench-formats/index.js';
import { compliancePillar } from './index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const bench = (f: string) => path.join(here, 'fixtures', 'bench', f);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-gates-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, cwd: tmp }, [compliancePillar]);
  return { code, out, err };
}

describe('gate perf-regression', () => {
  it('reads each tool: hyperfine, pytest-benchmark, go -bench, Criterion folders, benchmark.js', () => {
    const hf = readBench(bench('hyperfine-baseline.json'));
    expect(hf.format).toBe('hyperfine');
    expect(hf.results.map((r) => r.name)).toEqual(['loop-scaled', 'loop-fixed']);
    expect(hf.results[0]).toMatchObject({ n: 20 });
    expect(readBench(bench('pytest-baseline.json')).format).toBe('pytest-benchmark');
    const go = readBench(bench('go-baseline.txt'));
    expect(go.format).toBe('go');
    expect(go.results.map((r) => r.name)).toEqual(['BenchmarkQuote', 'BenchmarkRound']);
    expect(go.results[0]).toMatchObject({ n: 5 });
    // mean of the five -count lines: 922.1, 1450, 906.6, 929.9, 875.6 ns/op
    expect(go.results[0]!.mean).toBeCloseTo(1.01684e-6, 12);
    const crit = readBench(bench('criterion-baseline'));
    expect(crit.format).toBe('criterion');
    expect(crit.results.map((r) => r.name).sort()).toEqual(['parse_workflow', 'spdx_eval']);
    expect(readBench(bench('benchmarkjs-baseline.txt')).results.map((r) => r.name)).toEqual(['parse', 'split']);
  });

  it('fails on a slowdown ≥ 20 % beyond the noise and leaves the unchanged command alone (hyperfine)', async () => {
    const r = await cli(['gate', 'perf-regression', '--baseline', bench('hyperfine-baseline.json'), '--current', bench('hyperfine-current.json')]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL gate=perf-regression value=118 max=20 .*fail=1/);
    expect(r.out).toMatch(/worst: loop-scaled\)/);
    expect(r.err).toContain('fail: loop-scaled: +118.0 %');
    expect(r.err).not.toContain('loop-fixed');
  });

  it('fails a slowed go test -bench -count 5 run; a same-speed rerun passes, its +15 % left as noise', async () => {
    const slow = await cli(['gate', 'perf-regression', '--baseline', bench('go-baseline.txt'), '--current', bench('go-current.txt')]);
    expect(slow.code).toBe(1);
    expect(slow.out).toMatch(/^FAIL gate=perf-regression value=239\.7 max=20 .*warn=0 fail=1/);
    expect(slow.err.trim().split('\n')).toEqual(['fail: BenchmarkQuote: +239.7 %']);
    const same = await cli(['gate', 'perf-regression', '--baseline', bench('go-baseline.txt'), '--current', bench('go-rerun.txt')]);
    expect(same.code).toBe(0);
    expect(same.out).toMatch(/^PASS gate=perf-regression value=15\.3 .*warn=0 fail=0/);
    expect(same.err).toContain('noise: BenchmarkQuote: +15.3 % (within the noise)');
  });

  it('warns (and passes) when the slowdown is between --warn and --fail', async () => {
    const r = await cli([
      'gate',
      'perf-regression',
      '--baseline',
      bench('go-baseline.txt'),
      '--current',
      bench('go-current.txt'),
      '--warn',
      '100',
      '--fail',
      '300',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^PASS gate=perf-regression value=239\.7 max=300 .*warn=1 fail=0/);
    expect(r.err).toContain('warn: BenchmarkQuote: +239.7 %');
  });

  it('fails on real Criterion, pytest-benchmark and benchmark.js runs slowed on purpose', async () => {
    for (const [b, c, worst] of [
      ['criterion-baseline', 'criterion-current', 'parse_workflow'],
      ['pytest-baseline.json', 'pytest-current.json', 'test_slugify'],
      ['benchmarkjs-baseline.txt', 'benchmarkjs-current.txt', 'parse'],
    ] as const) {
      const r = await cli(['gate', 'perf-regression', '--baseline', bench(b), '--current', bench(c)]);
      expect(r.code, b).toBe(1);
      expect(r.out, b).toMatch(/ fail=1 /);
      expect(r.out).toMatch(new RegExp(`worst: \\S*${worst}\\)`));
    }
  });

  it('usage errors: thresholds crossed, no common benchmark, unknown file', async () => {
    expect(
      (await cli(['gate', 'perf-regression', '--baseline', bench('go-baseline.txt'), '--current', bench('go-current.txt'), '--warn', '30', '--fail', '20']))
        .code,
    ).toBe(2);
    expect((await cli(['gate', 'perf-regression', '--baseline', bench('go-baseline.txt'), '--current', bench('hyperfine-current.json')])).code).toBe(2);
    const junk = path.join(tmp, 'junk.txt');
    writeFileSync(junk, 'hello\n');
    const r = await cli(['gate', 'perf-regression', '--baseline', junk, '--current', junk]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('not a benchmark result');
  });
});

describe('gate forbidden-patterns', () => {
  const root = path.join(tmp, 'proj');
  const files: Record<string, string> = {
    'src/main.rs': 'fn main() {\n    let cfg = load().unwrap();\n    run(cfg);\n}\n',
    'src/lib.rs': 'pub fn load() -> Result<Cfg, Error> {\n    parse().map_err(Error::from) // unwrap_or_default is fine\n}\n',
    'tests/it.rs': '#[test]\nfn loads() { load().unwrap(); }\n',
    'web/app.ts': "export const start = () => {\n  console.log('starting');\n};\n",
    'web/app.test.ts': "console.log('debug in a test is fine');\n",
    'web/util.ts': '// TODO: cache this\nexport const x = 1;\n',
    'node_modules/dep/index.js': 'console.log(1)\n',
  };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }

  it('reports production matches with file:line and exempts tests and vendored code', async () => {
    const r = await cli(['gate', 'forbidden-patterns', root]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL gate=forbidden-patterns value=3 max=0/);
    expect(r.err.trim().split('\n')).toEqual([
      'src/main.rs:2: unwrap() panics in production code',
      'web/app.ts:2: console.log left in production code',
      'web/util.ts:1: unfinished work marked in production code',
    ]);
  });

  it('--pattern replaces the configured patterns; --max allows some', async () => {
    const r = await cli(['gate', 'forbidden-patterns', root, '--pattern', 'map_err', '--max', '1']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^PASS gate=forbidden-patterns value=1 max=1/);
  });
});

describe('gate license', () => {
  it('fails on GPL/AGPL dependencies; an OR with a permissive option passes', async () => {
    const r = await cli(['gate', 'license', path.join(here, 'fixtures', 'repos', 'licenses-mixed', 'web')]);
    expect(r.code).toBe(1);
    // (MIT AND GPL-3.0-only), GPL-2.0, GPL-3.0-or-later WITH …, GPL-2.0-or-later; not (BSD-3-Clause OR GPL-2.0)
    expect(r.out).toMatch(/^FAIL gate=license value=4 max=0/);
    expect(r.err).not.toContain('node-forge');
    const only = await cli(['gate', 'license', path.join(here, 'fixtures', 'repos', 'licenses-mixed', 'web'), '--block', 'AGPL-*']);
    expect(only.code).toBe(0);
  });
});
