// bench/ingest — spine issue "Benchmark": runs/s and jobs/s through the real POST /api/v1/runs
// code (HTTP, validation, redaction, blob, normalized rows, outbox) into PGlite and into PostgreSQL,
// next to a bare array-batched insert of the SAME normalized rows into the same database in the same
// run (and COPY for reference). Goal: ours >= 0.5x bare on both. Prints ratios; asserts nothing.
//
//   npm run build && node bench/ingest/run.mjs [--runs 20000]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { createApp, createToken, defaultConfig, normalizeRecord, openHub, openStore, synthesize, writeNormalized } from 'ci-intel';
import { startPostgres } from '../../scripts/postgres.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const TARGET_RUNS = arg('runs', 20_000);
const HTTP_BATCH = 2_000;

// Same input for every contender.
const days = 10;
const repos = 10;
const perDay = Math.max(1, Math.round(TARGET_RUNS / (days * repos) / 1.25));
const { records } = synthesize({ repos, days, runsPerDay: perDay, seed: 4242, end: new Date('2026-06-01T00:00:00Z') });
const lines = records.map((r) => JSON.stringify(r));
const jobsTotal = records.reduce((s, r) => s + r.jobs.length, 0);
const bytes = lines.reduce((s, l) => s + l.length + 1, 0);
console.log(`input: ${records.length} runs, ${jobsTotal} jobs, ${(bytes / 1048576).toFixed(1)} MiB NDJSON`);

const TABLES = ['runs', 'jobs', 'test_summaries', 'chaos_trials', 'policy_results', 'costs', 'deployments'];

async function benchStore(kind, dbUrlOrDir, dataDir) {
  const config = defaultConfig(dataDir);
  config.dataDir = dataDir;
  config.db = dbUrlOrDir;
  const hub = await openHub(config, { pillars: [], start: true });
  const app = await createApp(hub, []);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const { token } = await createToken(hub.db, { repoPatterns: ['**'], scopes: ['ingest'], expiresAt: null });

  // --- ours: the real HTTP ingest path ---
  const t0 = performance.now();
  for (let i = 0; i < lines.length; i += HTTP_BATCH) {
    const res = await fetch(`${address}/api/v1/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body: lines.slice(i, i + HTTP_BATCH).join('\n') + '\n',
    });
    const body = await res.json();
    if (res.status !== 200 || body.accepted !== Math.min(HTTP_BATCH, lines.length - i))
      throw new Error(`ingest failed: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  }
  const oursMs = performance.now() - t0;
  await app.close();
  await hub.bus.drain(600_000);

  // --- bare: the same normalized rows, array-batched (unnest), 1,000 runs per transaction ---
  const norm = records.map((r, i) =>
    normalizeRecord(r, { record_key: 'k', record_index: i, load_id: '00000000-0000-4000-8000-000000000000', schema_version: r.schema }),
  );
  await sql
    .raw(`create schema bare; ${TABLES.map((t) => `create table bare.${t} (like public.${t} including all)`).join('; ')}`)
    .execute(hub.db)
    .catch(async () => {
      for (const stmt of ['create schema bare', ...TABLES.map((t) => `create table bare.${t} (like public.${t} including all)`)])
        await sql.raw(stmt).execute(hub.db);
    });
  let bareDb = hub.db;
  let bareStore = null;
  if (kind === 'postgres') {
    bareStore = await openStore(`${dbUrlOrDir}?options=-c%20search_path%3Dbare`);
    bareDb = bareStore.db;
  } else {
    await sql`set search_path to bare`.execute(hub.db);
  }
  const t1 = performance.now();
  for (let i = 0; i < norm.length; i += 1000) {
    await bareDb.transaction().execute((trx) => writeNormalized(trx, norm.slice(i, i + 1000), []));
  }
  const bareMs = performance.now() - t1;
  const check = await sql`select count(*)::int as n from bare.runs`.execute(bareDb);
  if (check.rows[0].n !== records.length) throw new Error(`bare insert wrote ${check.rows[0].n} runs`);

  // --- COPY (reference): runs and jobs only, CSV ---
  const copyMs = await copyReference(kind, hub, dbUrlOrDir, norm);
  await bareStore?.close();
  await hub.close();
  return { oursMs, bareMs, copyMs };
}

function csv(rows, cols) {
  const esc = (v) => {
    if (v === null || v === undefined) return '';
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v)) v = `{${v.map((x) => `"${String(x).replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
    const s = String(v);
    return /[",\n\r]/.test(s) || s === '' ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return rows.map((r) => cols.map((c) => esc(r[c])).join(',')).join('\n') + '\n';
}

async function copyReference(kind, hub, db, norm) {
  await sql.raw('create schema copyref').execute(hub.db);
  for (const t of ['runs', 'jobs']) await sql.raw(`create table copyref.${t} (like public.${t} including all)`).execute(hub.db);
  const runCols = Object.keys(norm[0].run);
  const jobCols = Object.keys(norm[0].jobs[0]);
  const runsCsv = csv(
    norm.map((n) => n.run),
    runCols,
  );
  const jobsCsv = csv(
    norm.flatMap((n) => n.jobs),
    jobCols,
  );
  const t0 = performance.now();
  if (kind === 'postgres') {
    const pg = (await import('pg')).default;
    const { from } = await import('pg-copy-streams');
    const client = new pg.Client({ connectionString: db });
    await client.connect();
    for (const [t, cols, data] of [
      ['runs', runCols, runsCsv],
      ['jobs', jobCols, jobsCsv],
    ]) {
      await new Promise((resolve, reject) => {
        const s = client.query(from(`copy copyref.${t} (${cols.join(',')}) from stdin with (format csv)`));
        s.on('finish', resolve);
        s.on('error', reject);
        s.end(data);
      });
    }
    await client.end();
  } else {
    // PGlite reads COPY input from a Blob passed with the query.
    for (const [t, cols, data] of [
      ['runs', runCols, runsCsv],
      ['jobs', jobCols, jobsCsv],
    ]) {
      await hub.store.pglite.query(`copy copyref.${t} (${cols.join(',')}) from '/dev/blob' with (format csv)`, [], { blob: new Blob([data]) });
    }
  }
  return performance.now() - t0;
}

const rate = (n, ms) => Math.round((n / ms) * 1000);
const results = [];
{
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-bench-'));
  try {
    results.push(['pglite', await benchStore('pglite', path.join(dir, 'db'), dir)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
{
  const pg = await startPostgres();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-bench-'));
  try {
    results.push(['postgres', await benchStore('postgres', pg.url, dir)]);
  } finally {
    pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
for (const [kind, r] of results) {
  console.log(
    `ingest ${kind} runs/s: ours ${rate(records.length, r.oursMs)}, peer bare-unnest-insert ${rate(records.length, r.bareMs)}, ratio ${(r.bareMs / r.oursMs).toFixed(2)}`,
  );
  console.log(
    `ingest ${kind} jobs/s: ours ${rate(jobsTotal, r.oursMs)}, peer bare-unnest-insert ${rate(jobsTotal, r.bareMs)}, ratio ${(r.bareMs / r.oursMs).toFixed(2)}`,
  );
  if (r.copyMs !== null)
    console.log(`ingest ${kind} reference COPY (runs+jobs only, CSV): ${rate(records.length, r.copyMs)} runs/s, ${rate(jobsTotal, r.copyMs)} jobs/s`);
}
