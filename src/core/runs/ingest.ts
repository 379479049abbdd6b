// NDJSON ingest (spine issue "Ingest"): streaming parse -> validate (contract) -> redact -> dedupe
// by run_id -> store the record as sent (blob, compressed, one object per batch) and the normalized
// rows (one transaction per batch) -> outbox events. Durable before acknowledged: a batch's blob is
// fsynced before its rows commit, and the caller answers only after the last batch committed.
import { gzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { checkLine, type ContractIssue, type PipelineRun } from '../contract/index.js';
import { anyOf, unnestInsert, type UnnestColumn } from '../db/index.js';
import type { CoreTables } from '../db/schema.js';
import { enqueue, RUNS_LOADED } from '../bus/index.js';
import { CiError } from '../errors.js';
import { splitLines } from '../lines.js';
import type { HubContext } from '../registry.js';
import { normalizeRecord, type NormalizedRun } from './normalize.js';

export interface RejectedLine {
  line: number;
  pointer: string;
  reason: string;
  code: string;
}

export interface IngestResult {
  load_id: string;
  lines: number;
  accepted: number;
  replaced: number;
  rejected: RejectedLine[];
  run_ids: string[];
}

export interface IngestOptions {
  /** `api`, `cli`, `demo` ... recorded on the load. */
  source: string;
  tokenId?: string | null;
  /** Repo filter of the caller's token; lines for other repos are rejected (E_FORBIDDEN_REPO). */
  allowRepo?: (repo: string) => boolean;
  /** Decompressed body cap (bytes); over it -> E_BODY_TOO_LARGE after storing what came before. */
  maxBytes?: number;
  /** Progress callback (records accepted so far). */
  onProgress?: (accepted: number) => void;
}

type Ctx = Pick<HubContext, 'db' | 'blob' | 'bus' | 'redactor' | 'config' | 'now'>;

interface PendingRecord {
  line: number;
  record: PipelineRun;
  declared: string;
  /** The line to store: as sent, or re-serialized when redaction changed it. */
  text: string;
}

const BATCH_BYTES = 8 * 1024 * 1024;

function firstIssueToRejection(line: number, issues: ContractIssue[]): RejectedLine {
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (+${issues.length - 1} more; see ci-intel validate)` : '';
  return { line, pointer: first.pointer, reason: first.reason + more, code: first.code };
}

/** Ingests an NDJSON stream. Throws CiError only for whole-request problems (cap exceeded). */
export async function ingestNdjson(ctx: Ctx, input: AsyncIterable<Buffer | string>, opts: IngestOptions): Promise<IngestResult> {
  const loadId = randomUUID();
  const result: IngestResult = { load_id: loadId, lines: 0, accepted: 0, replaced: 0, rejected: [], run_ids: [] };
  const maxLine = ctx.config.ingest.maxLineBytes;
  const batchSize = ctx.config.ingest.batchSize;
  let pending: PendingRecord[] = [];
  let pendingBytes = 0;
  let batchNo = 0;
  let totalBytes = 0;
  const seenRuns = new Set<string>();

  // One batch is written while the next is parsed and validated (on PostgreSQL the server works
  // on its own core meanwhile). Batches still commit in order, so the last line of a run wins.
  let inflight: Promise<void> | null = null;
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    pendingBytes = 0;
    const n = batchNo++;
    if (inflight) await inflight;
    inflight = writeBatch(ctx, loadId, n, batch, seenRuns).then((replaced) => {
      result.replaced += replaced;
      opts.onProgress?.(result.accepted);
    });
    // Surface a write error at the next await, not as an unhandled rejection.
    inflight.catch(() => {});
  };
  const settle = async () => {
    if (inflight) await inflight;
    inflight = null;
  };

  let overCap: CiError | null = null;
  try {
    for await (const l of splitLines(input, {
      maxLineBytes: maxLine,
      onBytes: (t) => {
        totalBytes = t;
        if (opts.maxBytes !== undefined && t > opts.maxBytes) {
          throw new CiError('E_BODY_TOO_LARGE', `the body is over ${opts.maxBytes} bytes after decompression`, {
            hint: 'split the upload into several requests',
          });
        }
      },
    })) {
      result.lines = l.no;
      if (l.tooLong) {
        result.rejected.push({
          line: l.no,
          pointer: '',
          reason: `line is ${l.bytes} bytes, over the ${maxLine}-byte cap per record`,
          code: 'E_LINE_TOO_LONG',
        });
        continue;
      }
      const text = l.text!;
      if (text.trim() === '') continue; // blank lines are skipped but counted
      const checked = checkLine(text);
      if (!checked.record) {
        result.rejected.push(firstIssueToRejection(l.no, checked.issues));
        continue;
      }
      const record = checked.record;
      if (opts.allowRepo && !opts.allowRepo(record.repo.toLowerCase())) {
        result.rejected.push({
          line: l.no,
          pointer: '/repo',
          reason: `the token is not valid for repository ${JSON.stringify(record.repo)}`,
          code: 'E_FORBIDDEN_REPO',
        });
        continue;
      }
      // Redact before anything is stored. Unchanged records are kept byte for byte as sent; the
      // migrated form is derived again on read, so v1.1 lines are stored as v1.1.
      const red = ctx.redactor.mightContainSecret(text) ? ctx.redactor.redactValue(checked.value) : { value: checked.value, changed: false };
      const stored = red.changed ? JSON.stringify(red.value) : text;
      const finalRecord = red.changed ? (checkLine(stored).record ?? record) : record;
      pending.push({ line: l.no, record: finalRecord, declared: checked.declaredSchema!, text: stored });
      pendingBytes += stored.length;
      result.accepted++;
      if (pending.length >= batchSize || pendingBytes >= BATCH_BYTES) await flush();
    }
  } catch (e) {
    // A stream-level problem (body cap, corrupt gzip): the records before it are good records —
    // store them, then report the problem with what was stored.
    if (e instanceof CiError) overCap = e;
    else {
      await settle().catch(() => {});
      throw e;
    }
  }
  try {
    await flush();
  } finally {
    await settle();
  }

  await ctx.db
    .insertInto('ingest_loads')
    .values({
      load_id: loadId,
      source: opts.source,
      token_id: opts.tokenId ?? null,
      lines: result.lines,
      accepted: result.accepted,
      replaced: result.replaced,
      rejected: result.rejected.length,
      bytes: totalBytes,
    })
    .execute();
  result.run_ids = [...seenRuns];
  ctx.bus.notify();
  if (overCap) {
    overCap.details ??= {};
    Object.assign(overCap.details as object, { accepted: result.accepted, replaced: result.replaced, rejected: result.rejected });
    throw overCap;
  }
  return result;
}

function blobKeyFor(now: Date, loadId: string, batchNo: number): string {
  const d = now.toISOString();
  return `records/${d.slice(0, 4)}/${d.slice(5, 7)}/${d.slice(8, 10)}/${loadId}-${String(batchNo).padStart(5, '0')}.ndjson.gz`;
}

const RUN_COLUMNS: UnnestColumn[] = [
  ['run_id', 'uuid'], ['repo', 'text'], ['workflow', 'text'], ['commit_sha', 'text'], ['branch', 'text'], ['pr', 'int4'],
  ['status', 'text'], ['started_at', 'timestamptz'], ['ended_at', 'timestamptz'], ['duration_ms', 'int8'], ['queue_ms', 'int8'],
  ['artifact_bytes', 'int8'], ['environment', 'text'], ['deployment_id', 'text'], ['rollout_step', 'int4'], ['strategy', 'text'],
  ['image_digest', 'text'], ['runner_os', 'text'], ['runner_type', 'text'], ['region', 'text'], ['spot', 'bool'],
  ['flakiness_index', 'float8'], ['cache_keys', 'text[]'], ['rollback_reason', 'text'], ['sbom_uri', 'text'],
  ['provenance_uri', 'text'], ['signature_uri', 'text'], ['release_evidence_uri', 'text'], ['source', 'text'],
  ['provider', 'text'], ['provider_run_id', 'text'], ['attempt', 'int4'], ['schema_version', 'text'], ['record_key', 'text'],
  ['record_index', 'int4'], ['load_id', 'uuid'],
].map(([name, type]) => ({ name: name!, type: type! }));

/** Columns a record owns; on re-ingest they are replaced, while what webhooks added (provider ids) is kept. */
const RUN_UPDATE = RUN_COLUMNS.filter((c) => !['run_id', 'provider', 'provider_run_id', 'attempt', 'workflow'].includes(c.name));

const JOB_COLUMNS: UnnestColumn[] = [
  ['run_id', 'uuid'], ['job_key', 'text'], ['job_id', 'text'], ['name', 'text'], ['status', 'text'], ['attempt', 'int4'],
  ['duration_ms', 'int8'], ['queue_ms', 'int8'], ['started_at', 'timestamptz'], ['ended_at', 'timestamptz'], ['cache_hit', 'bool'],
  ['cache_key', 'text'], ['machine_class', 'text'], ['machine_cpu', 'text'], ['machine_ram_gb', 'float8'], ['matrix', 'text'],
  ['logs_uri', 'text'],
].map(([name, type]) => ({ name: name!, type: type! }));

const TEST_COLUMNS: UnnestColumn[] = [
  ['run_id', 'uuid'], ['total', 'int4'], ['failed', 'int4'], ['skipped', 'int4'], ['duration_ms', 'int8'], ['coverage_lines', 'float8'],
  ['coverage_branches', 'float8'], ['coverage_statements', 'float8'], ['mutants_total', 'int4'], ['killed', 'int4'], ['equiv', 'int4'],
  ['timeout', 'int4'], ['resilience_score', 'float8'], ['delta_vs_main', 'float8'], ['equivalent_mutants_dropped', 'bool'],
].map(([name, type]) => ({ name: name!, type: type! }));

const CHAOS_COLUMNS: UnnestColumn[] = [
  ['run_id', 'uuid'], ['ordinal', 'int4'], ['fault', 'text'], ['target', 'text'], ['seed', 'int8'], ['rate', 'float8'],
  ['started_at', 'timestamptz'], ['ended_at', 'timestamptz'], ['outcome', 'text'], ['retries', 'int4'],
].map(([name, type]) => ({ name: name!, type: type! }));

const POLICY_COLUMNS: UnnestColumn[] = [
  ['run_id', 'uuid'], ['ordinal', 'int4'], ['policy_id', 'text'], ['result', 'text'], ['reason', 'text'], ['docs_uri', 'text'],
  ['time_ns', 'int8'],
].map(([name, type]) => ({ name: name!, type: type! }));

const COST_COLUMNS: UnnestColumn[] = [
  ['run_id', 'uuid'], ['usd', 'float8'], ['cpu_seconds', 'float8'], ['gpu_seconds', 'float8'], ['carbon_g_co2e', 'float8'],
  ['energy_kwh', 'float8'],
].map(([name, type]) => ({ name: name!, type: type! }));

export const DEPLOYMENT_COLUMNS: UnnestColumn[] = [
  ['event_key', 'text'], ['run_id', 'uuid'], ['source', 'text'], ['repo', 'text'], ['environment', 'text'], ['deployment_id', 'text'],
  ['commit_sha', 'text'], ['status', 'text'], ['rollout_step', 'int4'], ['strategy', 'text'], ['image_digest', 'text'],
  ['rollback_reason', 'text'], ['started_at', 'timestamptz'], ['finished_at', 'timestamptz'], ['canary_error_rate', 'float8'],
  ['canary_success_rate', 'float8'], ['canary_latency_p50_ms', 'float8'], ['canary_latency_p95_ms', 'float8'],
  ['canary_latency_p99_ms', 'float8'], ['canary_reqs_per_s', 'float8'],
].map(([name, type]) => ({ name: name!, type: type! }));

/** Writes one batch; returns how many lines replaced a run stored before (or earlier in this load). */
async function writeBatch(ctx: Ctx, loadId: string, batchNo: number, batch: PendingRecord[], seenRuns: Set<string>): Promise<number> {
  // The last line wins within a batch: keep the last record of each run_id.
  const lastIndex = new Map<string, number>();
  batch.forEach((p, i) => lastIndex.set(p.record.run_id.toLowerCase(), i));
  const kept = batch.filter((p, i) => lastIndex.get(p.record.run_id.toLowerCase()) === i);
  const dupes = batch.length - kept.length;

  const key = blobKeyFor(ctx.now(), loadId, batchNo);
  await ctx.blob.put(key, gzipSync(kept.map((p) => p.text).join('\n') + '\n', { level: 3 }));

  const norm: NormalizedRun[] = kept.map((p, i) =>
    normalizeRecord(p.record, { record_key: key, record_index: i, load_id: loadId, schema_version: p.declared }),
  );
  const ids = norm.map((x) => x.run.run_id);
  let replaced = dupes;
  await ctx.db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('runs').select('run_id').where('run_id', '=', anyOf(ids, 'uuid')).execute();
    const existingSet = new Set(existing.map((r) => r.run_id));
    replaced += ids.filter((id) => existingSet.has(id) || seenRuns.has(id)).length;
    await writeNormalized(trx, norm, existingSet.size > 0 ? [...existingSet] : []);
    // One event per batch, not per run (D10): consumers read the batch's runs by their record key.
    const repos = new Set(norm.map((x) => x.run.repo));
    await enqueue(trx, { type: RUNS_LOADED, run_id: null, repo: repos.size === 1 ? [...repos][0]! : null, kind: 'ndjson', object_key: key });
  });
  for (const id of ids) seenRuns.add(id);
  return replaced;
}

/** Upserts runs and replaces their record-owned child rows. */
export async function writeNormalized(trx: Kysely<CoreTables>, norm: NormalizedRun[], existingIds: string[]): Promise<void> {
  if (norm.length === 0) return;
  if (existingIds.length) {
    // Child rows owned by the record are replaced wholesale; derived tables of pillars are keyed
    // by run_id and untouched (re-ingest re-runs the analyzers through runs.loaded).
    for (const t of ['jobs', 'test_summaries', 'chaos_trials', 'policy_results', 'costs'] as const) {
      await trx.deleteFrom(t).where('run_id', '=', anyOf(existingIds, 'uuid')).execute();
    }
    await trx.deleteFrom('deployments').where('event_key', '=', anyOf(existingIds.map((id) => `run:${id}`), 'text')).execute();
  }
  const update = sql.join(RUN_UPDATE.map((c) => sql`${sql.id(c.name)} = excluded.${sql.id(c.name)}`));
  await unnestInsert(
    'runs',
    RUN_COLUMNS,
    norm.map((x) => x.run),
    sql`on conflict (run_id) do update set ${update}, updated_at = now()`,
  ).execute(trx);
  await unnestInsert('jobs', JOB_COLUMNS, norm.flatMap((x) => x.jobs)).execute(trx);
  await unnestInsert('test_summaries', TEST_COLUMNS, norm.map((x) => x.tests)).execute(trx);
  const chaos = norm.flatMap((x) => x.chaos);
  if (chaos.length) await unnestInsert('chaos_trials', CHAOS_COLUMNS, chaos).execute(trx);
  const policies = norm.flatMap((x) => x.policies);
  if (policies.length) await unnestInsert('policy_results', POLICY_COLUMNS, policies).execute(trx);
  await unnestInsert('costs', COST_COLUMNS, norm.map((x) => x.cost)).execute(trx);
  const deployments = norm.flatMap((x) => (x.deployment ? [x.deployment] : []));
  if (deployments.length) await unnestInsert('deployments', DEPLOYMENT_COLUMNS, deployments).execute(trx);
}

/** Reads the record as sent for a run (null when its raw record is gone, e.g. after retention). */
export async function readRecord(ctx: Pick<HubContext, 'db' | 'blob'>, runId: string): Promise<unknown | null> {
  const row = await ctx.db.selectFrom('runs').select(['record_key', 'record_index']).where('run_id', '=', runId).executeTakeFirst();
  if (!row?.record_key || row.record_index === null) return null;
  const { gunzipSync } = await import('node:zlib');
  let buf: Buffer;
  try {
    buf = await ctx.blob.getBuffer(row.record_key);
  } catch (e) {
    if (e instanceof CiError && e.code === 'E_NOT_FOUND') return null;
    throw e;
  }
  const text = gunzipSync(buf).toString('utf8');
  let start = 0;
  for (let i = 0; i < row.record_index; i++) {
    start = text.indexOf('\n', start) + 1;
    if (start === 0) return null;
  }
  const end = text.indexOf('\n', start);
  return JSON.parse(text.slice(start, end < 0 ? undefined : end));
}
