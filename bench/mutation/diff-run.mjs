// Diff-only mutation run vs a full StrykerJS run (issue 6 target: >= 10x faster on a one-file
// change in a project of >= 30 source files, same verdict on the changed file's mutants).
// Generates a 40-module vitest project in a temporary git repository (its node_modules a link to
// ci-intel's, where vitest and the StrykerJS plugins are), commits it, changes one line of one
// module, then on the same machine in the same run:
//   peer: the full StrykerJS 9.6 run (`stryker run stryker.config.json`, what a team runs nightly)
//   ours: `ci-intel mutation run --since HEAD` (StrykerJS on the changed lines only)
// Run after `npm run build`: node bench/mutation/diff-run.mjs [modules]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readReport } from 'ci-intel/parsers';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODULES = Number(process.argv[2] ?? 40);
const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-bench-diff-'));
const vitestRunner = path.join(root, 'node_modules/@stryker-mutator/vitest-runner/dist/src/index.js');

function module(k) {
  return `// Module ${k}: pricing rules for region ${k}.
export function price${k}(qty, unit) {
  if (qty <= 0) throw new RangeError('qty must be positive');
  const base = qty * unit;
  return qty >= ${10 + k} ? base - Math.round(base * 0.05) : base;
}

export function label${k}(score) {
  if (score >= 0.8) return 'high';
  if (score >= 0.5) return 'medium';
  return 'low';
}

export function clamp${k}(x, lo, hi) {
  return x < lo ? lo : x > hi ? hi : x;
}

export function sum${k}(xs) {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

export function slug${k}(title) {
  return title
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0)
    .join('-');
}

export function stats${k}(xs) {
  if (xs.length === 0) return null;
  let min = Infinity;
  let max = -Infinity;
  let total = 0;
  for (const x of xs) {
    if (x < min) min = x;
    if (x > max) max = x;
    total += x;
  }
  return { min, max, mean: total / xs.length };
}
`;
}

function spec(k) {
  return `import { describe, expect, it } from 'vitest';
import { price${k}, label${k}, clamp${k}, sum${k}, slug${k}, stats${k} } from '../src/m${k}.js';

describe('module ${k}', () => {
  it('prices', () => {
    expect(price${k}(1, 100)).toBe(100);
    expect(price${k}(${10 + k}, 100)).toBe(${(10 + k) * 100 - Math.round((10 + k) * 100 * 0.05)});
    expect(() => price${k}(0, 1)).toThrow(RangeError);
  });
  it('labels', () => {
    expect(label${k}(0.9)).toBe('high');
    expect(label${k}(0.1)).toBe('low');
  });
  it('clamps and sums', () => {
    expect(clamp${k}(5, 0, 3)).toBe(3);
    expect(sum${k}([1, 2, 3])).toBe(6);
  });
  it('slugs', () => {
    expect(slug${k}('Hello World')).toBe('hello-world');
  });
  it('computes stats', () => {
    expect(stats${k}([1, 2, 3, 4])).toEqual({ min: 1, max: 4, mean: 2.5 });
    expect(stats${k}([])).toBeNull();
  });
});
`;
}

mkdirSync(path.join(dir, 'src'));
mkdirSync(path.join(dir, 'test'));
for (let k = 0; k < MODULES; k++) {
  writeFileSync(path.join(dir, 'src', `m${k}.js`), module(k));
  writeFileSync(path.join(dir, 'test', `m${k}.spec.js`), spec(k));
}
writeFileSync(
  path.join(dir, 'package.json'),
  JSON.stringify({ name: 'bench-diff', private: true, type: 'module', scripts: { test: 'vitest run' }, devDependencies: { vitest: '*' } }, null, 2),
);
writeFileSync(
  path.join(dir, 'vitest.config.mjs'),
  "import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: { include: ['test/**/*.spec.js'] } });\n",
);
writeFileSync(path.join(dir, '.gitignore'), 'node_modules\nreports/\n.stryker-tmp/\n');
symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
const strykerConfig = {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.config.mjs' },
  plugins: [vitestRunner],
  mutate: ['src/**/*.js'],
  coverageAnalysis: 'perTest',
  reporters: ['json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  concurrency: 2,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
writeFileSync(path.join(dir, 'stryker.config.json'), JSON.stringify(strykerConfig, null, 2));
const git = (...a) => execFileSync('git', a, { cwd: dir, stdio: 'pipe' });
git('init', '-q', '-b', 'main');
git('config', 'user.email', 'bench@example.com');
git('config', 'user.name', 'bench');
git('add', '-A');
git('commit', '-qm', 'base');

// The one-file change: module 7's label threshold.
const changed = path.join(dir, 'src', 'm7.js');
writeFileSync(changed, readFileSync(changed, 'utf8').replace("if (score >= 0.5) return 'medium';", "if (score >= 0.4) return 'medium';"));
const changedLine =
  readFileSync(changed, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes('0.4')) + 1;

function timed(cmd, args) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0 && r.status !== 1) {
    console.error(r.stdout.slice(-3000), r.stderr.slice(-3000));
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  }
  return { ms, stdout: r.stdout };
}

const reportPath = path.join(dir, 'reports/mutation/mutation.json');
const full = timed(process.execPath, [path.join(root, 'node_modules/@stryker-mutator/core/bin/stryker.js'), 'run', 'stryker.config.json']);
const fullReport = readReport(reportPath);
const ours = timed(process.execPath, [path.join(root, 'dist/cli/main.js'), 'mutation', 'run', '--since', 'HEAD', '--json']);
const diffReport = readReport(reportPath);
const summary = JSON.parse(ours.stdout);

// Same verdict: every mutant within the changed line has the same status in both runs (StrykerJS
// mutates a range's mutants that lie inside it, so a function-wide block mutant is not one of them).
const onChanged = (r) =>
  new Map(r.mutants.filter((m) => m.file === 'src/m7.js' && m.start.line >= changedLine && m.end.line <= changedLine).map((m) => [m.fingerprint, m.status]));
const a = onChanged(fullReport);
const b = onChanged(diffReport);
const same = [...b].filter(([fp, st]) => a.get(fp) === st).length;
const sourceFiles = MODULES;
console.log(`project: ${sourceFiles} source files, ${fullReport.mutants.length} mutants in the full run; one line changed (src/m7.js:${changedLine})`);
console.log(`diff-only run mutated: ${summary.run.mutate.join(', ')} -> ${diffReport.mutants.length} mutants`);
console.log(
  `verdict on the changed line's mutants: ${same}/${b.size} same as the full run (full run has ${a.size} there)${same === b.size && b.size === a.size ? '' : '  MISMATCH'}`,
);
console.log(`statuses on the changed line: ${[...b.values()].sort().join(', ')}`);
console.log(
  `mutation run, one-file change: ours (ci-intel mutation run --since HEAD) ${(ours.ms / 1000).toFixed(1)} s, peer (full StrykerJS run) ${(full.ms / 1000).toFixed(1)} s, ratio ${(full.ms / ours.ms).toFixed(1)}x (target >= 10x)`,
);
rmSync(dir, { recursive: true, force: true });
