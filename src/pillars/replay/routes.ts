// The replay pillar's HTTP API: `replay record --hub` uploads the tool outputs of one run as JSON;
// the hub parses them with the same readers as the CLI (errors name the field and the JSON
// pointer), redacts, stores the record and its row. Reads: a repository's records, one record, and
// drift per environment for the dashboard.
import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import { payloadContract } from '../../core/contract/payload.js';
import { repoMatch } from '../../core/db/index.js';
import { sinceInstant } from '../../core/duration.js';
import { CiError } from '../../core/errors.js';
import { assertRepo, bodyStream, rawBodyScope, repoFromPath, repoRegexes, requirePrincipal } from '../../core/http/index.js';
import { typed, type HubApp } from '../../core/http/types.js';
import type { HubContext } from '../../core/registry.js';
import { buildRecordFromTexts, type RecordTexts } from './build.js';
import { driftTrend, driftVerdict, type DriftCheck } from './drift.js';
import { parseJson } from './shape.js';
import { driftChecks, driftItems, listRecordRows, recentRecordRows, recordKeyOf, storeRecord } from './store.js';
import type { ReplayTables } from './tables.js';

/** The upload: `{env, commit, drift, plan, apply, lock, ansible}`, each tool output as the text the tool wrote. */
export const UPLOAD_FIELDS = ['plan', 'apply', 'lock', 'ansible'] as const;

async function readAll(s: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The upload's contract: replay_record_upload.schema.json, registered in the schema registry. */
export const replayUploadContract = payloadContract('replay_record_upload', '1.0.0', new URL('./replay_record_upload.schema.json', import.meta.url));

/** The upload body, checked by its schema; a bad one is named by its JSON pointer (the tool outputs are read after, by the CLI's readers). */
export function parseUpload(text: string, now: Date): RecordTexts {
  const body = parseJson(text, 'request body').object();
  const issues = replayUploadContract.check(body.value);
  if (issues.length)
    throw new CiError('E_REPLAY_INVALID', issues.map((i) => `${i.pointer || '/'} ${i.reason}`).join('; '), {
      where: 'request body',
      hint: 'send what ci-intel replay record --hub sends: {"env", "commit", "drift", "plan", "apply", "lock", "ansible"}',
    });
  const o = body.value as Record<string, unknown>;
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const texts: RecordTexts = { env: str('env') ?? 'default', commit: str('commit') ?? null, drift: o.drift === true, now };
  for (const f of UPLOAD_FIELDS) {
    const t = str(f);
    // Errors inside a tool's output name the field: "plan: /resource_changes/1/change/actions must be an array".
    if (t !== undefined) texts[f] = { text: t, name: f };
  }
  return texts;
}

export function replayRoutes(app: HubApp, ctx: HubContext): void {
  const db = () => ctx.db.withTables<ReplayTables>();
  const repoOf = (owner: string, repo: string) => repoFromPath({ owner, repo });
  const repoParams = Type.Object({ owner: Type.String(), repo: Type.String() });
  rawBodyScope(app, (scoped) => {
    scoped.post(
      '/api/v1/repos/:owner/:repo/replay-records',
      {
        config: { scope: 'ingest' },
        schema: {
          summary:
            'Record a Terraform or Ansible run or drift check of an environment at a commit: a JSON object {env, commit, drift, plan, apply, lock, ansible} whose tool outputs are the texts the tools wrote; sensitive values are redacted before storage',
          tags: ['replay'],
          params: repoParams,
        },
      },
      async (req) => {
        const repo = repoOf(req.params.owner, req.params.repo);
        assertRepo(req, repo);
        const text = await readAll(bodyStream(req, ctx.config.ingest.maxBodyBytes));
        if (!text.trim()) throw new CiError('E_BODY_EMPTY', 'the request has no body', { hint: 'send {"env", "commit", "plan", "apply", ...} as JSON' });
        const rec = buildRecordFromTexts(parseUpload(text, ctx.now()));
        const { created, record } = await storeRecord({ db: db(), blob: ctx.blob, redactor: ctx.redactor }, repo, rec);
        const { terraform: _t, ansible: _a, ...summary } = record;
        return { repo, created, ...summary };
      },
    );
  });

  const typedApp = typed(app);
  typedApp.get(
    '/api/v1/repos/:owner/:repo/replay-records',
    {
      config: { scope: 'read' },
      schema: {
        summary: "A repository's infrastructure runs and drift checks, oldest first: environment, commit, tool, kind, outcome, counts, drift items",
        tags: ['replay'],
        params: repoParams,
        querystring: Type.Object({
          env: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          kind: Type.Optional(Type.Union([Type.Literal('apply'), Type.Literal('plan'), Type.Literal('drift')])),
        }),
      },
    },
    async (req) => {
      const repo = repoOf(req.params.owner, req.params.repo);
      assertRepo(req, repo);
      return { repo, records: await listRecordRows(db(), repo, req.query) };
    },
  );

  typedApp.get(
    '/api/v1/repos/:owner/:repo/replay-records/:id',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'One record as stored (an id or its first characters): changes, providers and lock hashes, apply events, per-host results, drift',
        tags: ['replay'],
        params: Type.Object({ owner: Type.String(), repo: Type.String(), id: Type.String({ pattern: '^[0-9a-f]{4,16}$' }) }),
      },
    },
    async (req) => {
      const repo = repoOf(req.params.owner, req.params.repo);
      assertRepo(req, repo);
      const key = await recordKeyOf(db(), repo, req.params.id);
      if (!key)
        throw new CiError('E_NOT_FOUND', `no single record ${req.params.id} in ${repo}`, {
          where: req.params.id,
          hint: `GET /api/v1/repos/${repo}/replay-records lists them`,
        });
      return JSON.parse((await ctx.blob.getBuffer(key)).toString('utf8')) as unknown;
    },
  );

  /** The dashboard's filters, shared by the cross-repository reads. */
  const windowQuery = {
    since: Type.Optional(Type.String({ minLength: 1 })),
    window: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
    repo: Type.Optional(Type.String({ minLength: 1 })),
    environment: Type.Optional(Type.String({ minLength: 1 })),
  };
  type WindowQuery = { since?: string; window?: string; repo?: string; environment?: string };
  const scopeOf = (req: Parameters<typeof requirePrincipal>[0] & { query: WindowQuery }) => {
    const q = req.query;
    const res = repoRegexes(requirePrincipal(req));
    if (q.repo) assertRepo(req, q.repo.toLowerCase());
    return {
      since: sinceInstant(q.since ?? `${q.window ?? 30}d`, ctx.now(), q.since ? 'since' : 'window'),
      repoFilter: res ? repoMatch(res) : null,
      repo: q.repo?.toLowerCase(),
      env: q.environment,
    };
  };

  /** Drift per (repository, environment) over the window, from its checks in order. */
  const driftOf = async (req: Parameters<typeof scopeOf>[0], persist: number) => {
    const s = scopeOf(req);
    const rows = (await driftChecks(db(), s.since, s.repoFilter)).filter((r) => (!s.repo || r.repo === s.repo) && (!s.env || r.env === s.env));
    const groups = new Map<string, { repo: string; env: string; checks: DriftCheck[] }>();
    for (const r of rows) {
      const k = `${r.repo}\u0000${r.env}`;
      const g = groups.get(k) ?? { repo: r.repo, env: r.env, checks: [] };
      g.checks.push({ id: r.id, at: new Date(r.observed_at).toISOString(), drift: driftItems(r.drift) });
      groups.set(k, g);
    }
    const environments = [...groups.values()].map((g) => {
      const last = g.checks[g.checks.length - 1]!;
      return {
        repo: g.repo,
        environment: g.env,
        last_check: last.at,
        drifted_now: last.drift.length,
        ...driftVerdict(g.checks, persist),
        trend: driftTrend(g.checks),
      };
    });
    return { since: s.since.toISOString(), persist, environments };
  };

  typedApp.get(
    '/api/v1/replay/drift',
    {
      config: { scope: 'read' },
      schema: {
        summary:
          'Drift per repository and environment over the window (default 30 days): checks, drifted checks, the current streak, whether drift persists, the items drifted in every check of the streak, and the trend per day',
        tags: ['replay'],
        querystring: Type.Object({ ...windowQuery, persist: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }),
      },
    },
    async (req) => driftOf(req, req.query.persist ?? 2),
  );

  typedApp.get(
    '/api/v1/replay/drift/summary',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Drift in a few figures and one row per environment (the panel on the DORA page): where drift persists over the last 2 checks',
        tags: ['replay'],
        querystring: Type.Object(windowQuery),
      },
    },
    async (req) => {
      const d = await driftOf(req, 2);
      return {
        environments_checked: d.environments.length,
        drift_persists_in: d.environments.filter((e) => e.persists).length,
        drifted_items_now: d.environments.reduce((n, e) => n + e.drifted_now, 0),
        environments: d.environments.map((e) => ({
          repository: e.repo,
          environment: e.environment,
          state: e.persists ? 'drift persists' : e.drifted_now ? 'drifted' : 'clean',
          drifted_now: e.drifted_now,
          drifted_checks_in_a_row: e.streak,
          checks: e.checks,
          persistent_items: e.persistent_items.join(', '),
        })),
      };
    },
  );

  typedApp.get(
    '/api/v1/replay/records',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Infrastructure runs and drift checks of the visible repositories over the window, newest first (at most 200)',
        tags: ['replay'],
        querystring: Type.Object(windowQuery),
      },
    },
    async (req) => {
      const s = scopeOf(req);
      return { since: s.since.toISOString(), records: await recentRecordRows(db(), { ...s, limit: 200 }) };
    },
  );
}
