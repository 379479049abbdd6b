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

/** Columns written as a table, one per line: name, type and doc, separated by two spaces or more. */
function cols(table: string): ViewColumn[] {
  return table
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [name, type, doc] = line.split(/\s{2,}/);
      return c(name!, type!, doc!);
    });
}

export const SETTING = 'ci_intel.sql_repos';
export const ROLE = 'ci_intel_sql';

// Columns several views share, documented once.
const RUN_ID = c('run_id', 'uuid', 'The run.');
const REPO = c('repo', 'text', 'Repository.');
const BRANCH_COMMIT = [c('branch', 'text', 'Branch.'), c('commit_sha', 'text', 'Commit.')];
const TIMES = cols(`
    started_at   timestamptz  Start (UTC).
    ended_at     timestamptz  End (UTC).
    duration_ms  bigint       Duration, milliseconds.
    queue_ms     bigint       Time waiting for a runner, milliseconds.
  `);

/** A view over a table with its own repo column. */
function repoView(name: string, doc: string, table: string, columns: ViewColumn[]): SqlView {
  return { name, doc, tables: [table], columns, from: (seen) => `${table} where ${seen('repo')}` };
}

/**
 * A view over a per-run table: `run_id` and the run's repository first, then the table's own
 * columns (qualified, since runs has columns of the same names); its rows keep to the caller's
 * repositories through the run's.
 */
function perRunView(name: string, doc: string, table: string, columns: ViewColumn[]): SqlView {
  const exprs: Record<string, string> = { repo: 'r.repo' };
  for (const col of [RUN_ID, ...columns]) exprs[col.name] = `t.${col.name}`;
  return {
    name,
    doc,
    tables: ['runs', table],
    columns: [RUN_ID, c('repo', 'text', 'Repository of the run.'), ...columns],
    exprs,
    from: (seen) => `${table} t join runs r on r.run_id = t.run_id where ${seen('r.repo')}`,
  };
}

export const VIEWS: SqlView[] = [
  repoView('sql_runs', 'One row per pipeline run.', 'runs', [
    ...cols(`
      run_id      uuid     The run (one id per CI run, whichever path reported it).
      repo        text     Repository, owner/name.
      workflow    text     Pipeline (workflow) name.
      commit_sha  text     Commit built.
      branch      text     Branch.
      pr          integer  Pull request number, when the run is for one.
      status      text     success, failed, cancelled, running …
    `),
    ...TIMES,
    ...cols(`
      environment  text     Deployment environment, when the run deploys.
      runner_os    text     Runner operating system.
      runner_type  text     Runner type (hosted, self-hosted …).
      provider     text     CI provider (github, gitlab …).
      attempt      integer  Attempt number of the run.
      source       text     How the hub learnt of it (webhook, upload, record).
    `),
  ]),
  perRunView('sql_jobs', 'One row per job of a run.', 'jobs', [
    ...cols(`
      job_id   text     Job id as the CI names it.
      name     text     Job name.
      status   text     Job status.
      attempt  integer  Attempt number.
    `),
    ...TIMES,
    ...cols(`
      cache_hit      boolean  Whether the job restored its cache.
      machine_class  text     Runner machine class.
    `),
  ]),
  perRunView(
    'sql_test_summaries',
    "A run's test and mutation totals as its record gave them (0 mutants = no mutation data).",
    'test_summaries',
    cols(`
      total              integer           Tests run.
      failed             integer           Tests failed.
      skipped            integer           Tests skipped.
      duration_ms        bigint            Test time, milliseconds.
      coverage_lines     double precision  Line coverage, percent.
      coverage_branches  double precision  Branch coverage, percent.
      mutants_total      integer           Mutants generated (0 = no mutation data).
      killed             integer           Mutants killed.
      resilience_score   double precision  Resilience score, 0–1.
    `),
  ),
  perRunView(
    'sql_costs',
    "A run's cost and carbon.",
    'costs',
    cols(`
      usd            double precision  Cost, USD.
      cpu_seconds    double precision  CPU time, seconds.
      gpu_seconds    double precision  GPU time, seconds.
      carbon_g_co2e  double precision  Carbon, grams CO2e.
      energy_kwh     double precision  Energy, kWh.
    `),
  ),
  repoView('sql_deployments', 'One row per deployment event.', 'deployments', [
    ...cols(`
      deployment_id  text  Deployment id.
      run_id         uuid  The run that deployed, when known.
    `),
    REPO,
    ...cols(`
      environment      text         Environment (staging, prod …).
      commit_sha       text         Commit deployed.
      status           text         Deployment status.
      strategy         text         Rollout strategy (canary, blue-green …).
      started_at       timestamptz  Start (UTC).
      finished_at      timestamptz  End (UTC).
      rollback_reason  text         Why it was rolled back, when it was.
    `),
  ]),
  repoView('sql_test_reports', 'One row per uploaded test report (JUnit, CTRF …).', 'tests_reports', [
    ...cols(`
      report_id  uuid  The report.
      run_id     uuid  The run it belongs to.
    `),
    REPO,
    ...BRANCH_COMMIT,
    ...cols(`
      day          date     Day of the run (UTC).
      format       text     Report format.
      tests        integer  Test cases.
      passed       integer  Passed.
      failed       integer  Failed.
      errored      integer  Errored.
      skipped      integer  Skipped.
      duration_ms  bigint   Test time, milliseconds.
    `),
  ]),
  {
    name: 'sql_tests',
    doc: 'One row per test case execution (each retry its own row).',
    tables: ['tests_results', 'tests_ids', 'tests_reports'],
    columns: [
      RUN_ID,
      REPO,
      ...cols(`
        day          date      Day of the run (UTC).
        suite        text      Suite.
        classname    text      Class name.
        name         text      Test name.
        file         text      File, when the report says.
        attempt      smallint  Attempt (1 = first try).
        status       text      passed, failed, errored or skipped.
        duration_ms  real      Duration, milliseconds.
        flaky        boolean   Failed then passed within the run.
      `),
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
  repoView('sql_mutation', 'One row per mutation-testing run.', 'mutation_runs', [
    RUN_ID,
    REPO,
    ...BRANCH_COMMIT,
    ...cols(`
      at             timestamptz       When the mutation run ended (UTC).
      tool           text              Mutation tool.
      mutants_total  integer           Mutants.
      killed         integer           Killed.
      survived       integer           Survived.
      no_coverage    integer           Not covered by any test.
      timeout        integer           Timed out (counted as killed).
      score          double precision  Mutation score, percent.
      delta_vs_main  double precision  Score change against the main branch, points.
    `),
  ]),
  perRunView(
    'sql_autopsy',
    "Root causes found in a failed run's job logs, ranked per job.",
    'autopsy_root_causes',
    cols(`
      job_id      text         Job.
      rank        integer      1 = the likeliest cause.
      category    text         Category (test, build, infra, dependency …).
      tool        text         Tool whose output matched.
      message     text         What failed.
      suggestion  text         What to do.
      severity    text         Severity.
      file        text         File named by the evidence.
      line        integer      Line in that file.
      signature   text         Failure signature (the same failure across runs).
      seen_at     timestamptz  When it was found (UTC).
    `),
  ),
  {
    name: 'sql_cache_events',
    doc: 'Build-cache traffic (hits, misses, uploads). Cache namespaces are not repositories: only a caller who sees every repository sees these rows.',
    tables: ['cache_events'],
    columns: cols(`
        at         timestamptz  When (UTC).
        kind       text         hit, miss, put, quarantine …
        protocol   text         turbo, bazel, gradle, ccache.
        namespace  text         Cache namespace (team).
        key        text         Cache key.
        bytes      bigint       Bytes moved.
        reason     text         Why (for quarantines and refusals).
      `),
    from: () => `cache_events where ci_intel_sql_sees_all()`,
  },
  perRunView(
    'sql_policy_results',
    "A run's policy decisions as its record gave them.",
    'policy_results',
    cols(`
      policy_id  text  Policy.
      result     text  pass, fail, warn …
      reason     text  Why.
    `),
  ),
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
