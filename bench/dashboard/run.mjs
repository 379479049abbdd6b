// bench/dashboard — issue 8 "Targets": every API query behind the dashboard over 30 days of 20 repos ×
// 200 runs/day, P50/P95 on PGlite and on PostgreSQL (goal P95 <= 200 ms; seed 000's ship gate is
// 10 s), then the same queries' P95 at 10× the data. The peer, measured in the same run on the same
// store, is the straightforward query without rollups: exact percentiles with a GROUP BY over the raw
// runs and jobs (what the health endpoint would cost without metrics_run_daily / metrics_job_daily).
// Each timing is one HTTP request through the real app (inject: routing, auth, refresh check, SQL,
// JSON). Percentiles of the timings are exact nearest-rank over the repetitions.
//
//   npm run build && node bench/dashboard/run.mjs [--repos 20] [--days 30] [--runs-per-day 200]
//        [--scale 10] [--stores pglite,postgres] [--reps 40]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import {
  analyzeIfStale,
  createApp,
  createToken,
  defaultConfig,
  insertCommits,
  normalizeRecord,
  openHub,
  pillars,
  refreshMetrics as refresh,
  synthesize,
  writeNormalized,
} from 'ci-intel';
import { startPostgres } from '../../scripts/postgres.mjs';

const argv = process.argv;
const arg = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i > 0 ? argv[i + 1] : dflt;
};
const REPOS = Number(arg('repos', 20));
const DAYS = Number(arg('days', 30));
const PER_DAY = Number(arg('runs-per-day', 200));
const SCALE = Number(arg('scale', 10));
const REPS = Number(arg('reps', 40));
const STORES = String(arg('stores', 'pglite,postgres')).split(',');
const END = new Date('2026-06-01T00:00:00Z');
const NOW = new Date('2026-06-01T06:00:00Z');

const pctl = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil(p * s.length)) - 1];
};
const ms = (x) => `${x.toFixed(1)} ms`;

console.log(`input: ${REPOS} repos × ${DAYS} days × ${PER_DAY} runs/day (synth seed 1), then ×${SCALE}; ${REPS} requests per query`);
const t0 = performance.now();
const synth = synthesize({ repos: REPOS, days: DAYS, runsPerDay: PER_DAY, seed: 1, end: END });
const norm = synth.records.map((r, i) =>
  normalizeRecord(r, { record_key: 'bench', record_index: i, load_id: '00000000-0000-4000-8000-000000000000', schema_version: r.schema }),
);
console.log(`generated ${synth.records.length} runs, ${synth.commits.length} commits in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const firstRepo = synth.records[0].repo;

/** The dashboard's API calls (what each page requests), with the filters a user clicks. */
const QUERIES = [
  ['overview', '/api/v1/metrics/overview?window=30'],
  ['health', '/api/v1/metrics/health?window=30'],
  ['health repo', `/api/v1/metrics/health?window=30&repo=${firstRepo}`],
  ['health branch=main', '/api/v1/metrics/health?window=30&branch=main'],
  ['failures', '/api/v1/metrics/failures?window=30'],
  ['daily', '/api/v1/metrics/export/daily.json?window=30'],
  ['dora prod', '/api/v1/metrics/dora?window=30'],
  ['dora dev', '/api/v1/metrics/dora?window=30&environment=dev'],
  ['readiness', '/api/v1/metrics/readiness?window=30'],
  ['cost', '/api/v1/metrics/cost?window=90'],
  ['filters', '/api/v1/metrics/filters'],
  ['health 7d', '/api/v1/metrics/health?window=7'],
  // The Scorecard page: DORA, run health and flake index for this window and the one before, readiness.
  ['scorecard', '/api/v1/metrics/scorecard?window=30'],
  // The Tests page's board over every repository (the bench stores runs only: its tables are empty here).
  ['tests board', '/api/v1/tests/board?window=30'],
];

/** The peer: run health with exact percentiles straight from runs and jobs, no rollups. */
async function peerHealth(db) {
  const since = new Date('2026-05-02T00:00:00Z');
  await sql`select repo, workflow, count(*), count(*) filter (where status = 'success'), count(*) filter (where status = 'failed'),
      percentile_disc(0.5) within group (order by duration_ms), percentile_disc(0.95) within group (order by duration_ms),
      percentile_disc(0.5) within group (order by queue_ms), percentile_disc(0.95) within group (order by queue_ms)
    from runs where started_at >= ${since} group by 1, 2`.execute(db);
  await sql`select r.repo, r.workflow, j.name, count(*), count(*) filter (where j.status = 'failed'), count(*) filter (where j.attempt > 1),
      percentile_disc(0.5) within group (order by j.duration_ms), percentile_disc(0.95) within group (order by j.duration_ms)
    from jobs j join runs r using (run_id) where r.started_at >= ${since} group by 1, 2, 3`.execute(db);
}

async function load(hub) {
  const t = performance.now();
  for (let i = 0; i < norm.length; i += 2000) await hub.db.transaction().execute((trx) => writeNormalized(trx, norm.slice(i, i + 2000), []));
  await insertCommits(
    hub.db,
    synth.commits.map((c) => ({ ...c, source: 'bench' })),
  );
  return (performance.now() - t) / 1000;
}

/** Multiplies the data ×SCALE in SQL: copies of every repo (repo-k), new run ids, same times. */
async function multiply(db, k) {
  const cols = async (t) =>
    (
      await sql`select column_name from information_schema.columns where table_name = ${t} and table_schema = current_schema() order by ordinal_position`.execute(
        db,
      )
    ).rows.map((r) => r.column_name);
  const repos = sql.join(synth.records.map((r) => r.repo).filter((r, i, a) => a.indexOf(r) === i));
  const sub = (c) =>
    c === 'run_id'
      ? sql`md5(run_id::text || ${String(k)})::uuid`
      : c === 'repo'
        ? sql`repo || ${`-${k}`}`
        : c === 'event_key'
          ? sql`event_key || ${`-${k}`}`
          : c === 'load_id'
            ? sql`null`
            : sql.id(c);
  const copy = async (t, where) => {
    const cs = await cols(t);
    await sql`insert into ${sql.table(t)} (${sql.join(cs.map((c) => sql.id(c)))}) select ${sql.join(cs.map(sub))} from ${sql.table(t)} where ${where}`.execute(
      db,
    );
  };
  await copy('runs', sql`repo in (${repos})`);
  for (const t of ['jobs', 'test_summaries', 'policy_results', 'costs', 'chaos_trials'])
    await copy(t, sql`run_id in (select run_id from runs where repo in (${repos}))`);
  await copy('deployments', sql`repo in (${repos})`);
  await copy('commits', sql`repo in (${repos})`);
}

async function timeQueries(app, token, reps) {
  const out = [];
  for (const [name, url] of QUERIES) {
    const samples = [];
    for (let i = 0; i < reps + 2; i++) {
      const t = performance.now();
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      const dt = performance.now() - t;
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      if (i >= 2) samples.push(dt);
    }
    out.push({ name, p50: pctl(samples, 0.5), p95: pctl(samples, 0.95) });
  }
  return out;
}

async function peer(hub, reps) {
  const samples = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await peerHealth(hub.db);
    samples.push(performance.now() - t);
  }
  return { p50: pctl(samples, 0.5), p95: pctl(samples, 0.95) };
}

const summary = [];
for (const kind of STORES) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-dashboard-'));
  const pg = kind === 'postgres' ? await startPostgres() : null;
  const config = defaultConfig(dir);
  config.dataDir = dir;
  config.db = pg ? pg.url : path.join(dir, 'db');
  const hub = await openHub(config, { pillars, now: () => NOW });
  try {
    const app = await createApp(hub, pillars);
    const token = (await createToken(hub.db, { repoPatterns: ['**'], scopes: ['read'], expiresAt: null })).token;
    console.log(`\n== ${kind} ==`);
    console.log(`load 1×: ${(await load(hub)).toFixed(1)} s`);
    let t = performance.now();
    await refresh(hub, { full: true });
    console.log(`rollups + lead times 1×: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    // The steady state of a store: statistics for the planner (autovacuum on PostgreSQL; on PGlite
    // the hub's embedded-store ANALYZE under serve).
    await analyzeIfStale(hub.db);
    const one = await timeQueries(app, token, REPS);
    const p1 = await peer(hub, 5);
    for (const q of one) console.log(`${kind} 1× ${q.name}: P50 ${ms(q.p50)}, P95 ${ms(q.p95)}${q.p95 <= 200 ? '' : '  (over the 200 ms goal)'}`);
    const health1 = one.find((q) => q.name === 'health');
    console.log(
      `${kind} 1× health (rollups) vs raw SQL percentiles: ours ${ms(health1.p95)}, peer ${ms(p1.p95)}, ratio ${(p1.p95 / health1.p95).toFixed(1)}x (P95)`,
    );
    if (SCALE > 1) {
      t = performance.now();
      for (let k = 1; k < SCALE; k++) await multiply(hub.db, k);
      console.log(`multiply to ${SCALE}×: ${((performance.now() - t) / 1000).toFixed(1)} s`);
      t = performance.now();
      await refresh(hub, { full: true });
      console.log(`rollups + lead times ${SCALE}×: ${((performance.now() - t) / 1000).toFixed(1)} s`);
      await analyzeIfStale(hub.db);
      const ten = await timeQueries(app, token, Math.max(10, Math.round(REPS / 4)));
      const p10 = await peer(hub, 3);
      for (const q of ten) {
        const base = one.find((x) => x.name === q.name);
        console.log(`${kind} ${SCALE}× ${q.name}: P95 ${ms(q.p95)} (1× ${ms(base.p95)}, growth ${(q.p95 / base.p95).toFixed(1)}x)`);
      }
      const health10 = ten.find((q) => q.name === 'health');
      console.log(
        `${kind} ${SCALE}× health (rollups) vs raw SQL percentiles: ours ${ms(health10.p95)}, peer ${ms(p10.p95)}, ratio ${(p10.p95 / health10.p95).toFixed(1)}x (P95)`,
      );
      summary.push({ kind, one, ten });
    } else summary.push({ kind, one });
    await app.close();
  } finally {
    await hub.close();
    pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
const worst = summary.flatMap((s) => s.one.map((q) => ({ ...q, kind: s.kind }))).sort((a, b) => b.p95 - a.p95)[0];
console.log(`\nworst 1× P95: ${worst.kind} ${worst.name} ${ms(worst.p95)} (goal <= 200 ms)`);
