// The seed's tests on the compat view (seed 000 "tests unique(run_id), accepted_values(status),
// conditional not_null(release_evidence_uri) when environment in ('staging','prod') and
// status='success'"), run on the runs of one load (or every run, for `data check`): each counts
// the failing rows and names a few of them, as a dbt test does.
import { sql } from '../../core/db/index.js';
import type { LoadCheck } from '../../core/registry.js';
import { RUN_STATUSES } from '../../core/runs/read.js';
import type { DataQualityConfig } from './config.js';
import type { DqDb } from './tables.js';

const TARGET = 'pipeline_runs_all';
const SAMPLE = 3;

/** `and run_id = any(ids)` for a load, nothing for the whole store. */
const scope = (ids: string[] | null) => (ids ? sql`and run_id = any(${ids}::uuid[])` : sql``);

async function failing(db: DqDb, where: ReturnType<typeof sql>, ids: string[] | null, group = false): Promise<{ n: number; sample: string[] }> {
  const q = group
    ? sql<{ run_id: string }>`select run_id::text from ${sql.table(TARGET)} where true ${scope(ids)} group by run_id having count(*) > 1 order by run_id`
    : sql<{ run_id: string }>`select run_id::text from ${sql.table(TARGET)} where ${where} ${scope(ids)} order by run_id`;
  const rows = (await q.execute(db)).rows;
  return { n: rows.length, sample: rows.slice(0, SAMPLE).map((r) => r.run_id) };
}

const listed = (f: { n: number; sample: string[] }) => f.sample.join(', ') + (f.n > f.sample.length ? ` and ${f.n - f.sample.length} more` : '');

/** The three contract tests on the given runs (null: every run). */
export async function contractTests(db: DqDb, cfg: DataQualityConfig['contractTests'], ids: string[] | null): Promise<LoadCheck[]> {
  const out: LoadCheck[] = [];
  const dupes = await failing(db, sql`true`, ids, true);
  out.push({
    check: 'unique_run_id',
    target: TARGET,
    severity: cfg.uniqueRunId,
    passed: dupes.n === 0,
    value: dupes.n,
    threshold: 0,
    message: dupes.n ? `${dupes.n} run id(s) appear more than once: ${listed(dupes)}; the store lost its key on runs — report it` : 'every run id appears once',
  });
  const bad = await failing(db, sql`status <> all(${[...RUN_STATUSES]}::text[])`, ids);
  out.push({
    check: 'accepted_status',
    target: TARGET,
    severity: cfg.acceptedStatus,
    passed: bad.n === 0,
    value: bad.n,
    threshold: 0,
    message: bad.n ? `${bad.n} run(s) with a status outside ${RUN_STATUSES.join(', ')}: ${listed(bad)}` : `every status is one of ${RUN_STATUSES.join(', ')}`,
  });
  const noEvidence = await failing(db, sql`environment in ('staging', 'prod') and status = 'success' and release_evidence_uri is null`, ids);
  out.push({
    check: 'release_evidence_present',
    target: TARGET,
    severity: cfg.releaseEvidence,
    passed: noEvidence.n === 0,
    value: noEvidence.n,
    threshold: 0,
    message: noEvidence.n
      ? `${noEvidence.n} successful staging/prod run(s) without release_evidence_uri: ${listed(noEvidence)}; send the release evidence bundle's URI in the record`
      : 'every successful staging/prod run has release_evidence_uri',
  });
  return out;
}
