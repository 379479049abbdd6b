// The documented read-only views of self-service SQL: one sql_* view per table a user queries, with
// its columns. Each view keeps to the caller's repositories by itself: ci_intel_sql_sees(repo)
// reads the per-transaction setting ci_intel.sql_repos (run.ts sets it), so a query sees what the
// caller's teams see whatever SQL it is — and no rows at all when the setting is absent.
// Views over another pillar's table are created only when that table exists (a hub assembled
// without the pillar lists fewer views); they are re-created at each start, after the migrations.
import { sql, type Kysely } from 'kysely';

export interface ViewColumn {
  name: string;
  type: string;
  doc: string;
}

export interface SqlView {
  name: string;
  doc: string;
  /** The tables it reads; the view exists only when they all do. */
  tables: string[];
  columns: ViewColumn[];
  /** FROM and WHERE (after `select <columns>`); `seen` is the visibility condition to put in it. */
  from: (seen: (repoColumn: string) => string) => string;
  /** Expressions of the columns when they are not plain names of the FROM (name → expression). */
  exprs?: Record<string, string>;
}

const c = (name: string, type: string, doc: string): ViewColumn => ({ name, type, doc });

export const SETTING = 'ci_intel.sql_repos';
export const ROLE = 'ci_intel_sql';

export const VIEWS: SqlView[] = [
  {
    name: 'sql_runs',
    doc: 'One row per pipeline run.',
    tables: ['runs'],
    columns: [
      c('run_id', 'uuid', 'The run (one id per CI run, whichever path reported it).'),
      c('repo', 'text', 'Repository, owner/name.'),
      c('workflow', 'text', 'Pipeline (workflow) name.'),
      c('commit_sha', 'text', 'Commit built.'),
      c('branch', 'text', 'Branch.'),
      c('pr', 'integer', 'Pull request number, when the run is for one.'),
      c('status', 'text', 'success, failed, cancelled, running …'),
      c('started_at', 'timestamptz', 'Start (UTC).'),
      c('ended_at', 'timestamptz', 'End (UTC).'),
      c('duration_ms', 'bigint', 'Duration, milliseconds.'),
      c('queue_ms', 'bigint', 'Time waiting for a runner, milliseconds.'),
      c('environment', 'text', 'Deployment environment, when the run deploys.'),
      c('runner_os', 'text', 'Runner operating system.'),
      c('runner_type', 'text', 'Runner type (hosted, self-hosted …).'),
      c('provider', 'text', 'CI provider (github, gitlab …).'),
      c('attempt', 'integer', 'Attempt number of the run.'),
      c('source', 'text', 'How the hub learnt of it (webhook, upload, record).'),
    ],
    from: (seen) => `runs where ${seen('repo')}`,
  },
  {
    name: 'sql_jobs',
    doc: 'One row per job of a run.',
    tables: ['runs', 'jobs'],
    columns: [
      c('run_id', 'uuid', 'The run.'),
      c('repo', 'text', 'Repository of the run.'),
      c('job_id', 'text', 'Job id as the CI names it.'),
      c('name', 'text', 'Job name.'),
      c('status', 'text', 'Job status.'),
      c('attempt', 'integer', 'Attempt number.'),
      c('started_at', 'timestamptz', 'Start (UTC).'),
      c('ended_at', 'timestamptz', 'End (UTC).'),
      c('duration_ms', 'bigint', 'Duration, milliseconds.'),
      c('queue_ms', 'bigint', 'Time waiting for a runner, milliseconds.'),
      c('cache_hit', 'boolean', 'Whether the job restored its cache.'),
      c('machine_class', 'text', 'Runner machine class.'),
    ],
    exprs: {
      run_id: 'j.run_id',
      repo: 'r.repo',
      status: 'j.status',
      attempt: 'j.attempt',
      started_at: 'j.started_at',
      ended_at: 'j.ended_at',
      duration_ms: 'j.duration_ms',
      queue_ms: 'j.queue_ms',
    },
    from: (seen) => `jobs j join runs r on r.run_id = j.run_id where ${seen('r.repo')}`,
  },
  {
    name: 'sql_test_summaries',
    doc: "A run's test and mutation totals as its record gave them (0 mutants = no mutation data).",
    tables: ['runs', 'test_summaries'],
    columns: [
      c('run_id', 'uuid', 'The run.'),
      c('repo', 'text', 'Repository of the run.'),
      c('total', 'integer', 'Tests run.'),
      c('failed', 'integer', 'Tests failed.'),
      c('skipped', 'integer', 'Tests skipped.'),
      c('duration_ms', 'bigint', 'Test time, milliseconds.'),
      c('coverage_lines', 'double precision', 'Line coverage, percent.'),
      c('coverage_branches', 'double precision', 'Branch coverage, percent.'),
      c('mutants_total', 'integer', 'Mutants generated (0 = no mutation data).'),
      c('killed', 'integer', 'Mutants killed.'),
      c('resilience_score', 'double precision', 'Resilience score, 0–1.'),
    ],
    exprs: { run_id: 't.run_id', repo: 'r.repo', duration_ms: 't.duration_ms' },
    from: (seen) => `test_summaries t join runs r on r.run_id = t.run_id where ${seen('r.repo')}`,
  },
  {
    name: 'sql_costs',
    doc: "A run's cost and carbon.",
    tables: ['runs', 'costs'],
    columns: [
      c('run_id', 'uuid', 'The run.'),
      c('repo', 'text', 'Repository of the run.'),
      c('usd', 'double precision', 'Cost, USD.'),
      c('cpu_seconds', 'double precision', 'CPU time, seconds.'),
      c('gpu_seconds', 'double precision', 'GPU time, seconds.'),
      c('carbon_g_co2e', 'double precision', 'Carbon, grams CO2e.'),
      c('energy_kwh', 'double precision', 'Energy, kWh.'),
    ],
    exprs: { run_id: 'k.run_id', repo: 'r.repo' },
    from: (seen) => `costs k join runs r on r.run_id = k.run_id where ${seen('r.repo')}`,
  },
  {
    name: 'sql_deployments',
    doc: 'One row per deployment event.',
    tables: ['deployments'],
    columns: [
      c('deployment_id', 'text', 'Deployment id.'),
      c('run_id', 'uuid', 'The run that deployed, when known.'),
      c('repo', 'text', 'Repository.'),
      c('environment', 'text', 'Environment (staging, prod …).'),
      c('commit_sha', 'text', 'Commit deployed.'),
      c('status', 'text', 'Deployment status.'),
      c('strategy', 'text', 'Rollout strategy (canary, blue-green …).'),
      c('started_at', 'timestamptz', 'Start (UTC).'),
      c('finished_at', 'timestamptz', 'End (UTC).'),
      c('rollback_reason', 'text', 'Why it was rolled back, when it was.'),
    ],
    from: (seen) => `deployments where ${seen('repo')}`,
  },
  {
    name: 'sql_test_reports',
    doc: 'One row per uploaded test report (JUnit, CTRF …).',
    tables: ['tests_reports'],
    columns: [
      c('report_id', 'uuid', 'The report.'),
      c('run_id', 'uuid', 'The run it belongs to.'),
      c('repo', 'text', 'Repository.'),
      c('branch', 'text', 'Branch.'),
      c('commit_sha', 'text', 'Commit.'),
      c('day', 'date', 'Day of the run (UTC).'),
      c('format', 'text', 'Report format.'),
      c('tests', 'integer', 'Test cases.'),
      c('passed', 'integer', 'Passed.'),
      c('failed', 'integer', 'Failed.'),
      c('errored', 'integer', 'Errored.'),
      c('skipped', 'integer', 'Skipped.'),
      c('duration_ms', 'bigint', 'Test time, milliseconds.'),
    ],
    from: (seen) => `tests_reports where ${seen('repo')}`,
  },
  {
    name: 'sql_tests',
    doc: 'One row per test case execution (each retry its own row).',
    tables: ['tests_results', 'tests_ids', 'tests_reports'],
    columns: [
      c('run_id', 'uuid', 'The run.'),
      c('repo', 'text', 'Repository.'),
      c('day', 'date', 'Day of the run (UTC).'),
      c('suite', 'text', 'Suite.'),
      c('classname', 'text', 'Class name.'),
      c('name', 'text', 'Test name.'),
      c('file', 'text', 'File, when the report says.'),
      c('attempt', 'smallint', 'Attempt (1 = first try).'),
      c('status', 'text', 'passed, failed, errored or skipped.'),
      c('duration_ms', 'real', 'Duration, milliseconds.'),
      c('flaky', 'boolean', 'Failed then passed within the run.'),
    ],
    exprs: {
      run_id: 'x.run_id',
      repo: 'i.repo',
      day: 'x.day',
      status: "(array['passed','failed','errored','skipped'])[x.status + 1]",
      attempt: 'x.attempt',
      duration_ms: 'x.duration_ms',
      flaky: 'x.flaky',
    },
    from: (seen) => `tests_results x join tests_ids i on i.test_key = x.test_key where ${seen('i.repo')}`,
  },
  {
    name: 'sql_mutation',
    doc: 'One row per mutation-testing run.',
    tables: ['mutation_runs'],
    columns: [
      c('run_id', 'uuid', 'The run.'),
      c('repo', 'text', 'Repository.'),
      c('branch', 'text', 'Branch.'),
      c('commit_sha', 'text', 'Commit.'),
      c('at', 'timestamptz', 'When the mutation run ended (UTC).'),
      c('tool', 'text', 'Mutation tool.'),
      c('mutants_total', 'integer', 'Mutants.'),
      c('killed', 'integer', 'Killed.'),
      c('survived', 'integer', 'Survived.'),
      c('no_coverage', 'integer', 'Not covered by any test.'),
      c('timeout', 'integer', 'Timed out (counted as killed).'),
      c('score', 'double precision', 'Mutation score, percent.'),
      c('delta_vs_main', 'double precision', 'Score change against the main branch, points.'),
    ],
    from: (seen) => `mutation_runs where ${seen('repo')}`,
  },
  {
    name: 'sql_autopsy',
    doc: "Root causes found in a failed run's job logs, ranked per job.",
    tables: ['autopsy_root_causes', 'runs'],
    columns: [
      c('run_id', 'uuid', 'The run.'),
      c('repo', 'text', 'Repository of the run.'),
      c('job_id', 'text', 'Job.'),
      c('rank', 'integer', '1 = the likeliest cause.'),
      c('category', 'text', 'Category (test, build, infra, dependency …).'),
      c('tool', 'text', 'Tool whose output matched.'),
      c('message', 'text', 'What failed.'),
      c('suggestion', 'text', 'What to do.'),
      c('severity', 'text', 'Severity.'),
      c('file', 'text', 'File named by the evidence.'),
      c('line', 'integer', 'Line in that file.'),
      c('signature', 'text', 'Failure signature (the same failure across runs).'),
      c('seen_at', 'timestamptz', 'When it was found (UTC).'),
    ],
    exprs: { run_id: 'a.run_id', repo: 'r.repo', file: 'a.file', line: 'a.line' },
    from: (seen) => `autopsy_root_causes a join runs r on r.run_id = a.run_id where ${seen('r.repo')}`,
  },
  {
    name: 'sql_cache_events',
    doc: 'Build-cache traffic (hits, misses, uploads). Cache namespaces are not repositories: only a caller who sees every repository sees these rows.',
    tables: ['cache_events'],
    columns: [
      c('at', 'timestamptz', 'When (UTC).'),
      c('kind', 'text', 'hit, miss, put, quarantine …'),
      c('protocol', 'text', 'turbo, bazel, gradle, ccache.'),
      c('namespace', 'text', 'Cache namespace (team).'),
      c('key', 'text', 'Cache key.'),
      c('bytes', 'bigint', 'Bytes moved.'),
      c('reason', 'text', 'Why (for quarantines and refusals).'),
    ],
    from: () => `cache_events where ci_intel_sql_sees_all()`,
  },
  {
    name: 'sql_policy_results',
    doc: "A run's policy decisions as its record gave them.",
    tables: ['policy_results', 'runs'],
    columns: [
      c('run_id', 'uuid', 'The run.'),
      c('repo', 'text', 'Repository of the run.'),
      c('policy_id', 'text', 'Policy.'),
      c('result', 'text', 'pass, fail, warn …'),
      c('reason', 'text', 'Why.'),
    ],
    exprs: { run_id: 'p.run_id', repo: 'r.repo' },
    from: (seen) => `policy_results p join runs r on r.run_id = p.run_id where ${seen('r.repo')}`,
  },
];

/** The CREATE VIEW statement of a view. */
export function viewSql(v: SqlView): string {
  const cols = v.columns.map((col) => {
    const e = v.exprs?.[col.name];
    return e ? `${e} as ${col.name}` : col.name;
  });
  return `create view ${v.name} as select ${cols.join(', ')} from ${v.from((col) => `ci_intel_sql_sees(${col})`)}`;
}

/** The functions the views filter with (created by the pillar's migration). */
export const VISIBILITY_FUNCTIONS = `
create or replace function ci_intel_sql_sees(repo text) returns boolean language sql stable as $$
  select case coalesce(current_setting('${SETTING}', true), '')
    when '' then false
    when '*' then true
    else exists (select 1 from jsonb_array_elements_text(current_setting('${SETTING}', true)::jsonb) re where repo ~ re)
  end
$$;
create or replace function ci_intel_sql_sees_all() returns boolean language sql stable as $$
  select coalesce(current_setting('${SETTING}', true), '') = '*'
$$;`;

/** The views whose tables exist in this store. */
export async function availableViews(db: Kysely<any>): Promise<SqlView[]> {
  const tables = new Set(VIEWS.flatMap((v) => v.tables));
  const rows = (
    await sql<{ name: string }>`select c.relname as name from pg_class c where c.relname = any(${[...tables]}) and pg_table_is_visible(c.oid)`.execute(db)
  ).rows;
  const have = new Set(rows.map((r) => r.name));
  return VIEWS.filter((v) => v.tables.every((t) => have.has(t)));
}

const INSTALL_LOCK = 71_311_251; // arbitrary key: concurrent hub starts install one at a time

/**
 * Drops and re-creates the views of this store's tables and lets the SQL role read them; returns
 * the views installed. Re-created at each start so they follow the tables' current columns.
 */
export async function installViews(db: Kysely<any>): Promise<SqlView[]> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${INSTALL_LOCK})`.execute(trx);
    const views = await availableViews(trx);
    for (const v of VIEWS) await sql.raw(`drop view if exists ${v.name}`).execute(trx);
    const role = await roleUsable(trx);
    for (const v of views) {
      await sql.raw(viewSql(v)).execute(trx);
      if (role) await sql.raw(`grant select on ${v.name} to ${ROLE}`).execute(trx);
    }
    return views;
  });
}

/** Whether the SQL role exists and this connection's user may take it. */
export async function roleUsable(db: Kysely<any>): Promise<boolean> {
  const r = await sql<{
    ok: boolean;
  }>`select case when exists (select 1 from pg_roles where rolname = ${ROLE}) then pg_has_role(current_user, ${ROLE}, 'MEMBER') else false end as ok`.execute(
    db,
  );
  return Boolean(r.rows[0]?.ok);
}
