// Publishing a job report on GitHub: the sticky pull-request comment (found again by its marker and
// edited in place), the check run with every annotation (GitHub takes 50 per request: the rest go in
// further updates, none dropped), labels, and the job summary file. Each API error becomes one line
// saying which permission or setting to fix; the token never appears in any message.
import { appendFileSync } from 'node:fs';
import type { CiError } from '../../core/errors.js';
import { githubCall, type GithubTarget } from '../../core/github.js';
import { annotations, COMMENT_MARKER, gatesPassed, headline, MAX_COMMENT_CHARS, renderMarkdown } from './render.js';
import type { JobReport } from './analyze.js';

export interface ReportTarget extends GithubTarget {
  /** The pull request, when the job runs for one. */
  pr: number | null;
  sha: string | null;
}

export interface PublishOptions {
  comment: boolean;
  check: boolean;
  labels: boolean;
  /** A commit status `ci-intel` on the commit (for branch protection rules that ask for statuses). */
  status?: boolean;
  /** The job summary file ($GITHUB_STEP_SUMMARY), when set. */
  summaryFile: string | null;
  mutationFile?: string;
  coverageFiles?: string[];
  runUrl?: string | null;
  /** Waits between retries of a rate-limited call (tests pass a short one). */
  sleep?: (ms: number) => Promise<void>;
}

export interface Published {
  comment_url: string | null;
  check_run_url: string | null;
  annotations: number;
  labels: string[];
  status: 'success' | 'failure' | null;
  summary: boolean;
  /** One line per thing that could not be published. */
  problems: string[];
}

/** What each call needs, for the error line when the token lacks it. */
const PERMISSION = {
  comment: 'pull-requests: write',
  check: 'checks: write',
  labels: 'pull-requests: write (or issues: write)',
  status: 'statuses: write',
} as const;

/** One REST call, its errors hinted with the permission this part of the report needs. */
class GithubApi {
  constructor(
    private readonly t: ReportTarget,
    private readonly sleep?: (ms: number) => Promise<void>,
  ) {}

  call<T>(method: string, path: string, what: keyof typeof PERMISSION, body?: unknown): Promise<T> {
    return githubCall<T>(this.t, method, path, { body, sleep: this.sleep, hint: (status, limited) => hintFor(status, what, limited, this.t.repo) });
  }
}

function hintFor(status: number, what: keyof typeof PERMISSION, limited: boolean, repo: string): string {
  if (limited) return 'GitHub rate-limited the token: retry later, or use a GitHub App token with a higher limit';
  if (status === 401) return 'the token is missing, expired or invalid: pass --github-token or set GITHUB_TOKEN';
  if (status === 403) return `the token lacks the permission: give the job "permissions: ${PERMISSION[what]}"`;
  if (status === 404) return `${repo} or the pull request is not visible to the token: check the repository and that the token may read it`;
  if (status === 422) return 'GitHub refused the content: see its message above';
  return 'GitHub failed: retry the job';
}

async function stickyComment(api: GithubApi, t: ReportTarget, body: string): Promise<string> {
  for (let page = 1; page <= 50; page++) {
    const comments = await api.call<Array<{ id: number; body?: string; html_url: string }>>(
      'GET',
      `/repos/${t.repo}/issues/${t.pr}/comments?per_page=100&page=${page}`,
      'comment',
    );
    const ours = comments.find((c) => c.body?.includes(COMMENT_MARKER));
    if (ours) return (await api.call<{ html_url: string }>('PATCH', `/repos/${t.repo}/issues/comments/${ours.id}`, 'comment', { body })).html_url;
    if (comments.length < 100) break;
  }
  return (await api.call<{ html_url: string }>('POST', `/repos/${t.repo}/issues/${t.pr}/comments`, 'comment', { body })).html_url;
}

const ANNOTATIONS_PER_CALL = 50;

async function checkRun(api: GithubApi, t: ReportTarget, r: JobReport, o: PublishOptions): Promise<{ url: string; annotations: number }> {
  const all = annotations(r, { mutation: o.mutationFile, coverage: o.coverageFiles });
  const title = headline(r);
  const summary = renderMarkdown(r, { limit: MAX_COMMENT_CHARS, runUrl: o.runUrl });
  const batches: Array<typeof all> = [];
  for (let i = 0; i < all.length; i += ANNOTATIONS_PER_CALL) batches.push(all.slice(i, i + ANNOTATIONS_PER_CALL));
  const created = await api.call<{ id: number; html_url: string }>('POST', `/repos/${t.repo}/check-runs`, 'check', {
    name: 'ci-intel',
    head_sha: t.sha,
    status: 'in_progress',
    output: { title, summary, annotations: batches[0] ?? [] },
  });
  // Annotations accumulate over updates: the first 50 went with the create, each further 50 is
  // one update, and a last update completes the run.
  const update = (extra: object, batch: typeof all) =>
    api.call('PATCH', `/repos/${t.repo}/check-runs/${created.id}`, 'check', { ...extra, output: { title, summary, annotations: batch } });
  for (const batch of batches.slice(1)) await update({}, batch);
  await update({ status: 'completed', conclusion: gatesPassed(r) ? 'success' : 'failure' }, []);
  return { url: created.html_url, annotations: all.length };
}

/** `weak-tests` below the mutation warn threshold, `high-confidence` when every gate passed and resilience is at or above it. */
export function labelsFor(r: JobReport): { add: string[]; remove: string[] } {
  const m = r.mutation;
  if (!m || m.score === null) return { add: [], remove: [] };
  if (m.level === 'fail' || m.level === 'warn') return { add: ['weak-tests'], remove: ['high-confidence'] };
  if (gatesPassed(r)) return { add: ['high-confidence'], remove: ['weak-tests'] };
  return { add: [], remove: ['high-confidence'] };
}

/**
 * What was published, and `attempt`: runs one part, turning its error into a line of `problems`
 * (one part failing never stops the others).
 */
export function publishing(): { out: Published; attempt: (what: string, fn: () => Promise<void>) => Promise<void> } {
  const out: Published = { comment_url: null, check_run_url: null, annotations: 0, labels: [], status: null, summary: false, problems: [] };
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      const err = e as CiError;
      out.problems.push(`${what}: ${err.message}${err.hint ? ` — ${err.hint}` : ''}`);
    }
  };
  return { out, attempt };
}

export async function publishToGithub(t: ReportTarget, r: JobReport, o: PublishOptions): Promise<Published> {
  const api = new GithubApi(t, o.sleep);
  const { out, attempt } = publishing();
  if (o.summaryFile) {
    await attempt('job summary', async () => {
      appendFileSync(o.summaryFile!, renderMarkdown(r, { limit: 1_000_000, runUrl: o.runUrl }) + '\n');
      out.summary = true;
    });
  }
  if (o.check) {
    if (!t.sha) out.problems.push('check run: no commit to attach it to (GITHUB_SHA is not set)');
    else
      await attempt('check run', async () => {
        const c = await checkRun(api, t, r, o);
        out.check_run_url = c.url;
        out.annotations = c.annotations;
      });
  }
  if (o.status) {
    if (!t.sha) out.problems.push('commit status: no commit to set it on (GITHUB_SHA is not set)');
    else
      await attempt('commit status', async () => {
        const state = gatesPassed(r) ? 'success' : 'failure';
        // GitHub keeps at most 140 characters of a status description.
        const description = headline(r)
          .replace(/^ci-intel: /, '')
          .slice(0, 140);
        await api.call('POST', `/repos/${t.repo}/statuses/${t.sha}`, 'status', {
          state,
          context: 'ci-intel',
          description,
          ...(o.runUrl ? { target_url: o.runUrl } : {}),
        });
        out.status = state;
      });
  }
  if ((o.comment || o.labels) && t.pr === null)
    out.problems.push('comment and labels: this job does not run for a pull request (no pull_request in GITHUB_EVENT_PATH)');
  if (o.comment && t.pr !== null) {
    await attempt('comment', async () => {
      out.comment_url = await stickyComment(api, t, renderMarkdown(r, { limit: MAX_COMMENT_CHARS, runUrl: o.runUrl, marker: true }));
    });
  }
  if (o.labels && t.pr !== null) {
    const { add, remove } = labelsFor(r);
    await attempt('labels', async () => {
      if (add.length) await api.call('POST', `/repos/${t.repo}/issues/${t.pr}/labels`, 'labels', { labels: add });
      for (const name of remove) {
        await api.call('DELETE', `/repos/${t.repo}/issues/${t.pr}/labels/${encodeURIComponent(name)}`, 'labels').catch((e: CiError) => {
          if (!/answered 404/.test(e.message)) throw e; // the label was not there
        });
      }
      out.labels = add;
    });
  }
  return out;
}
