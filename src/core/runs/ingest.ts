// NDJSON ingest (spine issue "Ingest"): streaming parse -> validate (contract) -> redact -> dedupe
// by run_id -> store the record as sent (blob, compressed, one object per batch) and the normalized
// rows (one transaction per batch) -> outbox events. Durable before acknowledged: a batch's blob is
// fsynced before its rows commit, and the caller answers only after the last batch committed.
import { gzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { checkLine, checkRecord, migrateV11, type ContractIssue, type PipelineRun } from '../contract/index.js';
import { enqueue, RUNS_LOADED } from '../bus/index.js';
import { CiError } from '../errors.js';
import { countSchemas, SchemaTally, type IngestWarning } from '../contract/deprecation.js';
import { splitLines } from '../lines.js';
import type { RefusedValue } from '../redact/index.js';
import { piiHolds } from '../redact/pii.js';
import { normalizeRepo } from '../identity.js';
import type { HubContext } from '../registry.js';
import { normalizeRecord, type NormalizedRun } from './normalize.js';
import { repoOfRuns, writeNormalized } from './write.js';

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
  /** Accepted records by the schema they declared, sorted by schema. */
  schemas: Record<string, number>;
  /** About accepted records (a deprecated schema version): stored, but the producer should act. */
  warnings: IngestWarning[];
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

type Ctx = Pick<HubContext, 'db' | 'blob' | 'bus' | 'redactor' | 'config' | 'now'> & Partial<Pick<HubContext, 'metrics'>>;

interface PendingRecord {
  line: number;
  record: PipelineRun;
  declared: string;
  /** The line to store: as sent, or re-serialized when redaction changed it. */
  text: string;
}

const BATCH_BYTES = 8 * 1024 * 1024;

/** A record a `reject` PII pattern refused: where (the first place) and what, never the value. */
function piiRejection(redactor: Ctx['redactor'], line: number, refused: RefusedValue[]): RejectedLine {
  const first = refused[0]!;
  const more = refused.length > 1 ? ` (+${refused.length - 1} more)` : '';
  return {
    line,
    pointer: first.pointer,
    reason: `${piiHolds(redactor.pii, [first.rule])}: the record is not stored${more}; remove it at the source`,
    code: 'E_PII_REFUSED',
  };
}

function firstIssueToRejection(line: number, issues: ContractIssue[]): RejectedLine {
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (+${issues.length - 1} more; see ci-intel validate)` : '';
  return { line, pointer: first.pointer, reason: first.reason + more, code: first.code };
}

/** Ingests an NDJSON stream. Throws CiError only for whole-request problems (cap exceeded). */
/** The runs.loaded event's kind for a load's source: records sent to the hub's API are an `upload`. */
export const loadKind = (source: string) => (source === 'api' ? 'upload' : 'ndjson');

export async function ingestNdjson(ctx: Ctx, input: AsyncIterable<Buffer | string>, opts: IngestOptions): Promise<IngestResult> {
  const loadId = randomUUID();
  const result: IngestResult = { load_id: loadId, lines: 0, accepted: 0, replaced: 0, rejected: [], run_ids: [], schemas: {}, warnings: [] };
  const tally = new SchemaTally();
  const maxLine = ctx.config.ingest.maxLineBytes;
  const batchSize = ctx.config.ingest.batchSize;
  let pending: PendingRecord[] = [];
  let pendingBytes = 0;
  let batchNo = 0;
  let totalBytes = 0;
  const seenRuns = new Map<string, string>();

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
    inflight = writeBatch(ctx, loadId, n, batch, seenRuns, result.rejected, tally, loadKind(opts.source)).then(({ replaced, refused }) => {
      result.replaced += replaced;
      result.accepted -= refused;
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
      // migrated form is derived again on read, so v1.1 lines are stored as v1.1. Rows come only
      // from the redacted value: redaction changes strings, never the record's shape, so where a
      // placeholder breaks a format (a URI's user:pass@) the redacted value is still the record.
      const red = ctx.redactor.mightContainSecret(text) ? ctx.redactor.redactValue(checked.value) : { value: checked.value, changed: false, refused: [] };
      if (red.refused.length) {
        result.rejected.push(piiRejection(ctx.redactor, l.no, red.refused));
        continue;
      }
      const stored = red.changed ? JSON.stringify(red.value) : text;
      const finalRecord = red.changed ? (checkRecord(red.value).record ?? (migrateV11(red.value).record as PipelineRun)) : record;
      pending.push({ line: l.no, record: finalRecord, declared: checked.declaredSchema!, text: stored });
      tally.add(checked.declaredSchema!, l.no);
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
  result.run_ids = [...seenRuns.keys()];
  result.schemas = tally.bySchema();
  result.warnings = tally.warnings();
  if (ctx.metrics) countSchemas(ctx.metrics, result.schemas);
  // Lines refused while writing (another repository's run id) join the others, in line order.
  result.rejected.sort((a, b) => a.line - b.line);
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

/** Writes one batch; returns how many lines replaced a run stored before (or earlier in this load). */
async function writeBatch(
  ctx: Ctx,
  loadId: string,
  batchNo: number,
  batch: PendingRecord[],
  seenRuns: Map<string, string>,
  rejected: RejectedLine[],
  tally: SchemaTally,
  kind: string,
): Promise<{ replaced: number; refused: number }> {
  // A run never changes repository: a line whose run id is stored (or came earlier in this
  // load) under another repository is refused, whoever sends it, without naming that repository.
  const owners = await repoOfRuns(ctx.db, [...new Set(batch.map((p) => p.record.run_id.toLowerCase()))]);
  for (const [id, repo] of seenRuns) if (!owners.has(id)) owners.set(id, repo);
  const ownRepo = batch.filter((p) => {
    const id = p.record.run_id.toLowerCase();
    const repo = normalizeRepo(p.record.repo);
    const owner = owners.get(id);
    if (owner === undefined) owners.set(id, repo);
    else if (owner !== repo) {
      rejected.push({ line: p.line, pointer: '/run_id', reason: `run id ${id} belongs to a run of another repository`, code: 'E_RUN_OTHER_REPO' });
      tally.remove(p.declared);
      return false;
    }
    return true;
  });
  const refused = batch.length - ownRepo.length;
  if (!ownRepo.length) return { replaced: 0, refused };
  // The last line wins within a batch: keep the last record of each run_id.
  const lastIndex = new Map<string, number>();
  ownRepo.forEach((p, i) => lastIndex.set(p.record.run_id.toLowerCase(), i));
  const kept = ownRepo.filter((p, i) => lastIndex.get(p.record.run_id.toLowerCase()) === i);
  const dupes = ownRepo.length - kept.length;

  const key = blobKeyFor(ctx.now(), loadId, batchNo);
  await ctx.blob.put(key, gzipSync(kept.map((p) => p.text).join('\n') + '\n', { level: 3 }));

  let norm: NormalizedRun[] = kept.map((p, i) => normalizeRecord(p.record, { record_key: key, record_index: i, load_id: loadId, schema_version: p.declared }));
  let replaced = dupes;
  let late = 0;
  await ctx.db.transaction().execute(async (trx) => {
    // Checked again inside the transaction: another load may have created one of these runs
    // under another repository since the check above.
    const existing = await repoOfRuns(
      trx,
      norm.map((x) => x.run.run_id),
    );
    const own = norm.filter((x, i) => {
      const owner = existing.get(x.run.run_id);
      if (owner === undefined || owner === x.run.repo) return true;
      rejected.push({
        line: kept[i]!.line,
        pointer: '/run_id',
        reason: `run id ${x.run.run_id} belongs to a run of another repository`,
        code: 'E_RUN_OTHER_REPO',
      });
      tally.remove(kept[i]!.declared);
      late++;
      return false;
    });
    norm = own;
    const ids = norm.map((x) => x.run.run_id);
    replaced += ids.filter((id) => existing.has(id) || seenRuns.has(id)).length;
    await writeNormalized(
      trx,
      norm,
      ids.filter((id) => existing.has(id)),
    );
    // One event per batch, not per run (D10): consumers read the batch's runs by their record key.
    const repos = new Set(norm.map((x) => x.run.repo));
    // kind: how the batch came — `upload` (POST /api/v1/runs) or `ndjson` (a file loaded into the store): ingest freshness is measured per path.
    await enqueue(trx, { type: RUNS_LOADED, run_id: null, repo: repos.size === 1 ? [...repos][0]! : null, kind, object_key: key });
  });
  for (const x of norm) seenRuns.set(x.run.run_id, x.run.repo);
  return { replaced, refused: refused + late };
}

/** Reads the record as sent for a run (null when its raw record is gone, e.g. after retention). */
export async function readRecord(ctx: Pick<HubContext, 'db' | 'blob'>, runId: string): Promise<unknown> {
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
