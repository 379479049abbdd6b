// Publishing a job report on GitLab: the sticky merge-request note (found again by its marker and
// edited in place), labels, a commit status, and — GitLab's place for file:line findings in a merge
// request — a Code Quality report (`artifacts:reports:codequality`) with every annotation. Each API
// error becomes one line saying which token scope or role to fix; the token never appears.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { gitlabCall, projectRef, type GitlabTarget } from '../../core/gitlab.js';
import type { JobReport } from './analyze.js';
import { labelsFor, publishing, type PublishOptions, type Published } from './github.js';
import { annotations, COMMENT_MARKER, gatesPassed, headline, MAX_COMMENT_CHARS, renderMarkdown } from './render.js';

export interface GitlabReportTarget extends GitlabTarget {
  /** CI_PROJECT_ID (or the project's path). */
  project: string;
  /** The merge request's iid, in a merge-request pipeline. */
  mr: number | null;
  sha: string | null;
  /** The project's web page (CI_PROJECT_URL), for the note's link. */
  projectUrl: string | null;
}

export interface GitlabPublishOptions extends Omit<PublishOptions, 'summaryFile'> {
  /** Where `--check` writes the Code Quality report. */
  codeQualityFile: string;
}

const hint = (status: number, limited: boolean) =>
  limited
    ? 'GitLab rate-limited the token: retry later'
    : status === 401
      ? 'the token is missing, expired or revoked: set GITLAB_TOKEN to a project access token with the api scope (CI_JOB_TOKEN cannot post notes)'
      : status === 403
        ? 'the token needs the api scope and the Reporter role (notes, labels) or Developer (commit statuses)'
        : status === 404
          ? 'the project or merge request is not visible to the token'
          : 'GitLab failed: retry the job';

/** Code Climate issue severities GitLab shows (blocker, critical, major, minor, info). */
const SEVERITY = { failure: 'major', warning: 'minor', notice: 'info' } as const;

export async function publishToGitlab(t: GitlabReportTarget, r: JobReport, o: GitlabPublishOptions): Promise<Published> {
  const { out, attempt } = publishing();
  const call = async <T>(method: string, path: string, body?: unknown) => (await gitlabCall<T>(t, method, path, { body, sleep: o.sleep, hint })).body;
  const project = projectRef(t.project);
  if (o.check) {
    await attempt('code quality report', async () => {
      const all = annotations(r, { mutation: o.mutationFile, coverage: o.coverageFiles });
      const issues = all.map((a) => ({
        description: `${a.title}: ${a.message.split('\n')[0]}`.slice(0, 1000),
        check_name: `ci-intel ${a.title.split(/[:(]/)[0]!.trim().toLowerCase()}`,
        fingerprint: createHash('sha256').update(`${a.path}\0${a.start_line}\0${a.title}`).digest('hex'),
        severity: SEVERITY[a.annotation_level],
        location: { path: a.path, lines: { begin: a.start_line } },
      }));
      writeFileSync(o.codeQualityFile, JSON.stringify(issues, null, 2) + '\n');
      out.check_run_url = o.codeQualityFile;
      out.annotations = issues.length;
    });
  }
  if (o.status) {
    if (!t.sha) out.problems.push('commit status: no commit to set it on (CI_COMMIT_SHA is not set)');
    else
      await attempt('commit status', async () => {
        const passed = gatesPassed(r);
        await call('POST', `/projects/${project}/statuses/${t.sha}`, {
          state: passed ? 'success' : 'failed',
          name: 'ci-intel',
          description: headline(r)
            .replace(/^ci-intel: /, '')
            .slice(0, 255),
          ...(o.runUrl ? { target_url: o.runUrl } : {}),
        });
        out.status = passed ? 'success' : 'failure';
      });
  }
  if ((o.comment || o.labels) && t.mr === null)
    out.problems.push('note and labels: this job does not run in a merge-request pipeline (CI_MERGE_REQUEST_IID is not set)');
  if (o.comment && t.mr !== null) {
    await attempt('note', async () => {
      const body = renderMarkdown(r, { limit: MAX_COMMENT_CHARS, runUrl: o.runUrl, marker: true });
      const base = `/projects/${project}/merge_requests/${t.mr}/notes`;
      let ours: { id: number } | undefined;
      for (let page = 1; page <= 50 && !ours; page++) {
        const notes = await call<Array<{ id: number; body?: string; system?: boolean }>>('GET', `${base}?per_page=100&page=${page}&sort=asc`);
        ours = notes.find((n) => !n.system && n.body?.includes(COMMENT_MARKER));
        if (notes.length < 100) break;
      }
      const note = ours ? await call<{ id: number }>('PUT', `${base}/${ours.id}`, { body }) : await call<{ id: number }>('POST', base, { body });
      out.comment_url = t.projectUrl ? `${t.projectUrl.replace(/\/+$/, '')}/-/merge_requests/${t.mr}#note_${note.id}` : null;
    });
  }
  if (o.labels && t.mr !== null) {
    const { add, remove } = labelsFor(r);
    await attempt('labels', async () => {
      if (add.length || remove.length)
        await call('PUT', `/projects/${project}/merge_requests/${t.mr}`, { add_labels: add.join(','), remove_labels: remove.join(',') });
      out.labels = add;
    });
  }
  return out;
}
