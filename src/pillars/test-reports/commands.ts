// `ci-intel tests parse|flaky|quarantine|coverage` (issue 5). Analysis first, then the optional hub
// upload; --json prints one JSON object per line (per file for parse, one for the aggregates).
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CiError } from '../../core/errors.js';
import type { CliContext } from '../../core/registry.js';
import { hubOptions, hubTarget } from '../../core/upload.js';
import { examples, storeOptions } from '../../core/cli.js';
import { readReports, readReportsPartial, repoOf, uploadFiles } from './cli-io.js';
import { hubCall, readHubOptions, readTarget } from '../../core/hub-api.js';
import { testsConfig } from './config.js';
import { diffCoverage, gitChangedLines } from './coverage/diff.js';
import { COVERAGE_FORMATS, type CoverageReport, mergeCoverage, normalizeCoverageFormat, parseCoverageFile, totals } from './coverage/index.js';
import { toCtrf } from './ctrf.js';
import { syncQuarantineIssues, syncQuarantineIssuesGitlab, type IssueSync } from './quarantine-issues.js';
import { classify, type Execution } from './flaky.js';
import { FORMATS_HELP, type ParseSummary } from './parsers/index.js';
import {
  findCodeowners,
  ownerOf,
  parseCodeowners,
  reasonFor,
  renderQuarantine,
  shouldQuarantine,
  type QuarantineEntry,
  type QuarantineFormat,
  type RunOutcome,
} from './quarantine.js';

const r4 = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);

function countsLine(file: string, s: ParseSummary) {
  return { file, format: s.format, tests: s.tests, passed: s.passed, failed: s.failed, errored: s.errored, skipped: s.skipped, duration_ms: s.duration_ms };
}

function warnProblems(ctx: CliContext, file: string, s: ParseSummary): void {
  for (const p of s.problems) ctx.err(`warning: ${file}: ${p.where}: ${p.kind.replace(/_/g, ' ')}: ${p.message.split('\n')[0]}\n`);
}

/** Reports of one commit as executions (each file one run). */
export function executionsOf(files: Array<{ file: string; cases: Array<{ id: string; status: Execution['status'] }> }>): Execution[] {
  return files.flatMap((f, i) => f.cases.map((c) => ({ id: c.id, status: c.status, commit: 'HEAD', run: `${i}:${f.file}` })));
}

export function testsCommands(program: Command, ctx: CliContext): void {
  const tests = examples(
    program.command('tests').description('Test reports: parse any format, find flaky tests, list the quarantine, read coverage'),
    'ci-intel tests parse build/test-results/**/*.xml --json',
    'ci-intel tests flaky run1.xml run2.xml run3.xml --json',
  );

  // ---- parse ----
  examples(
    hubOptions(
      tests
        .command('parse')
        .description('Counts per report (tests, passed, failed, errored, skipped, duration); --cases adds every execution; --to ctrf converts')
        .argument(
          '<file...>',
          'report files (any format below; gzip ok), - for stdin; a file that cannot be read is reported and the others still are (exit 2)',
        )
        .option('--format <format>', `report format (default: detected from the content): ${FORMATS_HELP}`)
        .option(
          '--json',
          'one JSON object per file: {file, format, tests, passed, failed, errored, skipped, duration_ms}, or {file, error: {code, message, where, hint}}',
        )
        .option('--cases', 'add cases: [{id, suite, classname, name, status, attempt, duration_ms, message}] to each line')
        .option('--to <format>', 'convert: ctrf')
        .option('--out <file>', 'where --to writes (all files in one document)'),
    ),
    'ci-intel tests parse target/surefire-reports/*.xml',
    'dotnet test --logger trx; ci-intel tests parse TestResults/*.trx --json',
    'cargo test -q 2>&1 | ci-intel tests parse -',
    'go test -json ./... > go.json; ci-intel tests parse go.json --json --cases',
    'ci-intel tests parse junit.xml --to ctrf --out ctrf-report.json',
    'ci-intel tests parse junit.xml --hub https://ci-intel.example --token $CI_INTEL_TOKEN',
  ).action(async (files: string[], opts: { format?: string; json?: boolean; cases?: boolean; to?: string; out?: string } & Record<string, unknown>) => {
    if (opts.to !== undefined && opts.to.toLowerCase() !== 'ctrf')
      throw new CiError('E_USAGE', `--to ${opts.to} is not supported`, { where: '--to', hint: 'use --to ctrf' });
    if (opts.to && !opts.out) throw new CiError('E_USAGE', '--to ctrf needs --out FILE', { where: '--out' });
    hubTarget(opts as { hub?: string; token?: string }, ctx); // a hub without a token is a usage error before any work
    // A file that cannot be read is reported in its place and the others still are; exit 2 at the end.
    const { parsed, failed, order } = await readReportsPartial(files, opts.format, Boolean(opts.cases || opts.to));
    for (const p of order) {
      if ('error' in p) {
        if (opts.json) ctx.out(JSON.stringify({ file: p.file, error: p.error.toJSON() }) + '\n');
        ctx.err(`error ${p.error.oneLine()}\n`);
        continue;
      }
      warnProblems(ctx, p.file, p.summary);
      const line: Record<string, unknown> = countsLine(p.file, p.summary);
      if (opts.cases)
        line.cases = p.cases.map((c) => ({
          id: c.id,
          suite: c.suite,
          classname: c.classname,
          name: c.name,
          status: c.status,
          attempt: c.attempt,
          duration_ms: c.duration_ms,
          message: c.message,
        }));
      if (opts.json) ctx.out(JSON.stringify(line) + '\n');
      else {
        const s = p.summary;
        ctx.out(
          `${p.file}: ${s.format}${s.runner ? ` (${s.runner})` : ''} tests=${s.tests} passed=${s.passed} failed=${s.failed} errored=${s.errored} skipped=${s.skipped} duration_ms=${s.duration_ms ?? 'none'}\n`,
        );
        if (opts.cases) for (const c of p.cases) ctx.out(`  ${c.status.padEnd(7)} ${c.id}${c.attempt > 1 ? ` (attempt ${c.attempt})` : ''}\n`);
      }
    }
    if (opts.to && opts.out && parsed.length) {
      const all = parsed.flatMap((p) => p.cases);
      const sum =
        parsed.length === 1 ? parsed[0]!.summary : { ...parsed[0]!.summary, duration_ms: parsed.reduce((s, p) => s + (p.summary.duration_ms ?? 0), 0) };
      writeFileSync(opts.out, JSON.stringify(toCtrf(sum, all, { now: ctx.now() }), null, 2) + '\n');
      ctx.err(`wrote ${opts.out} (CTRF, ${all.length} executions)\n`);
    }
    await uploadFiles(
      ctx,
      opts,
      'tests',
      parsed.map((p) => ({ file: p.file, format: p.summary.format })),
    );
    if (failed.length) process.exitCode = Math.max(typeof process.exitCode === 'number' ? process.exitCode : 0, ...failed.map((f) => f.error.exitCode));
  });

  // ---- flaky ----
  examples(
    tests
      .command('flaky')
      .description('Flaky and broken tests over reports of reruns of one commit: a failure is flaky only when a pass on the same commit contradicts it')
      .argument('<report...>', 'one report per run, all of the same commit')
      .option('--format <format>', `report format (default: detected from the content): ${FORMATS_HELP}`)
      .option('--json', 'one JSON object: {runs, flaky: [{id, failed, passed}], broken: [{id, failed, passed}]}'),
    'ci-intel tests flaky rerun-*.xml',
    'ci-intel tests flaky go-run1.json go-run2.json go-run3.json --json',
  ).action(async (files: string[], opts: { format?: string; json?: boolean }) => {
    const parsed = await readReports(files, opts.format);
    for (const p of parsed) warnProblems(ctx, p.file, p.summary);
    const v = classify(executionsOf(parsed));
    const out = { runs: files.length, flaky: v.flaky, broken: v.broken };
    if (opts.json) {
      ctx.out(JSON.stringify(out) + '\n');
      return;
    }
    ctx.out(`runs=${out.runs} flaky=${v.flaky.length} broken=${v.broken.length}\n`);
    for (const t of v.flaky) ctx.out(`flaky  ${t.id}  failed=${t.failed} passed=${t.passed}\n`);
    for (const t of v.broken) ctx.out(`broken ${t.id}  failed=${t.failed} passed=${t.passed}\n`);
  });

  // ---- quarantine ----
  examples(
    storeOptions(
      readHubOptions(
        tests
          .command('quarantine')
          .description('The quarantine list in a shape runners consume; from the hub (--hub), the store (--db), or a series of local reports')
          .argument('[report...]', 'reports of successive runs (oldest first) to judge offline instead of asking the hub or store')
          .option('--format <format>', 'json | text | jest | pytest', 'text')
          .option('--repo <owner/name>', 'repository (default: from the CI environment or the git remote)')
          .option(
            '--sync-issues',
            'open a GitHub issue (GitLab: in a GitLab CI job or with --gitlab-project) labelled ci-intel-quarantine per quarantined test, mentioning its owner; close those of released tests',
          )
          .option('--github-token <token>', 'token for --sync-issues (env GITHUB_TOKEN)')
          .option('--gitlab-project <id>', 'GitLab project (id or group/name) for --sync-issues (env CI_PROJECT_ID; token GITLAB_TOKEN)')
          .option('--github-api <url>', 'GitHub REST base URL (env GITHUB_API_URL; default https://api.github.com)'),
      ),
    ),
    'ci-intel tests quarantine --hub $CI_INTEL_HUB --format pytest > deselect.txt && pytest $(cat deselect.txt)',
    'npx jest $(ci-intel tests quarantine --format jest)',
    'ci-intel tests quarantine run-*.xml --format json',
    'ci-intel tests quarantine --hub $CI_INTEL_HUB --repo org/app --sync-issues',
  ).action(async (files: string[], opts: { format: string; repo?: string } & Record<string, unknown>) => {
    const format = opts.format.toLowerCase() as QuarantineFormat;
    if (!['json', 'text', 'jest', 'pytest'].includes(format))
      throw new CiError('E_USAGE', `--format ${opts.format} is not one of json, text, jest, pytest`, { where: '--format' });
    const cfg = testsConfig(ctx.config(opts));
    const repo = repoOf(opts, ctx.env);
    let entries: QuarantineEntry[];
    if (files.length) entries = await quarantineFromReports(files, cfg.quarantine, ctx);
    else {
      if (!repo)
        throw new CiError('E_USAGE', 'which repository?', {
          where: '--repo',
          hint: 'pass --repo owner/name (or run inside the repository), or pass report files',
        });
      const target = readTarget(opts, ctx);
      if (target) entries = (await hubCall<{ tests: QuarantineEntry[] }>(target, `/api/v1/tests/quarantine?repo=${encodeURIComponent(repo)}`)).tests;
      else {
        const hub = await ctx.openHub(opts);
        try {
          const { listQuarantine } = await import('./store/flaky.js'); // the store's modules load only here
          entries = await listQuarantine(hub, repo);
        } finally {
          await hub.close();
        }
      }
    }
    ctx.out(renderQuarantine(entries, format, repo));
    if (opts.syncIssues) {
      const r = await syncIssues(opts, ctx, repo, entries);
      for (const o of r.opened) ctx.err(`quarantine issue opened #${o.number} ${o.url} (${o.id})\n`);
      for (const c of r.closed) ctx.err(`quarantine issue closed #${c.number} ${c.url}\n`);
    }
  });

  // ---- coverage ----
  examples(
    hubOptions(
      tests
        .command('coverage')
        .description('Coverage in percent (lines, branches, statements), per file, and diff coverage of a change')
        .argument('<file...>', `coverage reports (${COVERAGE_FORMATS.join(', ')}); several are merged`)
        .option('--format <format>', 'coverage format (default: detected)')
        .option('--files', 'list every file')
        .option('--diff-base <ref>', 'also the coverage of the lines changed since this git ref (e.g. origin/main)')
        .option('--json', 'one JSON object: {format, lines, branches, statements, files?, diff?}'),
    ),
    'ci-intel tests coverage coverage/lcov.info',
    'ci-intel tests coverage coverage.out --diff-base origin/main --json',
  ).action(async (files: string[], opts: { format?: string; files?: boolean; diffBase?: string; json?: boolean } & Record<string, unknown>) => {
    hubTarget(opts as { hub?: string; token?: string }, ctx);
    const fmt = opts.format ? normalizeCoverageFormat(opts.format) : undefined;
    const reports: CoverageReport[] = [];
    for (const f of files) reports.push(await parseCoverageFile(f, fmt));
    const merged = mergeCoverage(reports);
    const t = totals(merged.files);
    const diff = opts.diffBase ? diffCoverage(merged, gitChangedLines(opts.diffBase)) : null;
    const out: Record<string, unknown> = {
      format: merged.format,
      lines: r4(t.lines),
      branches: r4(t.branches),
      statements: r4(t.statements),
      counts: t.counts,
    };
    if (opts.files) out.files = merged.files.map((f) => ({ file: f.file, lines: f.lines, branches: f.branches, statements: f.statements }));
    if (diff) out.diff = { lines: r4(diff.pct), covered: diff.covered, total: diff.total, files: diff.files };
    if (opts.json) ctx.out(JSON.stringify(out) + '\n');
    else {
      const pct = (v: number | null) => (v === null ? 'none' : `${r4(v)}%`);
      ctx.out(
        `coverage (${merged.format}): lines ${pct(t.lines)} branches ${pct(t.branches)} statements ${pct(t.statements)} over ${merged.files.length} files\n`,
      );
      if (opts.files)
        for (const f of merged.files) ctx.out(`  ${f.file}: lines ${f.lines.covered}/${f.lines.total} branches ${f.branches.covered}/${f.branches.total}\n`);
      if (diff) {
        ctx.out(`diff coverage vs ${opts.diffBase}: ${pct(diff.pct)} (${diff.covered}/${diff.total} changed executable lines)\n`);
        for (const f of diff.files) if (f.missed_lines.length) ctx.out(`  ${f.file}: not covered ${f.missed_lines.join(',')}\n`);
      }
    }
    await uploadFiles(
      ctx,
      opts,
      'coverage',
      files.map((f, i) => ({ file: f, format: reports[i]!.format })),
    );
  });
}

/** Offline quarantine over a series of local reports of one commit (each file one run, oldest first). */
async function quarantineFromReports(files: string[], cfg: ReturnType<typeof testsConfig>['quarantine'], ctx: CliContext): Promise<QuarantineEntry[]> {
  const parsed = await readReports(files);
  const execs = executionsOf(parsed);
  const v = classify(execs);
  const byTest = new Map<string, RunOutcome[]>();
  const meta = new Map<string, { file?: string | null; classname: string | null; name: string }>();
  parsed.forEach((p, i) => {
    const per = new Map<string, RunOutcome>();
    for (const c of p.cases) {
      meta.set(c.id, { file: c.file, classname: c.classname, name: c.name });
      const o = per.get(c.id) ?? { run: p.file, flaky_failures: 0, failed: false };
      const fail = c.status === 'failed' || c.status === 'errored';
      if (fail) o.failed = true;
      if (fail && v.flakyKeys.has(`HEAD\u0000${c.id}`)) o.flaky_failures++;
      per.set(c.id, o);
    }
    for (const [id, o] of per) byTest.set(id, [...(byTest.get(id) ?? []), o]);
    void i;
  });
  const text = findCodeowners(process.cwd());
  const rules = text ? parseCodeowners(text) : [];
  const now = ctx.now();
  const out: QuarantineEntry[] = [];
  for (const [id, hist] of byTest) {
    const d = shouldQuarantine(hist, cfg);
    if (!d.yes) continue;
    const m = meta.get(id)!;
    out.push({
      id,
      kind: d.kind,
      owner: ownerOf({ id, file: m.file, classname: m.classname }, rules),
      reason: reasonFor(d, hist.length, cfg.windowRuns),
      quarantined_at: now.toISOString(),
      expires_at: new Date(now.getTime() + cfg.expiryDays * 86_400_000).toISOString(),
      proof_runs: d.proof_runs,
      flaky_failures: d.flaky_failures,
      file: m.file ?? null,
      classname: m.classname,
      name: m.name,
    });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** --sync-issues: GitLab issues in a GitLab CI job or with --gitlab-project, else GitHub issues. */
async function syncIssues(opts: Record<string, unknown>, ctx: CliContext, repo: string | null, entries: QuarantineEntry[]): Promise<IssueSync> {
  const config = ctx.config(opts);
  const gitlabProject = (opts.gitlabProject as string | undefined) ?? (ctx.env.GITLAB_CI === 'true' ? ctx.env.CI_PROJECT_ID : undefined);
  if (gitlabProject) {
    const token = config.gitlab.token;
    if (!token) throw new CiError('E_USAGE', '--sync-issues needs a GitLab token', { where: '--sync-issues', hint: 'set GITLAB_TOKEN (api scope)' });
    return syncQuarantineIssuesGitlab({ url: ctx.env.CI_SERVER_URL ?? config.gitlab.url, token, project: gitlabProject }, entries);
  }
  const github = config.github;
  const token = (opts.githubToken as string | undefined) ?? github.token;
  if (!token) throw new CiError('E_USAGE', '--sync-issues needs a GitHub token', { where: '--sync-issues', hint: 'pass --github-token or set GITHUB_TOKEN' });
  if (!repo || !/^[\w.-]+\/[\w.-]+$/.test(repo))
    throw new CiError('E_USAGE', '--sync-issues needs the repository as owner/name', { where: '--repo', hint: 'pass --repo owner/name' });
  return syncQuarantineIssues({ repo, token, apiUrl: (opts.githubApi as string | undefined) ?? github.apiUrl }, entries);
}
