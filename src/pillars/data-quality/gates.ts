// The data-quality gates declared in `dataQuality.gates` (seed 000 "rowcount deltas, freshness
// SLA, null-rate thresholds per mart; fail ingest on breach"), measured against the clock the hub
// is given (never the database's), each on one table or view:
//   freshness        age of the newest row's time column, seconds ≤ max (no row at all: a breach)
//   row_count_delta  |rows in the last window − rows in the same window a week before| / the latter ≤ max
//                    (no rows a week before: nothing to compare, passed with no value)
//   null_rate        rows of the last window whose column is null / rows of the window ≤ max
import { CiError } from '../../core/errors.js';
import { parseDuration } from '../../core/duration.js';
import { sql } from '../../core/db/index.js';
import type { LoadCheck } from '../../core/registry.js';
import type { GateConfig } from './config.js';
import type { DqDb } from './tables.js';

/** The relations a gate may name: the run tables and the compat view (never plumbing like tokens). */
export const GATE_TARGETS = ['pipeline_runs_all', 'runs', 'jobs', 'test_summaries', 'costs', 'deployments', 'policy_results', 'chaos_trials'] as const;
const TIME_COLUMNS = ['ingested_at', 'started_at', 'finished_at', 'ended_at'];
const WEEK_MS = 7 * 86_400_000;

async function columnsOf(db: DqDb, target: string): Promise<Set<string>> {
  const rows = (
    await sql<{
      column_name: string;
    }>`select column_name from information_schema.columns where table_schema = current_schema() and table_name = ${target}`.execute(db)
  ).rows;
  return new Set(rows.map((r) => r.column_name));
}

function configError(i: number, key: string, what: string, hint: string): CiError {
  return new CiError('E_CONFIG_INVALID', `dataQuality.gates[${i}].${key}: ${what}`, { where: `/dataQuality/gates/${i}/${key}`, hint });
}

/** The gate's target and columns, checked against the store: a typo names its place in ci-intel.yml. */
async function resolve(db: DqDb, g: GateConfig, i: number): Promise<{ time: string; column: string | null }> {
  if (!(GATE_TARGETS as readonly string[]).includes(g.target))
    throw configError(i, 'target', `${JSON.stringify(g.target)} is not a table or view gates check`, `use one of ${GATE_TARGETS.join(', ')}`);
  const cols = await columnsOf(db, g.target);
  const has = (c: string, key: string) => {
    if (!cols.has(c)) throw configError(i, key, `${g.target} has no column ${JSON.stringify(c)}`, `its columns are ${[...cols].sort().join(', ')}`);
    return c;
  };
  const explicitTime = g.kind === 'null_rate' ? g.timeColumn : g.column;
  const timeKey = g.kind === 'null_rate' ? 'timeColumn' : 'column';
  const time = explicitTime ? has(explicitTime, timeKey) : TIME_COLUMNS.find((c) => cols.has(c));
  if (!time) throw configError(i, timeKey, `${g.target} has no time column of its own`, `name one with ${timeKey}`);
  if (g.kind !== 'null_rate') return { time, column: null };
  if (!g.column) throw configError(i, 'column', 'a null_rate gate needs the column it checks', 'add column: <name>');
  return { time, column: has(g.column, 'column') };
}

const fmt = (n: number) => String(Math.round(n * 1000) / 1000);

async function measure(db: DqDb, g: GateConfig, i: number, now: Date): Promise<LoadCheck> {
  const { time, column } = await resolve(db, g, i);
  const t = sql.table(g.target);
  const tc = sql.ref(time);
  const out = { check: g.name, target: g.target, severity: g.severity, threshold: g.max };
  if (g.kind === 'freshness') {
    const newest = (await sql<{ newest: Date | string | null }>`select max(${tc}) as newest from ${t}`.execute(db)).rows[0]?.newest;
    if (newest === null || newest === undefined)
      return { ...out, passed: false, value: null, message: `${g.target} has no rows: nothing fresh (SLA ${g.max}s)` };
    const age = Math.max(0, (now.getTime() - new Date(newest).getTime()) / 1000);
    const passed = age <= g.max;
    return {
      ...out,
      passed,
      value: age,
      message: `newest row is ${fmt(age)}s old (${time}); the SLA is ${g.max}s${passed ? '' : ': check that producers still send'}`,
    };
  }
  const windowMs = parseDuration(g.window, `/dataQuality/gates/${i}/window`)!;
  const from = new Date(now.getTime() - windowMs);
  if (g.kind === 'row_count_delta') {
    const count = async (a: Date, b: Date) =>
      Number((await sql<{ n: string }>`select count(*) as n from ${t} where ${tc} >= ${a} and ${tc} < ${b}`.execute(db)).rows[0]!.n);
    const current = await count(from, now);
    const lastWeek = await count(new Date(from.getTime() - WEEK_MS), new Date(now.getTime() - WEEK_MS));
    if (lastWeek === 0)
      return { ...out, passed: true, value: null, message: `${current} rows in the last ${g.window}, none in the same window last week: nothing to compare` };
    const delta = Math.abs(current - lastWeek) / lastWeek;
    const passed = delta <= g.max;
    return {
      ...out,
      passed,
      value: delta,
      message: `${current} rows in the last ${g.window} vs ${lastWeek} the same window last week: change ${fmt(delta)} (at most ${g.max})`,
    };
  }
  const c = sql.ref(column!);
  const r = (
    await sql<{
      n: string;
      nulls: string;
    }>`select count(*) as n, count(*) filter (where ${c} is null) as nulls from ${t} where ${tc} >= ${from} and ${tc} < ${now}`.execute(db)
  ).rows[0]!;
  const [n, nulls] = [Number(r.n), Number(r.nulls)];
  if (n === 0) return { ...out, passed: true, value: null, message: `no rows in the last ${g.window}: no null rate` };
  const rate = nulls / n;
  const passed = rate <= g.max;
  return { ...out, passed, value: rate, message: `${nulls} of ${n} rows in the last ${g.window} have no ${column}: rate ${fmt(rate)} (at most ${g.max})` };
}

/**
 * Every gate's outcome. A gate the store cannot measure (a target or column that is not there) is
 * a broken check naming its place in ci-intel.yml, not an error: the load it follows is stored.
 */
export async function runGates(db: DqDb, gates: GateConfig[], now: Date): Promise<LoadCheck[]> {
  const out: LoadCheck[] = [];
  for (const [i, g] of gates.entries()) {
    try {
      out.push(await measure(db, g, i, now));
    } catch (e) {
      if (!(e instanceof CiError)) throw e;
      out.push({
        check: g.name,
        target: g.target,
        severity: g.severity,
        passed: false,
        value: null,
        threshold: g.max,
        message: `${e.message} (${e.hint ?? 'fix ci-intel.yml'})`,
      });
    }
  }
  return out;
}
