// `ci-intel mutation run`: runs the real StrykerJS on a JS/TS project, configured from the
// project's own test runner (vitest, mocha, jest; otherwise StrykerJS's command runner with
// `npm test`), diff-only when --since is given (seed 000 "Tightened specs": diff-only on PRs, full
// nightly). StrykerJS 10 needs Node >= 22, so on Node 20 this uses the 9.x line (9.6 works here with
// its vitest, mocha and TypeScript-checker plugins). The project's own @stryker-mutator packages
// win over ci-intel's, so a project pinning its StrykerJS gets that version.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CiError } from '../../core/errors.js';
import { globToRegExp } from '../../core/glob.js';
import type { MutationConfig } from './config.js';
import { changedLinesSince, gitRoot, type ChangedLines } from './git.js';

const OWN_PACKAGE_JSON = fileURLToPath(new URL('../../../package.json', import.meta.url));

export type TestRunner = 'vitest' | 'mocha' | 'jest' | 'command';

const STRYKER_CONFIGS = [
  'stryker.config.json',
  'stryker.config.mjs',
  'stryker.config.js',
  'stryker.config.cjs',
  'stryker.conf.json',
  'stryker.conf.mjs',
  'stryker.conf.js',
  'stryker.conf.cjs',
  '.stryker.config.json',
  '.stryker.conf.json',
];

/** Files StrykerJS can mutate (its default `mutate` extensions). */
const SOURCE_EXT = /\.(cjs|mjs|js|ts|mts|cts|jsx|tsx|vue|svelte)$/;
/** Test files and folders, never mutated (StrykerJS's default excludes plus the usual folders). */
const TEST_FILE = /(^|\/)(__tests__|tests?|spec|__mocks__)\/|[.-](spec|test)\.[^/]+$|(^|\/)node_modules\//;

/** The `mutate` entries for a diff-only run: changed line ranges of mutable source files. */
export function mutateEntries(changed: ChangedLines, cfg: Pick<MutationConfig, 'include' | 'tests'>): string[] {
  const include = cfg.include.map(globToRegExp);
  const tests = cfg.tests.map(globToRegExp);
  const out: string[] = [];
  for (const [file, ranges] of [...changed.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!SOURCE_EXT.test(file)) continue;
    if (include.length ? !include.some((r) => r.test(file)) : TEST_FILE.test(file)) continue;
    if (tests.some((r) => r.test(file))) continue;
    if (ranges.some(([, e]) => e === Number.POSITIVE_INFINITY)) out.push(file);
    else for (const [s, e] of ranges) out.push(`${file}:${s}-${e}`);
  }
  return out;
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

export function detectTestRunner(projectDir: string): TestRunner {
  const pkg = readJson(path.join(projectDir, 'package.json')) ?? {};
  const deps = { ...(pkg.dependencies as object), ...(pkg.devDependencies as object) } as Record<string, string>;
  const script = String((pkg.scripts as Record<string, string> | undefined)?.test ?? '');
  const has = (n: string) => n in deps || new RegExp(`(^|\\s|/)${n}(\\s|$)`).test(script);
  if (
    has('vitest') ||
    existsSync(path.join(projectDir, 'vitest.config.ts')) ||
    existsSync(path.join(projectDir, 'vitest.config.mjs')) ||
    existsSync(path.join(projectDir, 'vitest.config.js'))
  )
    return 'vitest';
  if (has('mocha') || ['.mocharc.json', '.mocharc.js', '.mocharc.cjs', '.mocharc.yml', '.mocharc.yaml'].some((f) => existsSync(path.join(projectDir, f))))
    return 'mocha';
  if (has('jest') || existsSync(path.join(projectDir, 'jest.config.js')) || existsSync(path.join(projectDir, 'jest.config.ts'))) return 'jest';
  return 'command';
}

/** A package's ESM entry file, resolved from the project first, then from ci-intel itself. */
export function resolvePackage(name: string, projectDir: string): { dir: string; entry: string; from: 'project' | 'ci-intel' } | null {
  for (const [from, base] of [
    ['project', path.join(projectDir, 'package.json')],
    ['ci-intel', OWN_PACKAGE_JSON],
  ] as const) {
    try {
      const pj = createRequire(base).resolve(`${name}/package.json`);
      const pkg = readJson(pj) ?? {};
      const exp = pkg.exports as unknown;
      const dot = typeof exp === 'string' ? exp : exp && typeof exp === 'object' ? (exp as Record<string, unknown>)['.'] : undefined;
      const rel =
        typeof dot === 'string'
          ? dot
          : dot && typeof dot === 'object'
            ? ((dot as Record<string, string>).import ?? (dot as Record<string, string>).default)
            : (pkg.main as string | undefined);
      return { dir: path.dirname(pj), entry: path.join(path.dirname(pj), rel ?? 'index.js'), from };
    } catch {
      /* next */
    }
  }
  return null;
}

export interface RunOptions {
  projectDir: string;
  since?: string;
  concurrency?: number;
  /** Mirror StrykerJS's progress to stderr (TTY only). */
  progress: boolean;
  err: (s: string) => void;
  config: MutationConfig;
}

export interface RunResult {
  /** Path of the JSON report StrykerJS wrote; null when a diff-only run had nothing to mutate. */
  reportPath: string | null;
  runner: TestRunner;
  mutate: string[] | null;
  diffOnly: boolean;
  stryker: { version: string; from: 'project' | 'ci-intel' };
  durationMs: number;
}

/** The project's own StrykerJS config file, when it has one. */
export function projectStrykerConfig(projectDir: string): string | null {
  for (const f of STRYKER_CONFIGS) if (existsSync(path.join(projectDir, f))) return f;
  return null;
}

export async function runStryker(o: RunOptions): Promise<RunResult> {
  const t0 = performance.now();
  const projectDir = path.resolve(o.projectDir);
  if (!existsSync(path.join(projectDir, 'package.json'))) {
    throw new CiError('E_USAGE', `${projectDir} has no package.json`, { where: projectDir, hint: 'run inside a JS/TS project or pass --project DIR' });
  }
  const core = resolvePackage('@stryker-mutator/core', projectDir);
  if (!core)
    throw new CiError('E_MUTATION_RUN_FAILED', '@stryker-mutator/core is not installed', {
      hint: 'npm i -D @stryker-mutator/core@~9.6 (StrykerJS 10 needs Node >= 22)',
    });
  const coreVersion = String(readJson(path.join(core.dir, 'package.json'))?.version ?? '?');

  let mutate: string[] | null = null;
  if (o.since) {
    const root = gitRoot(projectDir);
    if (!root) throw new CiError('E_GIT_FAILED', `${projectDir} is not in a git repository`, { hint: '--since needs git history; drop it for a full run' });
    const byRepoPath = changedLinesSince(root, o.since);
    const rel = path.relative(root, projectDir).split(path.sep).join('/');
    const local: ChangedLines = new Map();
    for (const [f, r] of byRepoPath) {
      if (!rel) local.set(f, r);
      else if (f.startsWith(rel + '/')) local.set(f.slice(rel.length + 1), r);
    }
    mutate = mutateEntries(local, o.config);
    if (mutate.length === 0)
      return {
        reportPath: null,
        runner: detectTestRunner(projectDir),
        mutate,
        diffOnly: true,
        stryker: { version: coreVersion, from: core.from },
        durationMs: performance.now() - t0,
      };
  }

  const own = projectStrykerConfig(projectDir);
  const runner = detectTestRunner(projectDir);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-stryker-'));
  const reportRel = path.join('reports', 'mutation', 'mutation.json');
  try {
    const args = [path.join(core.dir, 'bin', 'stryker.js'), 'run'];
    let reportPath = path.join(projectDir, reportRel);
    if (own) {
      args.push(own);
      const cfg = own.endsWith('.json') ? readJson(path.join(projectDir, own)) : null;
      const custom = (cfg?.jsonReporter as { fileName?: string } | undefined)?.fileName;
      if (custom) reportPath = path.resolve(projectDir, custom);
    } else {
      const generated = generatedConfig(projectDir, runner, core.from, o.config);
      const file = path.join(tmp, 'stryker.config.json');
      writeFileSync(file, JSON.stringify(generated, null, 2));
      args.push(file);
    }
    // Flags override the config file: the json reporter must run, progress only on a TTY.
    args.push('--reporters', o.progress ? 'json,progress,clear-text' : 'json,clear-text');
    if (mutate) args.push('--mutate', mutate.join(','));
    if (o.concurrency) args.push('--concurrency', String(o.concurrency));
    if (existsSync(reportPath)) rmSync(reportPath);
    mkdirSync(path.dirname(reportPath), { recursive: true });
    const tail: string[] = [];
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, args, {
        cwd: projectDir,
        env: { ...process.env, FORCE_COLOR: o.progress ? '1' : '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const onData = (b: Buffer) => {
        const s = b.toString('utf8');
        if (o.progress) o.err(s);
        for (const l of s.split('\n')) if (l.trim()) tail.push(l);
        if (tail.length > 60) tail.splice(0, tail.length - 60);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', reject);
      child.on('close', (c) => resolve(c ?? 1));
    });
    if (!existsSync(reportPath) || statSync(reportPath).size === 0) {
      throw new CiError('E_MUTATION_RUN_FAILED', `StrykerJS ${coreVersion} exited with code ${code} and wrote no report`, {
        where: projectDir,
        hint: `its last output:\n${tail.slice(-20).join('\n')}`,
      });
    }
    return { reportPath, runner, mutate, diffOnly: mutate !== null, stryker: { version: coreVersion, from: core.from }, durationMs: performance.now() - t0 };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** A StrykerJS config for a project that has none, built from its own test runner. */
export function generatedConfig(projectDir: string, runner: TestRunner, coreFrom: 'project' | 'ci-intel', cfg: MutationConfig): Record<string, unknown> {
  const c: Record<string, unknown> = {
    testRunner: runner,
    coverageAnalysis: runner === 'command' ? 'off' : 'perTest',
    tempDirName: '.stryker-tmp',
    cleanTempDir: 'always',
    jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  };
  if (runner === 'command') c.commandRunner = { command: 'npm test' };
  if (cfg.include.length) c.mutate = [...cfg.include, ...cfg.tests.map((t) => `!${t}`)];
  const plugins: string[] = [];
  const pluginName = runner === 'command' ? null : `@stryker-mutator/${runner}-runner`;
  if (pluginName) {
    const p = resolvePackage(pluginName, projectDir);
    if (!p) {
      throw new CiError('E_MUTATION_RUN_FAILED', `the ${runner} test runner plugin is not installed`, {
        where: projectDir,
        hint: `npm i -D ${pluginName}@~9.6 (StrykerJS 9.6 for Node 20)`,
      });
    }
    // A core from the project finds the project's plugins itself; ci-intel's core needs paths.
    if (coreFrom === 'ci-intel' || p.from === 'ci-intel') plugins.push(p.entry);
  }
  const tsconfig = path.join(projectDir, 'tsconfig.json');
  const checker = existsSync(tsconfig) ? resolvePackage('@stryker-mutator/typescript-checker', projectDir) : null;
  if (checker) {
    c.checkers = ['typescript'];
    c.tsconfigFile = 'tsconfig.json';
    if (coreFrom === 'ci-intel' || checker.from === 'ci-intel') plugins.push(checker.entry);
  }
  if (plugins.length) c.plugins = plugins;
  return c;
}
