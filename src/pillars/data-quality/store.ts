// The checks' outcomes per load: stored so the dashboard, /metrics and alerts read the latest
// outcome of each check without running it again.
import { sql } from '../../core/db/index.js';
import type { LoadCheck } from '../../core/registry.js';
import type { DqDb } from './tables.js';

export async function storeResults(db: DqDb, loadId: string, checks: LoadCheck[], at: Date): Promise<void> {
  if (!checks.length) return;
  await db
    .insertInto('dq_check_results')
    .values(
      checks.map((c) => ({
        load_id: loadId,
        check_name: c.check,
        target: c.target,
        severity: c.severity,
        passed: c.passed,
        value: c.value,
        threshold: c.threshold,
        message: c.message,
        checked_at: at,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['load_id', 'check_name', 'target']).doUpdateSet((eb) => ({
        severity: eb.ref('excluded.severity'),
        passed: eb.ref('excluded.passed'),
        value: eb.ref('excluded.value'),
        threshold: eb.ref('excluded.threshold'),
        message: eb.ref('excluded.message'),
        checked_at: eb.ref('excluded.checked_at'),
      })),
    )
    .execute();
}

export interface LatestResult extends LoadCheck {
  load_id: string;
  checked_at: string;
}

/** The latest outcome of each check (and target), sorted by check then target. */
export async function latestResults(db: DqDb): Promise<LatestResult[]> {
  const rows = (
    await sql<
      Omit<LoadCheck, 'check'> & { load_id: string; check_name: string; checked_at: Date | string }
    >`select distinct on (check_name, target) load_id::text, check_name, target, severity, passed, value, threshold, message, checked_at
       from dq_check_results order by check_name, target, checked_at desc, seq desc`.execute(db)
  ).rows;
  return rows.map((r) => ({
    load_id: r.load_id,
    check: r.check_name,
    target: r.target,
    severity: r.severity,
    passed: r.passed,
    value: r.value === null ? null : Number(r.value),
    threshold: r.threshold === null ? null : Number(r.threshold),
    message: r.message,
    checked_at: new Date(r.checked_at).toISOString(),
  }));
}
