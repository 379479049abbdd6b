// Replay records in the hub: the record in the blob store (never overwritten), a summary row in
// replay_records, and — for an apply — a deployment report in core's `deployments`, so an
// infrastructure change and its failure count in DORA (change failure rate, time to restore) like
// any deployment of that environment (DECISIONS.md D-replay-2).
import { sql, type RawBuilder } from 'kysely';
import type { BlobStore } from '../../core/blob/index.js';
import type { CoreTables } from '../../core/db/schema.js';
import type { Redactor } from '../../core/redact/index.js';
import { upsertReportedDeployments } from '../../core/runs/write.js';
import type { ReplayRecord } from './record.js';
import type { ReplayDb, ReplayRecordsTable, ReplayTables } from './tables.js';

export interface StoreParts {
  db: ReplayDb;
  blob: BlobStore;
  redactor: Redactor;
}

/** Where the hub keeps a repository's record (repositories are lower-cased, environments checked). */
export const hubRecordKey = (repo: string, r: Pick<ReplayRecord, 'env' | 'id'>) => `replay/repos/${repo}/${r.env}/${r.id}.json`;

/** The deployment id an infrastructure apply has in DORA. */
export const infraDeploymentId = (id: string) => `infra-${id}`;

/**
 * Stores an uploaded record; the same record again changes nothing. Strings pass the shared
 * redactor too (a token in a non-sensitive attribute is still a token). Returns whether it was new.
 */
export async function storeRecord(parts: StoreParts, repo: string, rec: ReplayRecord): Promise<{ created: boolean; record: ReplayRecord }> {
  const record = parts.redactor.redactValue(rec).value;
  const key = hubRecordKey(repo, record);
  const existing = await parts.db.selectFrom('replay_records').select('id').where('repo', '=', repo).where('id', '=', record.id).executeTakeFirst();
  if (existing) return { created: false, record: JSON.parse((await parts.blob.getBuffer(key)).toString('utf8')) as ReplayRecord };
  // Blob first: a row always points at a stored record (a crash in between leaves an orphan blob that the re-upload reuses).
  if (!(await parts.blob.head(key))) await parts.blob.put(key, Buffer.from(JSON.stringify(record, null, 2)));
  const observed = new Date(record.observed ?? record.recorded);
  await parts.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('replay_records')
      .values({
        repo,
        id: record.id,
        env: record.env,
        commit: record.commit,
        tool: record.tool,
        kind: record.kind,
        failed: record.failed,
        recorded_at: new Date(record.recorded),
        observed_at: observed,
        changes: record.changes.length,
        drifted: record.drift.length,
        drift: JSON.stringify(record.drift),
        record_key: key,
      })
      .onConflict((oc) => oc.columns(['repo', 'id']).doNothing())
      .execute();
    if (record.kind === 'apply')
      await upsertReportedDeployments<CoreTables & ReplayTables>(trx, [
        {
          event_key: `replay:${repo}:${record.id}`,
          run_id: null,
          source: 'replay',
          repo,
          environment: record.env,
          deployment_id: infraDeploymentId(record.id),
          commit_sha: record.commit,
          status: record.failed ? 'failed' : 'success',
          strategy: `${record.tool} apply`,
          started_at: observed,
          finished_at: observed,
        },
      ]);
  });
  return { created: true, record };
}

export type RecordRow = Omit<ReplayRecordsTable, 'recorded_at' | 'observed_at' | 'drift' | 'record_key'> & {
  recorded_at: string;
  observed_at: string;
  drift: Array<{ address: string; action: string }>;
};

const iso = (d: Date | string) => new Date(d).toISOString();

/** A repository's records, oldest first (by when the run happened, then id). */
export async function listRecordRows(db: ReplayDb, repo: string, q: { env?: string; kind?: string } = {}): Promise<RecordRow[]> {
  let sel = db.selectFrom('replay_records').selectAll().where('repo', '=', repo);
  if (q.env) sel = sel.where('env', '=', q.env);
  if (q.kind) sel = sel.where('kind', '=', q.kind);
  return (await sel.orderBy('observed_at').orderBy('id').execute()).map(toRow);
}

/** jsonb comes back parsed from pg and PGlite; a string only from a driver that does not parse it. */
export const driftItems = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as RecordRow['drift'];

function toRow({ record_key: _k, ...r }: ReplayRecordsTable): RecordRow {
  return { ...r, recorded_at: iso(r.recorded_at), observed_at: iso(r.observed_at), drift: driftItems(r.drift) };
}

export async function recordKeyOf(db: ReplayDb, repo: string, id: string): Promise<string | null> {
  const rows = await db
    .selectFrom('replay_records')
    .select(['record_key', 'id'])
    .where('repo', '=', repo)
    .where('id', 'like', `${id.replace(/[%_\\]/g, '')}%`)
    .limit(2)
    .execute();
  return rows.length === 1 ? rows[0]!.record_key : null;
}

export interface DriftCheckRow {
  repo: string;
  env: string;
  id: string;
  observed_at: Date | string;
  drifted: number;
  drift: unknown;
}

/** Drift checks of the visible repositories since `since`, oldest first per (repo, env). */
export async function driftChecks(db: ReplayDb, since: Date, repoFilter: RawBuilder<boolean> | null): Promise<DriftCheckRow[]> {
  return (
    await sql<DriftCheckRow>`
      select repo, env, id, observed_at, drifted, drift from replay_records
      where kind = 'drift' and observed_at >= ${since} and ${repoFilter ?? sql<boolean>`true`}
      order by repo, env, observed_at, id`.execute(db)
  ).rows;
}

/** Records of the visible repositories since `since`, newest first (the dashboard's list of infra changes). */
export async function recentRecordRows(
  db: ReplayDb,
  q: { since: Date; repoFilter: RawBuilder<boolean> | null; repo?: string; env?: string; limit: number },
): Promise<RecordRow[]> {
  const rows = (
    await sql<ReplayRecordsTable>`
      select * from replay_records
      where observed_at >= ${q.since} and ${q.repoFilter ?? sql<boolean>`true`}
        and ${q.repo ? sql<boolean>`repo = ${q.repo}` : sql<boolean>`true`} and ${q.env ? sql<boolean>`env = ${q.env}` : sql<boolean>`true`}
      order by observed_at desc, repo, id limit ${q.limit}`.execute(db)
  ).rows;
  return rows.map(toRow);
}
