// Hub routes: report and coverage uploads for a run (streamed, gzip ok, stub run created on first
// upload), and the reads the CLI and dashboard use (quarantine, flaky tests, flake index, coverage).
import type { FastifyInstance } from 'fastify';
import { CiError } from '../../core/errors.js';
import { assertRepo, bodyStream, rawBodyParsers, resolveUploadRun } from '../../core/http/index.js';
import path from 'node:path';
import type { HubContext } from '../../core/registry.js';
import { testsConfig } from './config.js';
import { normalizeCoverageFormat, parseCoverageStream } from './coverage/index.js';
import { normalizeFormat, parseReport } from './parsers/index.js';
import { renderQuarantine, type QuarantineFormat } from './quarantine.js';
import { CaseSpool, storeReport } from './store/reports.js';
import { latestCoverage, storeCoverage } from './store/coverage.js';
import { flakeIndex, flakyTests, listQuarantine, putCodeowners } from './store/flaky.js';

const idParams = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } as const;
const repoQuery = (extra: Record<string, unknown> = {}) =>
  ({ type: 'object', required: ['repo'], properties: { repo: { type: 'string', minLength: 3 }, ...extra } }) as const;

export function testsRoutes(app: FastifyInstance, ctx: HubContext): void {
  const cfg = () => testsConfig(ctx.config);

  app.register(async (scoped) => {
    rawBodyParsers(scoped);
    scoped.post(
      '/api/v1/runs/:id/tests',
      {
        config: { scope: 'ingest' },
        schema: {
          summary: 'Upload a test report for a run (JUnit XML, go test -json, cargo test output, TAP, CTRF; gzip ok)',
          tags: ['tests'],
          params: idParams,
          querystring: { type: 'object', properties: { format: { type: 'string' } } },
        },
      },
      async (req) => {
        const { id } = req.params as { id: string };
        const { format } = req.query as { format?: string };
        const fmt = format ? normalizeFormat(format, 'query format') : undefined;
        const run = await resolveUploadRun(ctx, req, id);
        // Executions spool to a temporary file and are stored in batches: memory stays flat.
        const spool = new CaseSpool(path.join(ctx.config.dataDir, 'tmp'));
        try {
          const summary = await parseReport(bodyStream(req, ctx.config.ingest.maxBodyBytes), { name: 'request body', format: fmt, onCase: spool.add });
          const key = req.headers['idempotency-key'];
          const stored = await storeReport(ctx, cfg(), {
            run_id: run.run_id,
            repo: run.repo,
            summary,
            cases: spool.batches(),
            idempotencyKey: typeof key === 'string' ? key : null,
          });
          return { ...stored, runner: summary.runner, duration_ms: summary.duration_ms, problems: summary.problems };
        } finally {
          await spool.dispose();
        }
      },
    );
    scoped.post(
      '/api/v1/runs/:id/coverage',
      {
        config: { scope: 'ingest' },
        schema: {
          summary: 'Upload a coverage report for a run (lcov, Cobertura, Istanbul json-summary, Go coverprofile, JaCoCo); fills tests.coverage',
          tags: ['tests'],
          params: idParams,
          querystring: { type: 'object', properties: { format: { type: 'string' } } },
        },
      },
      async (req) => {
        const { id } = req.params as { id: string };
        const { format } = req.query as { format?: string };
        const fmt = format ? normalizeCoverageFormat(format, 'query format') : undefined;
        const run = await resolveUploadRun(ctx, req, id);
        const report = await parseCoverageStream(bodyStream(req, ctx.config.ingest.maxBodyBytes), 'request body', fmt);
        return storeCoverage(ctx, run.run_id, run.repo, report);
      },
    );
    scoped.put(
      '/api/v1/tests/codeowners',
      {
        config: { scope: 'ingest' },
        schema: { summary: "Store a repository's CODEOWNERS (owners of quarantined tests)", tags: ['tests'], querystring: repoQuery() },
      },
      async (req) => {
        const repo = (req.query as { repo: string }).repo.toLowerCase();
        assertRepo(req, repo);
        const chunks: Buffer[] = [];
        for await (const c of bodyStream(req, 1024 * 1024)) chunks.push(c as Buffer);
        await putCodeowners(ctx, repo, Buffer.concat(chunks).toString('utf8'));
        return { repo, stored: true };
      },
    );
  });

  app.get(
    '/api/v1/tests/quarantine',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Quarantined tests of a repository, as JSON or in a shape runners consume (jest, pytest, text)',
        tags: ['tests'],
        querystring: repoQuery({ format: { type: 'string', enum: ['json', 'text', 'jest', 'pytest'], default: 'json' } }),
      },
    },
    async (req, reply) => {
      const q = req.query as { repo: string; format?: QuarantineFormat };
      const repo = q.repo.toLowerCase();
      assertRepo(req, repo);
      const entries = await listQuarantine(ctx, repo);
      if (!q.format || q.format === 'json') return { repo, tests: entries };
      reply.header('content-type', 'text/plain; charset=utf-8');
      return renderQuarantine(entries, q.format, repo);
    },
  );
  app.get(
    '/api/v1/tests/flaky',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Per-test flake rate with retry metadata over a rolling window',
        tags: ['tests'],
        querystring: repoQuery({ days: { type: 'integer', minimum: 1, maximum: 400 }, window: { type: 'integer', minimum: 1, maximum: 400 } }),
      },
    },
    async (req) => {
      // `window` is the dashboard's filter name for the same number of days.
      const q = req.query as { repo: string; days?: number; window?: number };
      const repo = q.repo.toLowerCase();
      assertRepo(req, repo);
      const days = q.days ?? q.window ?? cfg().flakeWindowDays;
      return { repo, days, tests: await flakyTests(ctx, repo, days) };
    },
  );
  app.get(
    '/api/v1/tests/flake-index',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Flake index per suite type: flaky runs / total runs, quarantined tests excluded',
        tags: ['tests'],
        querystring: repoQuery({ days: { type: 'integer', minimum: 1, maximum: 400 }, window: { type: 'integer', minimum: 1, maximum: 400 } }),
      },
    },
    async (req) => {
      // `window` is the dashboard's filter name for the same number of days.
      const q = req.query as { repo: string; days?: number; window?: number };
      const repo = q.repo.toLowerCase();
      assertRepo(req, repo);
      const days = q.days ?? q.window ?? cfg().flakeWindowDays;
      return { repo, days, suites: await flakeIndex(ctx, repo, days) };
    },
  );
  app.get(
    '/api/v1/tests/coverage/latest',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Latest coverage of a branch (percent 0–100): the baseline of `gate coverage --baseline main`',
        tags: ['tests'],
        querystring: repoQuery({ branch: { type: 'string', default: 'main' } }),
      },
    },
    async (req) => {
      const q = req.query as { repo: string; branch?: string };
      const repo = q.repo.toLowerCase();
      assertRepo(req, repo);
      const c = await latestCoverage(ctx, repo, q.branch ?? 'main');
      if (!c)
        throw new CiError('E_NOT_FOUND', `no coverage stored for ${repo} on ${q.branch ?? 'main'}`, {
          hint: 'upload coverage from main-branch runs (ci-intel tests coverage FILE --hub ...)',
        });
      return { repo, branch: q.branch ?? 'main', ...c };
    },
  );
}
