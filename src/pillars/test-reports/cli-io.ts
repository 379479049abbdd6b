// What the commands share: reading several reports, the repository to ask about, uploads.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { phase } from '../../core/agent-spans.js';
import { CiError } from '../../core/errors.js';
import type { TestCase } from '../../core/model/index.js';
import type { CliContext } from '../../core/registry.js';
import { hubTarget, runHeaders, uploadRun, uploadToHub } from '../../core/upload.js';
import { normalizeFormat, parseReportCases, parseReportFile, type ParseSummary, type ReportFormat } from './parsers/index.js';

export interface ParsedFile {
  file: string;
  summary: ParseSummary;
  cases: TestCase[];
}

/** A report that could not be read or parsed, with why. */
export interface FailedFile {
  file: string;
  error: CiError;
}

/**
 * Reads every report; a file that cannot be read or parsed is set aside with its error and the others
 * are still read (one bad file among many must not hide the good ones). Errors other than CiError
 * are defects and propagate.
 */
export async function readReportsPartial(
  files: string[],
  format?: string,
  keepCases = true,
): Promise<{ parsed: ParsedFile[]; failed: FailedFile[]; order: Array<ParsedFile | FailedFile> }> {
  if (!files.length) throw new CiError('E_USAGE', 'no report given', { hint: 'pass one or more report files (or - for stdin)' });
  const f: ReportFormat | undefined = format ? normalizeFormat(format) : undefined;
  const parsed: ParsedFile[] = [];
  const failed: FailedFile[] = [];
  const order: Array<ParsedFile | FailedFile> = [];
  for (const file of files) {
    try {
      // A span of the agent's own work when the pipeline traces it (core/agent-spans.ts).
      const p: ParsedFile = await phase(
        'parse',
        async () =>
          keepCases ? { file, ...(await parseReportCases(file, { format: f })) } : { file, summary: await parseReportFile(file, { format: f }), cases: [] },
        { 'ci_intel.input': file },
      );
      parsed.push(p);
      order.push(p);
    } catch (e) {
      if (!(e instanceof CiError)) throw e;
      const x = { file, error: e };
      failed.push(x);
      order.push(x);
    }
  }
  return { parsed, failed, order };
}

/** Reads every report; the first that cannot be read stops the command (gates and flaky need them all). */
export async function readReports(files: string[], format?: string, keepCases = true): Promise<ParsedFile[]> {
  const r = await readReportsPartial(files, format, keepCases);
  if (r.failed.length) throw r.failed[0]!.error;
  return r.parsed;
}

/** The repository the command is about: --repo, the CI environment, or the git remote. */
export function repoOf(opts: { repo?: string }, env: NodeJS.ProcessEnv): string | null {
  if (opts.repo) return opts.repo.toLowerCase();
  if (env.GITHUB_REPOSITORY) return env.GITHUB_REPOSITORY.toLowerCase();
  if (env.CI_PROJECT_PATH) return env.CI_PROJECT_PATH.toLowerCase();
  try {
    const url = execFileSync('git', ['remote', 'get-url', 'origin'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const m = /[:/]([^/:]+\/[^/]+?)(?:\.git)?$/.exec(url);
    return m ? m[1]!.toLowerCase() : null;
  } catch {
    return null;
  }
}

/**
 * Uploads files to `POST /api/v1/runs/:id/<kind>?format=` after the analysis was printed; an upload
 * failure is reported on stderr and makes the exit code 2, never hiding the analysis.
 */
export async function uploadFiles(
  ctx: CliContext,
  opts: Record<string, unknown>,
  kind: 'tests' | 'coverage',
  files: Array<{ file: string; format: string }>,
): Promise<void> {
  const target = hubTarget(opts as { hub?: string; token?: string }, ctx);
  if (!target) return;
  const run = uploadRun(opts as { runId?: string }, ctx.env);
  for (const f of files) {
    if (f.file === '-') {
      ctx.err(`not uploaded: ${f.file} (stdin was consumed by the analysis; pass a file to upload it)\n`);
      continue;
    }
    try {
      const r = await uploadToHub(target, {
        path: `/api/v1/runs/${run.run_id}/${kind}?format=${encodeURIComponent(f.format)}`,
        body: readFileSync(f.file),
        contentType: 'application/octet-stream',
        headers: runHeaders(run),
      });
      ctx.err(`uploaded ${f.file} to ${target.url} run ${run.run_id} (HTTP ${r.status})\n`);
    } catch (e) {
      if (e instanceof CiError) {
        ctx.err(`error ${e.oneLine()}\n`);
        process.exitCode = 2;
      } else throw e;
    }
  }
}
