// `ci-intel backfill github --repo R [--since DATE]` (sources issue item 3): fills what webhook
// deliveries missed (the hub was down, the hook was added late) from the REST API — workflow runs
// and the jobs of each run attempt — through the same mapping and upserts as the webhooks, so
// running it twice, or over runs the webhooks already reported, changes nothing.
import type { Kysely } from 'kysely';
import type { CoreTables } from '../../../core/db/schema.js';
import { enqueue } from '../../../core/bus/index.js';
import { CiError } from '../../../core/errors.js';
import type { HubContext } from '../../../core/registry.js';
import { arr, obj, type J } from '../model.js';
import { applyMapping } from '../store.js';
import type { SourcesTables } from '../tables.js';
import { workflowJob, workflowRun } from '../webhooks/github/map.js';

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

export interface BackfillResult {
  repo: string;
  runs: number;
  jobs: number;
  requests: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The URL of the `rel="next"` page in a Link header, if any. */
export function nextLink(link: string | null): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part.trim());
    if (m) return m[1]!;
  }
  return null;
}

class GithubApi {
  requests = 0;
  constructor(private readonly o: BackfillOptions) {}

  async get(url: string): Promise<{ body: J; next: string | null }> {
    for (let attempt = 1; ; attempt++) {
      this.requests++;
      let res: Response;
      try {
        res = await (this.o.fetchImpl ?? fetch)(url, {
          headers: {
            accept: 'application/vnd.github+json',
            authorization: `Bearer ${this.o.token}`,
            'x-github-api-version': '2022-11-28',
            'user-agent': 'ci-intel-backfill',
          },
          signal: AbortSignal.timeout(60_000),
        });
      } catch (e) {
        if (attempt < 4) {
          await sleep(500 * 2 ** attempt);
          continue;
        }
        throw new CiError('E_PROVIDER_API', `cannot reach ${new URL(url).origin}: ${(e as Error).message}`, { where: url, hint: 'check --api / GITHUB_API_URL and the network', cause: e });
      }
      // Rate limits: wait as told (secondary limits send Retry-After; primary ones a reset time).
      const limited = res.status === 429 || (res.status === 403 && res.headers.get('x-ratelimit-remaining') === '0');
      if (limited && attempt < 4) {
        const after = Number(res.headers.get('retry-after'));
        const reset = Number(res.headers.get('x-ratelimit-reset'));
        const wait = Number.isFinite(after) && after > 0 ? after * 1000 : Number.isFinite(reset) && reset > 0 ? reset * 1000 - Date.now() : 1000;
        await sleep(Math.min(Math.max(wait, 100), 60_000));
        continue;
      }
      if (res.status >= 500 && attempt < 4) {
        await sleep(500 * 2 ** attempt);
        continue;
      }
      const text = await res.text();
      if (!res.ok) {
        const msg = (() => {
          try {
            return String((JSON.parse(text) as { message?: string }).message ?? text);
          } catch {
            return text.slice(0, 200);
          }
        })();
        throw new CiError('E_PROVIDER_API', `GitHub answered ${res.status}: ${msg}`, {
          where: url.split('?')[0],
          hint:
            res.status === 401
              ? 'the token is missing or invalid: set GITHUB_TOKEN to a token with the actions:read permission'
              : res.status === 404
                ? 'check --repo (owner/name) and that the token can see the repository'
                : 'retry later',
        });
      }
      return { body: JSON.parse(text) as J, next: nextLink(res.headers.get('link')) };
    }
  }
}

export async function backfillGithub(ctx: Pick<HubContext, 'db' | 'bus'>, o: BackfillOptions): Promise<BackfillResult> {
  const [owner, name, ...rest] = o.repo.split('/');
  if (!owner || !name || rest.length) throw new CiError('E_USAGE', `--repo ${o.repo} is not owner/name`, { where: '--repo' });
  if (o.since && !Number.isFinite(Date.parse(o.since))) throw new CiError('E_USAGE', `--since ${o.since} is not a date`, { where: '--since', hint: 'e.g. 2026-01-01' });
  const api = new GithubApi(o);
  const base = `${o.api.replace(/\/+$/, '')}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
  const q = new URLSearchParams({ per_page: '100' });
  if (o.since) q.set('created', `>=${new Date(o.since).toISOString().slice(0, 10)}`);
  let url: string | null = `${base}/actions/runs?${q}`;
  const out: BackfillResult = { repo: o.repo.toLowerCase(), runs: 0, jobs: 0, requests: 0 };
  const db = ctx.db as unknown as Kysely<CoreTables & SourcesTables>;
  while (url && (o.limit === undefined || out.runs < o.limit)) {
    const page: { body: J; next: string | null } = await api.get(url);
    for (const r of arr(page.body.workflow_runs).map(obj)) {
      if (o.limit !== undefined && out.runs >= o.limit) break;
      const run = workflowRun(o.repo, r, null);
      const jobs: J[] = [];
      let jobsUrl: string | null = `${base}/actions/runs/${encodeURIComponent(String(r.id))}/attempts/${run.attempt}/jobs?per_page=100`;
      while (jobsUrl) {
        const jp: { body: J; next: string | null } = await api.get(jobsUrl);
        jobs.push(...arr(jp.body.jobs).map(obj));
        jobsUrl = jp.next;
      }
      const jobMappings = jobs.map((j) => workflowJob(o.repo, j));
      const events = await db.transaction().execute(async (trx) => {
        const applied = await applyMapping(trx, {
          runs: [run, ...jobMappings.flatMap((m) => m.runs)],
          jobs: jobMappings.flatMap((m) => m.jobs),
          deployments: [],
          pushCommits: [],
          pulls: [],
        });
        await enqueue(trx as unknown as Kysely<CoreTables>, applied.events);
        return applied.events.length;
      });
      if (events) ctx.bus.notify();
      out.runs++;
      out.jobs += jobs.length;
      o.onProgress?.(out.runs);
    }
    url = page.next;
  }
  out.requests = api.requests;
  return out;
}
