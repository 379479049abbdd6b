// `ci-intel report`: one agent command for a pipeline step. It reads what the job produced (test
// reports, logs, a mutation report, coverage), analyses it offline, prints it, and — on GitHub —
// publishes a sticky pull-request comment, a check run with every annotation, labels and the job
// summary. Publishing never fails the job unless --strict; failing gates do (exit 1).
import type { Command } from 'commander';
import { collect, examples, jsonLine, numberOption } from '../../core/cli.js';
import { CiError } from '../../core/errors.js';
import path from 'node:path';
import { detectRunIdentity, githubPullRequest, gitlabMergeRequest } from '../../core/identity.js';
import { parseTraceparent } from '../../core/traceparent.js';
import { tracesConfig } from '../../pillars/traces/config.js';
import { traceIdOf } from '../../pillars/traces/ids.js';
import type { CliContext } from '../../core/registry.js';
import { analyzeJob, filesOf, type JobReport } from './analyze.js';
import { publishToGithub, type ReportTarget, type Published } from './github.js';
import { publishToGitlab } from './gitlab.js';
import { uploadJob, type Uploaded } from './upload.js';
import { hubOptions, hubTarget, uploadRun, type HubTarget } from '../../core/upload.js';
import { hubCall, queryOf } from '../../core/hub-api.js';
import type { DetectedRun } from '../../core/identity.js';
import type { CommitVerdict } from '../../pillars/determinism/store.js';
import { Redactor } from '../../core/redact/index.js';
import { redactorOptions } from '../../core/redact/pii.js';
import { gatesPassed, renderMarkdown } from './render.js';

export interface ReportOptions {
  junit?: string[];
  logs?: string[];
  coverage?: string[];
  mutation?: string;
  minCoverage?: string | number;
  comment?: boolean;
  check?: boolean;
  labels?: boolean;
  status?: boolean;
  summary?: boolean;
  githubToken?: string;
  gitlabToken?: string;
  strict?: boolean;
  json?: boolean;
  hub?: string;
  token?: string;
  runId?: string;
}

export interface ReportResult {
  report: JobReport;
  published: Published | null;
  /** The run on the hub and what went there, when a hub is given. */
  uploaded: { run_id: string; files: Uploaded[] } | null;
  gates_passed: boolean;
  exitCode: number;
}

export async function runReport(o: ReportOptions, ctx: CliContext): Promise<ReportResult> {
  const inputs = {
    junit: filesOf(o.junit ?? [], '--junit'),
    logs: filesOf(o.logs ?? [], '--logs'),
    coverage: filesOf(o.coverage ?? [], '--coverage'),
    mutation: o.mutation,
    minCoverage: numberOption('--min-coverage', o.minCoverage, { min: 0, max: 100 }),
  };
  if (!inputs.junit.length && !inputs.logs.length && !inputs.coverage.length && !inputs.mutation) {
    throw new CiError('E_USAGE', 'nothing to report', { hint: 'give at least one of --junit, --logs, --coverage, --mutation (see --help)' });
  }
  // A hub without a token is a usage error before any work.
  const target = hubTarget(o, ctx);
  const { report, mutation } = await analyzeJob(inputs, ctx);
  report.trace = traceOfJob(o, ctx);
  const passed = gatesPassed(report);
  let uploaded: ReportResult['uploaded'] = null;
  if (target) {
    const run = uploadRun(o, ctx.env);
    const files = await uploadJob(target, run, inputs, mutation, { redactor: new Redactor(redactorOptions(ctx.config().redact)), job: ctx.env.GITHUB_JOB });
    uploaded = { run_id: run.run_id, files };
    report.determinism = await determinismOfCommit(target, run, ctx);
    for (const f of files) if (f.error) ctx.err(`warning: not uploaded: ${f.file}: ${f.error}\n`);
    if (o.strict && files.some((f) => f.error)) {
      throw new CiError('E_HUB_UNREACHABLE', `${files.filter((f) => f.error).length} file(s) could not be uploaded to the hub`, {
        hint: 'see the warnings above; without --strict the job does not fail for this',
      });
    }
  }
  let published: Published | null = null;
  const publish = o.comment || o.check || o.labels || o.status || o.summary;
  if (publish) {
    published = onGitlab(ctx.env) ? await publishGitlab(o, ctx, report, inputs) : await publishGithub(o, ctx, report, inputs);
    for (const p of published.problems) ctx.err(`warning: not published: ${p}\n`);
    if (o.strict && published.problems.length) {
      throw new CiError(
        onGitlab(ctx.env) ? 'E_GITLAB_FAILED' : 'E_GITHUB_FAILED',
        `${published.problems.length} part${published.problems.length === 1 ? '' : 's'} of the report could not be published`,
        {
          hint: 'see the warnings above; without --strict the job does not fail for this',
        },
      );
    }
  }
  return { report, published, uploaded, gates_passed: passed, exitCode: passed ? 0 : 1 };
}

type Inputs = { coverage: string[] };

/**
 * The reproducibility verdicts the hub holds for the run's commit (`repro --record --hub` put them
 * there), for the comment's section; none stored is no section. A hub that cannot answer (a token
 * without the read scope, an older hub) is a warning: the report stands without the section.
 */
async function determinismOfCommit(target: HubTarget, run: DetectedRun, ctx: CliContext): Promise<CommitVerdict[] | null> {
  if (!run.repo || !run.commit_sha) return null;
  try {
    const r = await hubCall<{ verdicts: CommitVerdict[] }>(target, `/api/v1/determinism/commit-verdicts${queryOf({ repo: run.repo, commit: run.commit_sha })}`);
    return r.verdicts.length ? r.verdicts : null;
  } catch (e) {
    ctx.err(`warning: no reproducibility verdicts in the report: ${(e as Error).message}\n`);
    return null;
  }
}

/**
 * The trace the hub exports for this job's run: the pipeline's own trace id when it set
 * TRACEPARENT, else the id derived from the run id; linked when ci-intel.yml has traces.traceUrl.
 * Null outside a CI run (no run id to derive it from).
 */
function traceOfJob(o: ReportOptions, ctx: CliContext): JobReport['trace'] {
  const run = detectRunIdentity(ctx.env, o.runId);
  if (!run) return null;
  const id = traceIdOf(run.run_id.toLowerCase(), parseTraceparent(run.traceparent));
  const template = tracesConfig(ctx.config()).traceUrl;
  return { trace_id: id, url: template ? template.replaceAll('{traceId}', id) : null };
}

/** A GitLab CI job (and not GitHub Actions running something GitLab-ish). */
const onGitlab = (env: NodeJS.ProcessEnv) => env.GITLAB_CI === 'true' && env.GITHUB_ACTIONS !== 'true';

/** Says why nothing remote can be published, or throws it under --strict. */
function cannotPublish(o: ReportOptions, ctx: CliContext, what: string): void {
  if (o.strict) throw new CiError('E_USAGE', `cannot publish: ${what}`, { where: '--comment/--check/--labels/--status' });
  ctx.err(`warning: not published: ${what}\n`);
}

async function publishGithub(o: ReportOptions, ctx: CliContext, report: JobReport, inputs: Inputs): Promise<Published> {
  const gh = githubPullRequest(ctx.env);
  const config = ctx.config();
  const token = o.githubToken ?? config.github.token;
  const summaryFile = o.summary ? (ctx.env.GITHUB_STEP_SUMMARY ?? null) : null;
  if (o.summary && !summaryFile) ctx.err('warning: --summary: GITHUB_STEP_SUMMARY is not set (not a GitHub Actions job); no job summary written\n');
  const remote = o.comment || o.check || o.labels || o.status;
  if (remote && (!gh.repo || !token))
    cannotPublish(o, ctx, !gh.repo ? 'GITHUB_REPOSITORY is not set (not a GitHub Actions job)' : 'no GitHub token (pass --github-token or set GITHUB_TOKEN)');
  const target: ReportTarget = { apiUrl: config.github.apiUrl, token: token ?? '', repo: gh.repo ?? '', pr: gh.pr, sha: gh.sha };
  const canRemote = Boolean(gh.repo && token);
  return publishToGithub(target, report, {
    comment: Boolean(o.comment && canRemote),
    check: Boolean(o.check && canRemote),
    labels: Boolean(o.labels && canRemote),
    status: Boolean(o.status && canRemote),
    summaryFile,
    mutationFile: o.mutation,
    coverageFiles: inputs.coverage,
  });
}

/** GitLab: the note, labels and status need a token with the api scope; the Code Quality report needs none. */
async function publishGitlab(o: ReportOptions, ctx: CliContext, report: JobReport, inputs: Inputs): Promise<Published> {
  const gl = gitlabMergeRequest(ctx.env);
  const config = ctx.config();
  const token = o.gitlabToken ?? config.gitlab.token;
  const api = o.comment || o.labels || o.status;
  if (api && (!gl.project || !token))
    cannotPublish(
      o,
      ctx,
      !gl.project ? 'CI_PROJECT_ID is not set (not a GitLab CI job)' : 'no GitLab token (set GITLAB_TOKEN to a project access token with the api scope)',
    );
  if (o.summary) ctx.err('warning: --summary: GitLab has no job summary; keep the printed report as an artifact (the template does)\n');
  const canApi = Boolean(gl.project && token);
  return publishToGitlab(
    { url: gl.url ?? config.gitlab.url, token: token ?? '', project: gl.project ?? '', mr: gl.mr, sha: gl.sha, projectUrl: gl.projectUrl },
    report,
    {
      comment: Boolean(o.comment && canApi),
      labels: Boolean(o.labels && canApi),
      status: Boolean(o.status && canApi),
      check: Boolean(o.check),
      codeQualityFile: path.resolve('gl-code-quality-report.json'),
      mutationFile: o.mutation,
      coverageFiles: inputs.coverage,
      runUrl: ctx.env.CI_PIPELINE_URL ?? null,
    },
  );
}

export function reportCommand(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('report')
    .description(
      'Report on a pipeline job: failing tests, why the logs failed, test resilience, coverage and gates; publish a PR comment, a check run, labels and the job summary on GitHub (GitLab: a merge-request note, labels, a commit status and a Code Quality report)',
    )
    .option('--junit <glob>', 'test reports (JUnit XML, go test -json, cargo test, TAP, CTRF); repeatable', collect, [])
    .option('--logs <glob>', 'job logs to explain; repeatable', collect, [])
    .option('--coverage <glob>', 'coverage reports (lcov, Cobertura, Istanbul, Go, JaCoCo); repeatable', collect, [])
    .option('--mutation <file>', 'a mutation report (StrykerJS, PIT, mutmut, ...)')
    .option('--min-coverage <percent>', 'fail the coverage gate below this share of lines')
    .option('--comment', 'post (or edit) one sticky comment on the pull request (GitLab: merge-request note)')
    .option('--check', 'create a check run with an annotation for every failure (GitLab: gl-code-quality-report.json)')
    .option('--labels', 'label the pull request weak-tests or high-confidence from its test resilience')
    .option('--status', 'set a commit status "ci-intel" (success or failure) on the commit')
    .option('--summary', 'append the report to the job summary ($GITHUB_STEP_SUMMARY)')
    .option('--github-token <token>', 'token for the comment, check run and labels (default: GITHUB_TOKEN)')
    .option('--gitlab-token <token>', 'GitLab: token for the merge-request note, labels and status (default: GITLAB_TOKEN)')
    .option('--strict', 'fail (exit 2) when any part cannot be published')
    .option('--json', 'print the report and what was published as JSON');
  hubOptions(cmd);
  examples(
    cmd,
    "ci-intel report --junit 'reports/**/*.xml' --logs build.log",
    "ci-intel report --junit 'test-results/*.xml' --mutation reports/mutation/mutation.json --coverage coverage/lcov.info --comment --check --labels --summary",
  ).action(async (opts: ReportOptions) => {
    const r = await runReport(opts, ctx);
    ctx.out(
      opts.json
        ? jsonLine({ ...r.report, gates_passed: r.gates_passed, published: r.published, uploaded: r.uploaded }) + '\n'
        : renderMarkdown(r.report, { limit: 0 }),
    );
    if (r.exitCode) process.exitCode = r.exitCode;
  });
}
