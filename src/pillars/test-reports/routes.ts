// Hub routes: report and coverage uploads for a run (streamed, gzip ok, stub run created on first
// upload), and the reads the CLI and dashboard use (quarantine, flaky tests, flake index, coverage).
import type { HubApp } from '../../core/http/types.js';
import { Type, type TProperties } from 'typebox';
import { CiError } from '../../core/errors.js';
import { assertRepo, bodyStream, rawBodyScope, repoRegexes, requirePrincipal, resolveUploadRun } from '../../core/http/index.js';
import path from 'node:path';
import type { HubContext } from '../../core/registry.js';
import { testsConfig } from './config.js';
import { normalizeCoverageFormat, parseCoverageStream } from './coverage/index.js';
import { normalizeFormat, parseReport } from './parsers/index.js';
import { renderQuarantine, type QuarantineFormat } from './quarantine.js';
import { caseScreen } from './screen.js';
import { CaseSpool, storeReport } from './store/reports.js';
import { latestCoverage, storeCoverage } from './store/coverage.js';
import { flakeIndex, flakyTests, listQuarantine, putCodeowners } from './store/flaky.js';
import { flakeTrend, flakyBoard, quarantineBoard, slowestTests } from './store/board.js';

const idParams = Type.Object({ id: Type.String() });
const formatQuery = Type.Object({ format: Type.Optional(Type.String()) });
const repoQuery = <P extends TProperties>(extra: P) => Type.Object({ repo: Type.String({ minLength: 3 }), ...extra });
const daysQuery = repoQuery({
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 400 })),
  window: Type.Optional(Type.Integer({ minimum: 1, maximum: 400 })),
});

export function testsRoutes(app: HubApp, ctx: HubContext): void {
  const cfg = () => testsConfig(ctx.config);

  rawBodyScope(app, (scoped) => {
    scoped.post(
      '/api/v1/runs/:id/tests',
      {
        config: { scope: 'ingest' },
        schema: {
          summary: 'Upload a test report for a run (JUnit XML, go test -json, cargo test output, TAP, CTRF; gzip ok)',
          tags: ['tests'],
          params: idParams,
          querystring: formatQuery,
        },
      },
      async (req) => {
        const { id } = req.params;
        const { format } = req.query;
        const fmt = format ? normalizeFormat(format, 'query format') : undefined;
        const run = await resolveUploadRun(ctx, req, id);
        // Executions spool to a temporary file and are stored in batches: memory stays flat.
        const spool = new CaseSpool(path.join(ctx.config.dataDir, 'tmp'));
        const screen = caseScreen(ctx.redactor, 'request body');
        try {
          const summary = await parseReport(bodyStream(req, ctx.config.ingest.maxBodyBytes), {
            name: 'request body',
            format: fmt,
            onCase: (c) => spool.add(screen.apply(c)),
          });
          const key = req.headers['idempotency-key'];
          const stored = await storeReport(ctx, cfg(), {
            run_id: run.run_id,
            repo: run.repo,
            summary,
            cases: spool.batches(),
            idempotencyKey: typeof key === 'string' ? key : null,
          });
          const refused = screen.refused.length ? { refused: screen.refused.slice(0, 1000) } : {};
          return { ...stored, runner: summary.runner, duration_ms: summary.duration_ms, problems: summary.problems, ...refused };
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
          querystring: formatQuery,
        },
      },
      async (req) => {
        const { id } = req.params;
        const { format } = req.query;
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
        schema: { summary: "Store a repository's CODEOWNERS (owners of quarantined tests)", tags: ['tests'], querystring: repoQuery({}) },
      },
      async (req) => {
        const repo = req.query.repo.toLowerCase();
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
        querystring: repoQuery({
          format: Type.Union(
            ['json', 'text', 'jest', 'pytest'].map((f) => Type.Literal(f as QuarantineFormat)),
            { default: 'json' },
          ),
        }),
      },
    },
    async (req, reply) => {
      const q = req.query;
      const repo = q.repo.toLowerCase();
      assertRepo(req, repo);
      const entries = await listQuarantine(ctx, repo);
      if (q.format === 'json') return { repo, tests: entries };
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
        querystring: daysQuery,
      },
    },
    async (req) => {
      // `window` is the dashboard's filter name for the same number of days.
      const q = req.query;
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
        querystring: daysQuery,
      },
    },
    async (req) => {
      // `window` is the dashboard's filter name for the same number of days.
      const q = req.query;
      const repo = q.repo.toLowerCase();
      assertRepo(req, repo);
      const days = q.days ?? q.window ?? cfg().flakeWindowDays;
      return { repo, days, suites: await flakeIndex(ctx, repo, days) };
    },
  );
  app.get(
    '/api/v1/tests/board',
    {
      config: { scope: 'read' },
      schema: {
        summary:
          'The Tests page: flaky tests (with owner, quarantine and history), slowest tests, flake index per suite per day, quarantine — of one repository or all the token may read',
        tags: ['tests'],
        querystring: Type.Object({
          repo: Type.Optional(Type.String({ minLength: 3 })),
          days: Type.Optional(Type.Integer({ minimum: 1, maximum: 400 })),
          window: Type.Optional(Type.Integer({ minimum: 1, maximum: 400 })),
          branch: Type.Optional(Type.String()),
          environment: Type.Optional(Type.String()),
        }),
      },
    },
    async (req) => {
      const q = req.query;
      const repo = q.repo ? q.repo.toLowerCase() : null;
      if (repo) assertRepo(req, repo);
      const scope = { repo, regexes: repoRegexes(requirePrincipal(req)), days: q.days ?? q.window ?? cfg().flakeWindowDays };
      const [flaky, slowest, trend, quarantine] = await Promise.all([
        flakyBoard(ctx, scope),
        slowestTests(ctx, scope),
        flakeTrend(ctx, scope),
        quarantineBoard(ctx, scope),
      ]);
      return { repo, days: scope.days, flaky_total: flaky.total, flaky: flaky.tests, slowest, trend, quarantine };
    },
  );
  app.get(
    '/api/v1/tests/coverage/latest',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Latest coverage of a branch (percent 0–100): the baseline of `gate coverage --baseline main`',
        tags: ['tests'],
        querystring: repoQuery({ branch: Type.String({ default: 'main' }) }),
      },
    },
    async (req) => {
      const q = req.query;
      const repo = q.repo.toLowerCase();
      assertRepo(req, repo);
      const c = await latestCoverage(ctx, repo, q.branch);
      if (!c)
        throw new CiError('E_NOT_FOUND', `no coverage stored for ${repo} on ${q.branch}`, {
          hint: 'upload coverage from main-branch runs (ci-intel tests coverage FILE --hub ...)',
        });
      return { repo, branch: q.branch, ...c };
    },
  );
}
