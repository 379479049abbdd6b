// The hub's own check run on GitHub: when a job log of a GitHub run has been analysed, the hub (as
// a GitHub App, or with github.token) creates — or updates, one per commit — the check run
// "ci-intel autopsy" on the run's commit (a new one after each analysis: GitHub shows the latest),
// with the root causes in its summary and an annotation at file:line for each cause that names a
// file (50 per call, all of them). Off unless autopsy.checkRuns is set.
import type { Kysely } from 'kysely';
import { enqueue, type Subscription } from '../../core/bus/index.js';
import type { CoreTables } from '../../core/db/schema.js';
import { githubAuth, type GithubAuth } from '../../core/github-app.js';
import { githubCall } from '../../core/github.js';
import type { RootCause } from '../../core/model/index.js';
import type { HubContext } from '../../core/registry.js';
import { sectionOf } from '../../core/config.js';
import { autopsyConfigSection } from './config.js';
import { rootCausesOf } from './store.js';

const autopsyConfig = (ctx: HubContext) => sectionOf(ctx.config, autopsyConfigSection);

export const ANALYZED_EVENT = 'autopsy.analyzed';
export const CHECK_NAME = 'ci-intel autopsy';
const ANNOTATIONS_PER_CALL = 50;

/** Tells the check-run publisher a run's root causes changed (in the caller's transaction, or alone). */
export async function enqueueAnalyzed(ctx: HubContext, run: { run_id: string; repo: string }): Promise<void> {
  if (!autopsyConfig(ctx).checkRuns) return;
  await enqueue(ctx.db as unknown as Kysely<CoreTables>, [{ type: ANALYZED_EVENT, run_id: run.run_id, repo: run.repo }]);
  ctx.bus.notify();
}

function summaryOf(causes: RootCause[], runUrl: string | null): string {
  const lines = causes.length
    ? causes.map(
        (c, i) =>
          `${i + 1}. **${c.category}** (${c.tool})${c.file ? ` at \`${c.file}${c.line ? `:${c.line}` : ''}\`` : ''}: ${c.message}${c.suggestion ? `\n   Fix: ${c.suggestion}` : ''}`,
      )
    : ['No root cause found in the job logs.'];
  return [...lines, ...(runUrl ? ['', `[The run on ci-intel](${runUrl})`] : [])].join('\n').slice(0, 65_000);
}

export function checkRunSubscription(ctx: HubContext, o: { fetchImpl?: typeof fetch } = {}): Subscription {
  let auth: GithubAuth | null | undefined;
  return {
    consumer: 'autopsy.checks',
    types: [ANALYZED_EVENT],
    async handle(event) {
      if (!event.run_id || !autopsyConfig(ctx).checkRuns) return;
      const run = await (ctx.db as unknown as Kysely<CoreTables>)
        .selectFrom('runs')
        .select(['run_id', 'repo', 'provider', 'commit_sha', 'status'])
        .where('run_id', '=', event.run_id)
        .executeTakeFirst();
      if (!run || run.provider !== 'github' || !run.commit_sha) return;
      auth ??= githubAuth(ctx.config.github, { fetchImpl: o.fetchImpl });
      if (!auth) {
        ctx.log.warn({ repo: run.repo }, 'autopsy.checkRuns is on but no GitHub credentials are set (GITHUB_APP_ID + key, or GITHUB_TOKEN)');
        return;
      }
      const token = await auth.token(run.repo);
      const call = <T>(method: string, path: string, body?: unknown) =>
        githubCall<T>({ apiUrl: auth!.apiUrl, token }, method, path, {
          body,
          fetchImpl: o.fetchImpl,
          hint: (status) => (status === 403 ? 'the GitHub App (or token) needs the checks: write permission' : 'check the GitHub App installation'),
        });
      const causes = (await rootCausesOf(ctx, run.run_id)).flatMap((j) => j.causes);
      const annotations = causes
        .filter((c) => c.file && c.line)
        .map((c) => ({
          path: c.file!,
          start_line: c.line!,
          end_line: c.line!,
          annotation_level: c.severity === 'error' ? 'failure' : c.severity === 'warn' ? 'warning' : 'notice',
          title: `${c.category} (${c.tool})`.slice(0, 255),
          message: [c.message, c.evidence.text.trim(), c.suggestion].filter(Boolean).join('\n').slice(0, 64_000),
        }));
      const base = ctx.config.server.publicUrl?.replace(/\/+$/, '');
      const output = (batch: typeof annotations) => ({
        title: causes.length ? `${causes.length} root cause${causes.length === 1 ? '' : 's'}: ${causes[0]!.category}` : 'no root cause found',
        summary: summaryOf(causes, base ? `${base}/?page=run&id=${run.run_id}` : null),
        annotations: batch,
      });
      // Each analysis makes a new check run with the whole run's causes: GitHub shows the latest
      // check run of a name on a commit, and annotations added to an existing one would pile up.
      const conclusion = causes.some((c) => c.severity === 'error') ? 'failure' : 'neutral';
      const batches: Array<typeof annotations> = [];
      for (let i = 0; i < annotations.length; i += ANNOTATIONS_PER_CALL) batches.push(annotations.slice(i, i + ANNOTATIONS_PER_CALL));
      const { id } = await call<{ id: number }>('POST', `/repos/${run.repo}/check-runs`, {
        name: CHECK_NAME,
        head_sha: run.commit_sha,
        status: 'in_progress',
        output: output(batches[0] ?? []),
      });
      for (const b of batches.slice(1)) await call('PATCH', `/repos/${run.repo}/check-runs/${id}`, { output: output(b) });
      await call('PATCH', `/repos/${run.repo}/check-runs/${id}`, { status: 'completed', conclusion, output: output([]) });
    },
  };
}
