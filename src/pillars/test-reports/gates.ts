// Gates (DESIGN.md gate conventions; coverage in percent 0–100, flake budgets as rates 0–1):
//   gate coverage — seed 003 GATE 3: coverage >= 80 %, no regression against main, critical paths;
//   gate flaky    — seed 001 flake budgets per suite type, on the per-execution flake rate;
//   gate tests    — seed 003 GATE 4: no failed test outside quarantine.
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { storeConfigured } from '../../core/config.js';
import { CiError } from '../../core/errors.js';
import type { CliContext, GateDef, GateResult } from '../../core/registry.js';
import { hubTarget } from '../../core/upload.js';
import { collect, examples, numberOption, storeOptions } from '../../core/cli.js';
import { readReports, repoOf } from './cli-io.js';
import { FORMATS_HELP } from './parsers/index.js';
import { hubCall } from '../../core/hub-api.js';
import { testsConfig } from './config.js';
import { diffCoverage, gitChangedLines } from './coverage/diff.js';
import { mergeCoverage, METRICS, normalizeCoverageFormat, parseCoverageFile, totals, type CoverageReport, type Metric } from './coverage/index.js';
import { globToRegExp } from '../../core/glob.js';
import { classify, compileSuiteTypes, flakeRates, isFlakyEvent, suiteTypeOf } from './flaky.js';
import { executionsOf } from './commands.js';
import type { QuarantineEntry } from './quarantine.js';
import { latestCoverage } from './store/coverage.js';
import { listQuarantine } from './store/flaky.js';

const r2 = (v: number) => Math.round(v * 100) / 100;
const hubOpts = (cmd: Command) =>
  storeOptions(cmd, 'instead of --hub, read it directly')
    .option('--hub <url>', 'the hub to read from (env CI_INTEL_HUB)')
    .option('--token <token>', 'hub token with the read scope (env CI_INTEL_TOKEN)')
    .option('--repo <owner/name>', 'repository (default: from the CI environment or the git remote)');

async function readCoverage(files: string[], format?: string): Promise<CoverageReport> {
  if (!files.length)
    throw new CiError('E_USAGE', 'no coverage report given', { hint: 'pass lcov.info, coverage.xml, coverage-summary.json, coverage.out or jacoco.xml' });
  const fmt = format ? normalizeCoverageFormat(format) : undefined;
  const reports: CoverageReport[] = [];
  for (const f of files) reports.push(await parseCoverageFile(f, fmt));
  return mergeCoverage(reports);
}

/** The baseline: a coverage file, or the latest value of a branch in the hub or store. */
async function baselineValue(spec: string, metric: Metric, opts: Record<string, unknown>, ctx: CliContext): Promise<{ value: number | null; from: string }> {
  if (existsSync(spec)) return { value: totals((await readCoverage([spec])).files)[metric], from: spec };
  const repo = repoOf(opts as { repo?: string }, ctx.env);
  if (!repo)
    throw new CiError('E_USAGE', `--baseline ${spec} is neither a file nor a branch of a known repository`, {
      where: '--baseline',
      hint: 'pass --repo owner/name, or a baseline coverage file',
    });
  const target = hubTarget(opts as { hub?: string; token?: string }, ctx);
  if (target) {
    const r = await hubCall<{ lines: number | null; branches: number | null; statements: number | null }>(
      target,
      `/api/v1/tests/coverage/latest?repo=${encodeURIComponent(repo)}&branch=${encodeURIComponent(spec)}`,
    );
    return { value: r[metric], from: `${spec}@hub` };
  }
  const hub = await ctx.openHub(opts);
  try {
    const r = await latestCoverage(hub, repo, spec);
    if (!r)
      throw new CiError('E_NOT_FOUND', `no coverage stored for ${repo} on ${spec}`, {
        where: '--baseline',
        hint: 'upload main-branch coverage first (ci-intel tests coverage FILE --hub ...), or pass a baseline file',
      });
    return { value: r[metric], from: `${spec}@store` };
  } finally {
    await hub.close();
  }
}

/** A path and every tail of it after a `/` (absolute paths in reports, repo-relative globs). */
function pathSuffixes(p: string): string[] {
  const parts = p.replace(/\\/g, '/').split('/');
  return parts.map((_, i) => parts.slice(i).join('/')).filter(Boolean);
}

export const coverageGate: GateDef = {
  name: 'coverage',
  description: 'Coverage in percent >= --min; optional no regression against a baseline, critical paths and diff coverage',
  configure(cmd) {
    hubOpts(
      cmd
        .argument('<file...>', 'coverage reports (lcov, Cobertura, json-summary, Go coverprofile, JaCoCo); several are merged')
        .requiredOption('--min <percent>', 'minimum coverage, 0–100 (recommended: 80)')
        .option('--metric <metric>', 'lines | branches | statements', 'lines')
        .option('--format <format>', 'coverage format (default: detected)')
        .option('--no-regression', 'fail when coverage is below the baseline')
        .option('--baseline <file|branch>', 'baseline coverage file, or a branch (main) whose latest value the hub/store holds')
        .option('--critical <glob=percent>', 'files matching the glob need this coverage (repeatable)', collect, [])
        .option('--diff-base <ref>', 'also gate the lines changed since this git ref')
        .option('--min-diff <percent>', 'minimum diff coverage, 0–100 (default: --min)'),
    );
    examples(
      cmd,
      'ci-intel gate coverage coverage/lcov.info --min 80',
      'ci-intel gate coverage coverage.out --min 80 --no-regression --baseline main --hub $CI_INTEL_HUB',
      "ci-intel gate coverage lcov.info --min 80 --critical 'src/core/**=95' --diff-base origin/main",
    );
  },
  async run(args, opts, ctx): Promise<GateResult> {
    const min = numberOption('--min', opts.min, { min: 0, max: 100 })!;
    const metric = String(opts.metric ?? 'lines') as Metric;
    if (!METRICS.includes(metric)) throw new CiError('E_USAGE', `--metric ${metric} is not one of ${METRICS.join(', ')}`, { where: '--metric' });
    const critical = ((opts.critical as string[]) ?? []).map((c) => {
      const i = c.lastIndexOf('=');
      if (i <= 0)
        throw new CiError('E_USAGE', `--critical ${JSON.stringify(c)} is not GLOB=PERCENT`, { where: '--critical', hint: "e.g. --critical 'src/core/**=95'" });
      return { glob: c.slice(0, i), re: globToRegExp(c.slice(0, i)), min: numberOption('--critical', c.slice(i + 1), { min: 0, max: 100 })! };
    });
    const minDiff = numberOption('--min-diff', opts.minDiff, { min: 0, max: 100 }) ?? min;
    const noRegression = opts.regression === false;
    if (noRegression && !opts.baseline) throw new CiError('E_USAGE', '--no-regression needs --baseline FILE|main', { where: '--baseline' });

    const report = await readCoverage(args, opts.format as string | undefined);
    const t = totals(report.files);
    const value = t[metric];
    const fields: Record<string, string | number> = { metric };
    const reasons: string[] = [];
    let pass = true;
    if (value === null) {
      pass = false;
      reasons.push(`the report has no ${metric} data`);
    } else if (value < min) {
      pass = false;
      reasons.push(`${metric} coverage ${r2(value)}% is below ${min}%`);
    }
    if (noRegression) {
      const b = await baselineValue(String(opts.baseline), metric, opts, ctx);
      fields.baseline = b.value === null ? 'none' : r2(b.value);
      if (b.value !== null && value !== null && value + 1e-9 < b.value) {
        pass = false;
        reasons.push(`${metric} coverage fell from ${r2(b.value)}% (${b.from}) to ${r2(value)}%`);
      }
    }
    for (const c of critical) {
      const files = report.files.filter((f) => pathSuffixes(f.file).some((p) => c.re.test(p)));
      const matched = files.length ? totals(files)[metric] : null;
      if (matched === null) {
        pass = false;
        reasons.push(`critical path ${c.glob} has no ${metric} coverage in the report`);
      } else if (matched < c.min) {
        pass = false;
        reasons.push(`critical path ${c.glob} at ${r2(matched)}% is below ${c.min}%`);
      }
    }
    if (opts.diffBase) {
      const d = diffCoverage(report, gitChangedLines(String(opts.diffBase)));
      fields.diff = d.pct === null ? 'none' : r2(d.pct);
      if (d.pct !== null && d.pct < minDiff) {
        pass = false;
        reasons.push(`diff coverage ${r2(d.pct)}% of ${d.total} changed lines is below ${minDiff}%`);
      }
    }
    return {
      pass,
      value,
      min,
      fields,
      reason: reasons.length ? reasons.join('; ') : `${metric} coverage ${value === null ? 'none' : r2(value) + '%'} meets ${min}%`,
    };
  },
};

function parseBudgets(spec: string | undefined, defaults: Record<string, number>): Record<string, number> {
  if (!spec) return defaults;
  const out: Record<string, number> = {};
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [k, v] = part.split('=');
    if (!k || v === undefined)
      throw new CiError('E_USAGE', `--budget ${JSON.stringify(part)} is not TYPE=RATE`, {
        where: '--budget',
        hint: 'e.g. --budget unit=0,integration=0.0005,e2e=0.005',
      });
    out[k.trim()] = numberOption(`--budget ${k}`, v, { min: 0, max: 1 })!;
  }
  return out;
}

export const flakyGate: GateDef = {
  name: 'flaky',
  description: 'Per-execution flake rate of each suite type within its budget (default: unit 0, integration 0.05%, e2e 0.5%)',
  configure(cmd) {
    cmd
      .argument('<report...>', 'reports of runs of one commit (reruns, retries)')
      .option('--budget <type=rate,...>', 'budgets as fractions 0–1 (default: ci-intel.yml tests.flakeBudgets)')
      .option('--overall <rate>', 'largest share of runs (0–1) with a flaky failure, all suite types together (default: tests.flakeBudgetOverall, 0.001)')
      .option(
        '--suite-type <type=glob>',
        'assign tests matching the glob (id, file, suite or classname) to a type (repeatable; adds to ci-intel.yml tests.suiteTypes)',
        collect,
        [],
      )
      .option('--format <format>', `report format (default: detected from the content): ${FORMATS_HELP}`)
      .option('--config <file>', 'ci-intel.yml to read');
    examples(
      cmd,
      'ci-intel gate flaky run1.xml run2.xml --budget unit=0,integration=0.0005,e2e=0.005',
      "ci-intel gate flaky e2e-*.xml --suite-type 'e2e=**' --budget e2e=0.005",
    );
  },
  async run(args, opts, ctx): Promise<GateResult> {
    const cfg = testsConfig(ctx.config(opts));
    const budgets = parseBudgets(opts.budget as string | undefined, cfg.flakeBudgets);
    const globs: Record<string, string[]> = {};
    for (const s of (opts.suiteType as string[]) ?? []) {
      const i = s.indexOf('=');
      if (i <= 0) throw new CiError('E_USAGE', `--suite-type ${JSON.stringify(s)} is not TYPE=GLOB`, { where: '--suite-type' });
      (globs[s.slice(0, i)] ??= []).push(s.slice(i + 1));
    }
    for (const [k, v] of Object.entries(cfg.suiteTypes)) (globs[k] ??= []).push(...v);
    const types = compileSuiteTypes(globs);
    const parsed = await readReports(args, opts.format as string | undefined);
    const meta = new Map(parsed.flatMap((p) => p.cases.map((c) => [c.id, c] as const)));
    const execs = executionsOf(parsed).map((e) => ({ ...e, type: suiteTypeOf(meta.get(e.id)!, types, cfg.defaultSuiteType) }));
    const v = classify(execs);
    const rates = flakeRates(execs, v);
    let worst: { type: string; rate: number; budget: number; over: boolean } | null = null;
    const over: string[] = [];
    const fields: Record<string, string | number> = {};
    for (const r of rates) {
      if (r.rate === null) continue;
      const budget = budgets[r.type] ?? budgets.overall ?? 0.001;
      const isOver = r.rate > budget + 1e-12;
      fields[r.type] = `${r.flaky_events}/${r.executions}`;
      if (isOver) over.push(`${r.type} ${r.flaky_events} flaky of ${r.executions} executions (rate ${r.rate.toPrecision(3)}) over budget ${budget}`);
      const score = budget > 0 ? r.rate / budget : r.rate > 0 ? Infinity : 0;
      const wscore = worst ? (worst.budget > 0 ? worst.rate / worst.budget : worst.rate > 0 ? Infinity : 0) : -1;
      if (!worst || score > wscore) worst = { type: r.type, rate: r.rate, budget, over: isOver };
    }
    fields.flaky_tests = v.flaky.length;
    // The overall budget (seed 001: at most 0.1 % of runs flaky): a run is flaky when one of its
    // failures was contradicted by a pass on the commit.
    const overall = opts.overall === undefined ? cfg.flakeBudgetOverall : Number(opts.overall);
    if (!Number.isFinite(overall) || overall < 0 || overall > 1)
      throw new CiError('E_USAGE', `--overall ${JSON.stringify(opts.overall)} is not a fraction between 0 and 1`, {
        where: '--overall',
        hint: 'e.g. --overall 0.001 (0.1 %)',
      });
    const runs = new Set(execs.map((e) => e.run));
    const flakyRuns = new Set(execs.filter((e) => isFlakyEvent(e, v)).map((e) => e.run));
    fields.flaky_runs = `${flakyRuns.size}/${runs.size}`;
    if (runs.size && flakyRuns.size / runs.size > overall + 1e-12)
      over.push(
        `${flakyRuns.size} of ${runs.size} runs had a flaky failure (${((100 * flakyRuns.size) / runs.size).toPrecision(3)} %) over the overall budget ${overall}`,
      );
    if (!worst) return { pass: true, value: null, fields, reason: 'no test ran (no data)' };
    return {
      pass: over.length === 0,
      value: worst.rate,
      max: worst.budget,
      fields: { type: worst.type, ...fields },
      reason: over.length
        ? over.join('; ') +
          (v.flaky.length
            ? ` — flaky: ${v.flaky
                .slice(0, 5)
                .map((t) => t.id)
                .join(', ')}${v.flaky.length > 5 ? ' …' : ''}`
            : '')
        : `every suite type is within its flake budget`,
    };
  },
};

async function quarantineList(opts: Record<string, unknown>, ctx: CliContext): Promise<QuarantineEntry[] | null> {
  if (typeof opts.quarantine === 'string') {
    let doc: { tests?: QuarantineEntry[] };
    try {
      doc = JSON.parse(readFileSync(opts.quarantine, 'utf8'));
    } catch (e) {
      throw new CiError('E_INPUT_UNREADABLE', `cannot read the quarantine list: ${(e as Error).message}`, {
        where: opts.quarantine,
        hint: 'write it with ci-intel tests quarantine --format json',
      });
    }
    if (!Array.isArray(doc.tests)) throw new CiError('E_INPUT_UNREADABLE', 'the quarantine list has no tests array', { where: `${opts.quarantine}: /tests` });
    return doc.tests;
  }
  const target = hubTarget(opts as { hub?: string; token?: string }, ctx);
  const repo = repoOf(opts as { repo?: string }, ctx.env);
  if (target) {
    if (!repo) throw new CiError('E_USAGE', 'which repository?', { where: '--repo' });
    return (await hubCall<{ tests: QuarantineEntry[] }>(target, `/api/v1/tests/quarantine?repo=${encodeURIComponent(repo)}`)).tests;
  }
  if (opts.db || storeConfigured(ctx.env)) {
    if (!repo) throw new CiError('E_USAGE', 'which repository?', { where: '--repo' });
    const hub = await ctx.openHub(opts);
    try {
      return await listQuarantine(hub, repo);
    } finally {
      await hub.close();
    }
  }
  return null;
}

export const testsGate: GateDef = {
  name: 'tests',
  description: 'No failed test outside quarantine; a retry that passed is not a failure',
  configure(cmd) {
    hubOpts(
      cmd
        .argument('<report...>', 'test reports of this run')
        .option('--format <format>', `report format (default: detected from the content): ${FORMATS_HELP}`)
        .option('--quarantine <file>', 'quarantine list (ci-intel tests quarantine --format json); default: the hub or store when given'),
    );
    examples(
      cmd,
      'ci-intel gate tests build/test-results/*.xml',
      'ci-intel gate tests junit.xml --hub $CI_INTEL_HUB',
      'ci-intel gate tests junit.xml --quarantine quarantine.json',
    );
  },
  async run(args, opts, ctx): Promise<GateResult> {
    const parsed = await readReports(args, opts.format as string | undefined);
    const q = await quarantineList(opts, ctx);
    const quarantined = new Set((q ?? []).map((e) => e.id));
    // The final attempt decides: a test whose retry passed did not fail the run.
    const finalStatus = new Map<string, string>();
    const failing = new Set<string>();
    for (const p of parsed) {
      for (const c of p.cases) finalStatus.set(`${p.file}\u0000${c.id}`, c.status);
    }
    for (const [k, s] of finalStatus) if (s === 'failed' || s === 'errored') failing.add(k.split('\u0000')[1]!);
    const outside = [...failing].filter((id) => !quarantined.has(id)).sort();
    const inside = [...failing].filter((id) => quarantined.has(id)).sort();
    const problems = parsed.flatMap((p) => p.summary.problems.map((x) => `${p.file}: ${x.where}: ${x.kind.replace(/_/g, ' ')}`));
    const tests = parsed.reduce((s, p) => s + p.summary.tests, 0);
    const pass = outside.length === 0 && problems.length === 0 && tests > 0;
    const reason =
      tests === 0
        ? 'no test ran (no data is not a pass)'
        : outside.length
          ? `${outside.length} failed: ${outside.slice(0, 5).join(', ')}${outside.length > 5 ? ' …' : ''}`
          : problems.length
            ? problems.slice(0, 3).join('; ')
            : `all ${tests} tests passed${inside.length ? ` (${inside.length} quarantined failures ignored)` : ''}`;
    return {
      pass,
      value: outside.length,
      max: 0,
      fields: { tests, quarantined_failures: inside.length, problems: problems.length, quarantine: q === null ? 'none' : q.length },
      reason,
    };
  },
};
