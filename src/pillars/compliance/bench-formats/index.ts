// Benchmark results of common tools as one shape — per benchmark a mean time and a 95 % interval —
// for the perf-regression gate: hyperfine --export-json, pytest-benchmark --benchmark-json, Go
// `go test -bench` text, Criterion (estimates.json or a target/criterion folder, or bencher text),
// benchmark.js (its "x ops/sec ±rme%" lines, or a JSON array of results).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { CiError } from '../../../core/errors.js';

export interface BenchResult {
  name: string;
  /** Mean time per iteration, seconds. */
  mean: number;
  /** 95 % interval of the mean, seconds. */
  lo: number;
  hi: number;
  /** Samples behind it (runs, rounds, -count lines); 0 when the tool gave an interval directly. */
  n: number;
}

export type BenchFormat = 'hyperfine' | 'pytest-benchmark' | 'go' | 'criterion' | 'benchmarkjs';

const Z95 = 1.96;

/** Mean ± 1.96 standard errors. */
function fromStats(name: string, mean: number, sd: number, n: number): BenchResult {
  const se = n > 1 ? sd / Math.sqrt(n) : sd;
  return { name, mean, lo: mean - Z95 * se, hi: mean + Z95 * se, n };
}

const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sdOf = (xs: number[]) => {
  if (xs.length < 2) return 0;
  const m = meanOf(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};

const UNIT: Record<string, number> = { ns: 1e-9, µs: 1e-6, us: 1e-6, ms: 1e-3, s: 1 };

function hyperfine(doc: { results: { command: string; mean: number; stddev?: number | null; times?: number[] }[] }): BenchResult[] {
  return doc.results.map((r) => fromStats(r.command, r.mean, r.stddev ?? 0, r.times?.length ?? 1));
}

function pytestBenchmark(doc: { benchmarks: { fullname?: string; name: string; stats: { mean: number; stddev: number; rounds: number } }[] }): BenchResult[] {
  return doc.benchmarks.map((b) => fromStats(b.fullname ?? b.name, b.stats.mean, b.stats.stddev, b.stats.rounds));
}

interface CriterionEstimates {
  mean: { point_estimate: number; confidence_interval: { lower_bound: number; upper_bound: number } };
}

function criterionEstimates(name: string, e: CriterionEstimates): BenchResult {
  // Criterion reports nanoseconds, with its own bootstrap interval.
  return {
    name,
    mean: e.mean.point_estimate * 1e-9,
    lo: e.mean.confidence_interval.lower_bound * 1e-9,
    hi: e.mean.confidence_interval.upper_bound * 1e-9,
    n: 0,
  };
}

/** target/criterion/<group>/<bench>/new/estimates.json, named by the path between. */
function criterionDir(dir: string): BenchResult[] {
  const out: BenchResult[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > 6) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && e.name !== 'report' && e.name !== 'base' && e.name !== 'change') walk(p, depth + 1);
      else if (e.name === 'estimates.json' && path.basename(d) === 'new') {
        const name = path.relative(dir, path.dirname(d)).split(path.sep).join('/');
        out.push(criterionEstimates(name, JSON.parse(readFileSync(p, 'utf8')) as CriterionEstimates));
      }
    }
  };
  walk(dir, 0);
  return out;
}

/** Go: `BenchmarkName-8   123456   987.6 ns/op ...`; repeated lines (-count N) are samples. */
function goBench(text: string): BenchResult[] {
  const samples = new Map<string, number[]>();
  for (const m of text.matchAll(/^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns\/op/gm)) {
    const list = samples.get(m[1]!) ?? [];
    list.push(Number(m[2]) * 1e-9);
    samples.set(m[1]!, list);
  }
  return [...samples].map(([name, xs]) => fromStats(name, meanOf(xs), sdOf(xs), xs.length));
}

/** libtest/Criterion bencher text: `test name ... bench:   1,234 ns/iter (+/- 56)`. */
function bencherText(text: string): BenchResult[] {
  return [...text.matchAll(/^test (\S+) \.\.\. bench:\s+([\d,.]+) (ns|µs|us|ms)\/iter \(\+\/- ([\d,.]+)\)/gm)].map((m) => {
    const u = UNIT[m[3]!]!;
    const mean = Number(m[2]!.replace(/,/g, '')) * u;
    const spread = Number(m[4]!.replace(/,/g, '')) * u;
    // bencher's ± is the max-min spread of its samples: a conservative interval.
    return { name: m[1]!, mean, lo: mean - spread, hi: mean + spread, n: 0 };
  });
}

/** benchmark.js: `name x 11,465 ops/sec ±1.12% (91 runs sampled)`. */
function benchmarkJsText(text: string): BenchResult[] {
  return [...text.matchAll(/^(.+?) x ([\d,.]+) ops\/sec ±([\d.]+)% \((\d+) runs? sampled\)/gm)].map((m) => {
    const hz = Number(m[2]!.replace(/,/g, ''));
    const rme = Number(m[3]) / 100; // relative margin of error at 95 %
    const mean = 1 / hz;
    return { name: m[1]!.trim(), mean, lo: mean * (1 - rme), hi: mean * (1 + rme), n: Number(m[4]) };
  });
}

/** benchmark.js results serialized as JSON: [{ name, hz, stats: { mean, rme, sample } }]. */
function benchmarkJsJson(doc: { name: string; hz?: number; stats: { mean: number; rme: number; sample?: number[] } }[]): BenchResult[] {
  return doc.map((b) => ({
    name: b.name,
    mean: b.stats.mean,
    lo: b.stats.mean * (1 - b.stats.rme / 100),
    hi: b.stats.mean * (1 + b.stats.rme / 100),
    n: b.stats.sample?.length ?? 0,
  }));
}

/** Reads a benchmark file or Criterion folder; the format is detected from the content. */
export function readBench(file: string): { format: BenchFormat; results: BenchResult[] } {
  if (!existsSync(file)) throw new CiError('E_INPUT_UNREADABLE', `cannot read ${file}: ENOENT`, { where: file });
  if (statSync(file).isDirectory()) {
    const results = criterionDir(file);
    if (!results.length)
      throw new CiError('E_FORMAT_UNKNOWN', 'no Criterion estimates.json found under this folder', { where: file, hint: 'pass target/criterion' });
    return { format: 'criterion', results };
  }
  const text = readFileSync(file, 'utf8');
  const t = text.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new CiError('E_JSON_MALFORMED', `not valid JSON: ${(e as Error).message}`, { where: file });
    }
    const o = doc as Record<string, unknown>;
    if (Array.isArray(o.results)) return { format: 'hyperfine', results: hyperfine(doc as Parameters<typeof hyperfine>[0]) };
    if (Array.isArray(o.benchmarks)) return { format: 'pytest-benchmark', results: pytestBenchmark(doc as Parameters<typeof pytestBenchmark>[0]) };
    if (o.mean && typeof o.mean === 'object' && 'point_estimate' in o.mean)
      return { format: 'criterion', results: [criterionEstimates(path.basename(path.dirname(path.dirname(file))), doc as CriterionEstimates)] };
    if (Array.isArray(doc) && doc.every((b) => b && typeof b === 'object' && 'stats' in b))
      return { format: 'benchmarkjs', results: benchmarkJsJson(doc as Parameters<typeof benchmarkJsJson>[0]) };
  } else {
    const go = goBench(text);
    if (go.length) return { format: 'go', results: go };
    const bencher = bencherText(text);
    if (bencher.length) return { format: 'criterion', results: bencher };
    const bjs = benchmarkJsText(text);
    if (bjs.length) return { format: 'benchmarkjs', results: bjs };
  }
  throw new CiError('E_FORMAT_UNKNOWN', 'not a benchmark result this gate reads', {
    where: file,
    hint: 'hyperfine --export-json, pytest --benchmark-json, go test -bench output, target/criterion, or benchmark.js output',
  });
}

export interface Regression {
  name: string;
  /** (current − baseline) / baseline, in percent; positive is slower. */
  changePct: number;
  /** The intervals do not overlap (a change beyond the noise). */
  separated: boolean;
  level: 'fail' | 'warn' | 'ok';
}

/** Compares benchmarks present in both: slower by ≥ warn % (≥ fail %) with separated intervals. */
export function compareBench(base: BenchResult[], cur: BenchResult[], t: { warnPct: number; failPct: number }): Regression[] {
  const byName = new Map(base.map((b) => [b.name, b]));
  return cur
    .flatMap((c) => {
      const b = byName.get(c.name);
      if (!b || b.mean <= 0) return [];
      const changePct = ((c.mean - b.mean) / b.mean) * 100;
      const separated = c.lo > b.hi;
      const level: Regression['level'] = separated && changePct >= t.failPct ? 'fail' : separated && changePct >= t.warnPct ? 'warn' : 'ok';
      return [{ name: c.name, changePct, separated, level }];
    })
    .sort((a, b) => b.changePct - a.changePct || (a.name < b.name ? -1 : 1));
}
