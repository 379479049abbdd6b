// `ci-intel backfill github --repo R [--since DATE]` (sources issue item 3): fills what webhook
// deliveries missed (the hub was down, the hook was added late) from the REST API — workflow runs
// and the jobs of each run attempt — through the same mapping and upserts as the webhooks, so
// running it twice, or over runs the webhooks already reported, changes nothing.
import { CiError } from '../../../core/errors.js';
import type { HubContext } from '../../../core/registry.js';
import { arr, emptyMapping, obj } from '../model.js';
import { workflowJob, workflowRun } from '../webhooks/github/map.js';
import { ProviderApi, sinceDate } from './api.js';
import { backfillRuns, type BackfillResult } from './apply.js';

export interface BackfillOptions {
  repo: string;
  /** Only runs created at or after this day (YYYY-MM-DD or RFC 3339). */
  since?: string;
  token: string;
  /** API root: GITHUB_API_URL (GitHub Enterprise: https://HOST/api/v3); default https://api.github.com. */
  api: string;
  /** Stop after this many runs (newest first, as the API lists them). */
  limit?: number;
  fetchImpl?: typeof fetch;
  onProgress?: (runs: number) => void;
}

export async function backfillGithub(ctx: Pick<HubContext, 'db' | 'bus'>, o: BackfillOptions): Promise<BackfillResult> {
  const [owner, name, ...rest] = o.repo.split('/');
  if (!owner || !name || rest.length) throw new CiError('E_USAGE', `--repo ${o.repo} is not owner/name`, { where: '--repo' });
  const since = sinceDate(o.since);
  const api = new ProviderApi({
    provider: 'GitHub',
    subject: o.repo,
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${o.token}`,
      'x-github-api-version': '2022-11-28',
      'user-agent': 'ci-intel-backfill',
    },
    hint: (status) =>
      status === 401
        ? 'the token is missing or invalid: set GITHUB_TOKEN to a token with the actions:read permission'
        : status === 404
          ? 'check --repo (owner/name) and that the token can see the repository'
          : 'retry later',
    unreachableHint: 'check --api / GITHUB_API_URL and the network',
    fetchImpl: o.fetchImpl,
  });
  const base = `${o.api.replace(/\/+$/, '')}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
  const q = new URLSearchParams({ per_page: '100' });
  if (since) q.set('created', `>=${since.toISOString().slice(0, 10)}`);
  return backfillRuns(ctx, api, o, { url: `${base}/actions/runs?${q.toString()}`, items: (page) => arr(obj(page).workflow_runs) }, async (r) => {
    const run = workflowRun(o.repo, r, null);
    const jobs = await api.all(`${base}/actions/runs/${encodeURIComponent(String(r.id))}/attempts/${run.attempt}/jobs?per_page=100`, (page) =>
      arr(obj(page).jobs),
    );
    const jobMappings = jobs.map((j) => workflowJob(o.repo, j));
    return { mapping: { ...emptyMapping(), runs: [run, ...jobMappings.flatMap((m) => m.runs)], jobs: jobMappings.flatMap((m) => m.jobs) }, jobs: jobs.length };
  });
}
