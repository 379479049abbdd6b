// CLI: `ci-intel mutation report|run|compare|suppress` (issue 6 "Outputs", "Run it").
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { CiError } from '../../core/errors.js';
import type { CliContext } from '../../core/registry.js';
import { hubOptions, hubTarget, runHeaders, uploadRun, uploadToHub } from '../../core/upload.js';
import { examples, numberOption, storeOptions } from '../../core/cli.js';
import { analyzeReportFile, envelope, type AgentAnalysis } from './agent.js';
import { compareReports } from './compare.js';
import { mutationConfig } from './config.js';
import { parseFormat, readReport } from './reports/index.js';
import { formatMarkdown, formatText, pct, pts } from './render.js';
import { runStryker } from './run.js';
import { applyEquivalence, checkSuppressions, expiryInstant, loadSuppressions, parseSuppressions, type Suppression } from './suppressions.js';

const reportOptions = (cmd: Command) =>
  cmd
    .option('--format <format>', 'report format: auto, stryker, pit, mutmut, go-mutesting, cargo-mutants', 'auto')
    .option('--baseline <report|main>', "compare with another report, or with the repository's latest main-branch run (hub or store)")
    .option('--suppressions <file>', 'equivalent-mutant marks (default: mutation.suppressions of ci-intel.yml, .ci-intel/mutation-suppressions.yml)')
    .option('--coverage <lcov>', 'lcov tracefile: line coverage per file next to resilience')
    .option('--root <dir>', "project root the report's paths are relative to (default: .)")
    .option('--repo <owner/name>', 'repository, for --baseline main and uploads (default: from the CI environment)')
    .option('--branch <name>', "the run's branch for uploads (default: from the CI environment)")
    .option('--json', 'one JSON object: the tests.resilience fields by their contract names, plus label, files, hotspots')
    .option('--md', 'a PR-comment-ready Markdown summary');

function flagsOf(opts: Record<string, unknown>): Record<string, unknown> {
  return { db: opts.db, dataDir: opts.dataDir, config: opts.config };
}

/**
 * What the hub needs to create the run on first upload when --run-id hides the CI environment:
 * the repository and branch (the branch decides whether the run is on the main-branch series).
 */
function stubHeaders(opts: Record<string, unknown>, env: NodeJS.ProcessEnv, run: { repo?: string; branch?: string }): Record<string, string> {
  const h: Record<string, string> = {};
  const repo = (opts.repo as string | undefined) ?? run.repo ?? env.GITHUB_REPOSITORY ?? env.CI_PROJECT_PATH;
  const branch = (opts.branch as string | undefined) ?? run.branch ?? (env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || env.CI_COMMIT_REF_NAME);
  if (repo) h['x-ci-intel-repo'] = repo.toLowerCase();
  if (branch) h['x-ci-intel-branch'] = branch;
  return h;
}

/** Prints the analysis (text, --json or --md), then uploads when a hub is set; exit 1 below score_fail. */
async function printAndUpload(
  file: string,
  a: AgentAnalysis,
  opts: Record<string, unknown>,
  ctx: CliContext,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const s = a.summary;
  if (opts.json) ctx.out(JSON.stringify({ ...s, ...extra }) + '\n');
  else if (opts.md) ctx.out(formatMarkdown(s));
  else ctx.out(formatText(s, file));
  if (s.level === 'fail') process.exitCode = 1;
  const target = hubTarget(opts as { hub?: string; token?: string }, ctx);
  if (!target) return;
  try {
    const run = uploadRun(opts as { runId?: string }, ctx.env);
    const res = await uploadToHub(target, {
      path: `/api/v1/runs/${run.run_id}/mutation`,
      body: JSON.stringify(envelope(file, a)),
      contentType: 'application/json',
      headers: { ...runHeaders(run), ...stubHeaders(opts, ctx.env, run) },
    });
    ctx.err(`uploaded to ${target.url} (run ${run.run_id}, HTTP ${res.status})\n`);
  } catch (e) {
    // The analysis above is complete; an upload failure never hides it (exit 2 says it failed).
    if (e instanceof CiError) {
      ctx.err(`error ${e.oneLine()}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
}

export function mutationCommands(program: Command, ctx: CliContext): void {
  const mutation = examples(
    program.command('mutation').description('Mutation Observatory: how good are the tests (resilience score, delta vs main, hotspots)'),
    'ci-intel mutation report reports/mutation/mutation.json',
    'ci-intel mutation run --since origin/main --md',
  );

  // ---- report ----
  examples(
    storeOptions(
      hubOptions(
        reportOptions(
          mutation
            .command('report')
            .description('Score a mutation report: resilience = killed / max(1, mutants − equivalent), label, hotspots; exit 1 below score_fail')
            .argument(
              '<report>',
              'report file or folder (StrykerJS JSON, PIT mutations.xml, mutmut mutants/, go-mutesting output, cargo-mutants outcomes.json)',
            ),
        ),
      ),
    ),
    'ci-intel mutation report reports/mutation/mutation.json',
    'ci-intel mutation report reports/mutation/mutation.json --baseline main-report.json --md > comment.md',
    'ci-intel mutation report target/pit-reports/mutations.xml --json',
    'ci-intel mutation report mutation.json --hub https://ci-intel.internal --token $CI_INTEL_TOKEN',
  ).action(async (file: string, opts: Record<string, unknown>) => {
    const a = await analyzeReportFile(
      file,
      {
        format: parseFormat(opts.format),
        baseline: opts.baseline as string | undefined,
        suppressions: opts.suppressions as string | undefined,
        coverage: opts.coverage as string | undefined,
        root: opts.root as string | undefined,
        repo: opts.repo as string | undefined,
        storeFlags: flagsOf(opts),
        hub: opts.baseline === 'main' ? hubTarget(opts as { hub?: string; token?: string }, ctx) : null,
      },
      ctx,
      flagsOf(opts),
    );
    await printAndUpload(file, a, opts, ctx);
  });

  // ---- run ----
  examples(
    storeOptions(
      hubOptions(
        reportOptions(
          mutation
            .command('run')
            .description(
              'Run StrykerJS (9.6 on Node 20) on this JS/TS project, configured from its own test runner; diff-only with --since, then score the report',
            )
            .option('--since <ref>', 'mutate only lines changed since this git ref (committed or not)')
            .option('--full', 'mutate everything even when mutation.diffOnly is set')
            .option('--project <dir>', 'the project to mutate (default: .)')
            .option('--concurrency <n>', 'StrykerJS test-runner processes'),
        ),
      ),
    ),
    'ci-intel mutation run',
    'ci-intel mutation run --since origin/main --md > comment.md',
    'ci-intel mutation run --since HEAD~1 --json --hub $CI_INTEL_HUB',
  ).action(async (opts: Record<string, unknown>) => {
    const config = mutationConfig(ctx.config(flagsOf(opts)));
    const since = opts.full ? undefined : ((opts.since as string | undefined) ?? (config.diffOnly ? config.mainBranch : undefined));
    const projectDir = path.resolve((opts.project as string | undefined) ?? '.');
    const r = await runStryker({
      projectDir,
      since,
      concurrency: numberOption('--concurrency', opts.concurrency, { min: 1, integer: true }),
      progress: ctx.isTTY,
      err: ctx.err,
      config,
    });
    const run = {
      runner: r.runner,
      stryker: r.stryker,
      diff_only: r.diffOnly,
      since: since ?? null,
      mutate: r.mutate,
      duration_ms: Math.round(r.durationMs),
      report: r.reportPath,
    };
    if (!r.reportPath) {
      // Nothing changed that StrykerJS could mutate: no data, not a score (DESIGN.md).
      const msg = `no mutable source lines changed since ${since}: nothing to mutate`;
      if (opts.json)
        ctx.out(
          JSON.stringify({
            mutants_total: 0,
            killed: 0,
            equiv: 0,
            timeout: 0,
            score: null,
            delta_vs_main: null,
            equivalent_mutants_dropped: false,
            label: null,
            files: [],
            hotspots: [],
            run,
          }) + '\n',
        );
      else if (opts.md) ctx.out(`### Mutation testing: no data\n\n${msg}.\n`);
      else ctx.out(msg + '\n');
      return;
    }
    ctx.err(
      `StrykerJS ${r.stryker.version} (${r.stryker.from}) with the ${r.runner} runner${r.diffOnly ? `, diff-only since ${since}` : ', full run'}: ${(r.durationMs / 1000).toFixed(1)} s, report ${path.relative(process.cwd(), r.reportPath) || r.reportPath}\n`,
    );
    const a = await analyzeReportFile(
      r.reportPath,
      {
        baseline: opts.baseline as string | undefined,
        suppressions: opts.suppressions as string | undefined,
        coverage: opts.coverage as string | undefined,
        root: projectDir,
        repo: opts.repo as string | undefined,
        storeFlags: flagsOf(opts),
        hub: opts.baseline === 'main' ? hubTarget(opts as { hub?: string; token?: string }, ctx) : null,
      },
      ctx,
      flagsOf(opts),
    );
    await printAndUpload(r.reportPath, a, opts, ctx, { run });
  });

  // ---- compare ----
  examples(
    mutation
      .command('compare')
      .description('Compare two reports mutant by mutant (stable identity, not line numbers): newly survived, newly killed, new, gone; per-file score delta')
      .argument('<base>', 'the earlier report (e.g. main)')
      .argument('<head>', 'the later report (e.g. the PR)')
      .option('--format <format>', 'report format of both (default: detected)', 'auto')
      .option('--suppressions <file>', 'equivalent-mutant marks applied to both')
      .option('--json', 'one JSON object'),
    'ci-intel mutation compare main.json pr.json',
    'ci-intel mutation compare main.json pr.json --json | jq .newly_survived',
  ).action(async (base: string, head: string, opts: Record<string, unknown>) => {
    const config = mutationConfig(ctx.config({}));
    const format = parseFormat(opts.format);
    const sup = loadSuppressions((opts.suppressions as string | undefined) ?? config.suppressions, opts.suppressions !== undefined);
    const b = readReport(base, { format });
    const h = readReport(head, { format });
    applyEquivalence(b, sup, ctx.now());
    applyEquivalence(h, sup, ctx.now());
    const c = compareReports(b, h);
    if (opts.json) {
      ctx.out(JSON.stringify(c) + '\n');
    } else {
      const out = [`${base} → ${head}: resilience ${pct(c.base_score)} → ${pct(c.head_score)} (${pts(c.delta)})`];
      out.push(
        `  ${c.newly_survived.length} newly survived, ${c.newly_killed.length} newly killed, ${c.new.length} new, ${c.gone.length} gone, ${c.unchanged} unchanged`,
      );
      for (const [title, list] of [
        ['newly survived', c.newly_survived],
        ['newly killed', c.newly_killed],
        ['new', c.new],
        ['gone', c.gone],
      ] as const) {
        for (const m of list)
          out.push(
            `  ${title}: ${m.file}:${m.line} ${m.mutator}${m.replacement !== null ? ` → ${JSON.stringify(m.replacement)}` : m.description ? ` (${m.description})` : ''} [${m.before ?? '-'} → ${m.after ?? '-'}] ${m.fingerprint}`,
          );
      }
      for (const f of c.files)
        if (f.delta !== null && f.delta !== 0) out.push(`  file ${f.file}: ${pct(f.base_score)} → ${pct(f.head_score)} (${pts(f.delta)})`);
      ctx.out(out.join('\n') + '\n');
    }
    if (c.newly_survived.length) process.exitCode = 1;
  });

  // ---- suppress ----
  examples(
    storeOptions(
      mutation
        .command('suppress')
        .description('Mark a mutant equivalent (no test can kill it): records who, why and until when in the suppression file')
        .argument('<fingerprint>', 'the mutant fingerprint (from `mutation report --json`: survivors[].fingerprint)')
        .requiredOption('--reason <text>', 'why it is equivalent')
        .requiredOption('--by <who>', 'who decided')
        .requiredOption('--expires <date>', 'when to look again (YYYY-MM-DD)')
        .option('--file <suppressions>', 'the suppression file (default: mutation.suppressions of ci-intel.yml)'),
    ),
    'ci-intel mutation suppress 3f2a9c01d4e5b6a7 --reason "min/max order is irrelevant when lo <= hi" --by alice --expires 2026-12-31',
  ).action(async (fingerprint: string, opts: Record<string, unknown>) => {
    const config = mutationConfig(ctx.config(flagsOf(opts)));
    const file = (opts.file as string | undefined) ?? config.suppressions;
    const existing: Suppression[] = existsSync(file) ? parseSuppressions(readFileSync(file, 'utf8'), file) : [];
    const entry = { fingerprint, reason: String(opts.reason), by: String(opts.by), expires: String(opts.expires) };
    checkSuppressions([entry], '--fingerprint/--reason/--by/--expires');
    if (expiryInstant(entry.expires)!.getTime() <= ctx.now().getTime())
      throw new CiError('E_USAGE', `--expires ${entry.expires} is in the past`, { where: '--expires' });
    const next = [...existing.filter((s) => s.fingerprint !== fingerprint), entry].sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1));
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileSync(file, '# Equivalent mutants (ci-intel mutation suppress): fingerprint -> reason, by, expires.\n' + toYaml({ equivalents: next }));
    ctx.out(
      `${existing.some((s) => s.fingerprint === fingerprint) ? 'updated' : 'added'} ${fingerprint} in ${file} (${next.length} mark${next.length === 1 ? '' : 's'})\n`,
    );
  });
}
