// The export worker: drains traces_queue in the background. A pass takes the oldest queued runs,
// maps each finished one to its spans, skips those whose spans hash as last sent, sends the rest
// in requests of up to `batchSpans` spans (a run is never split), and only then records them as
// sent and takes them off the queue. A failed request leaves everything queued and the worker
// waits (doubling from retryMinMs to retryMaxMs) before trying again: a collector outage delays
// spans and loses none. Ingest only ever inserts queue rows (subscriptions.ts).
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { HubContext } from '../../core/registry.js';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { Resource } from '@opentelemetry/resources';
import { FINAL_RUN_STATUSES } from '../../core/model/index.js';
import { tracesConfig, type TracesConfig } from './config.js';
import { runToSpans, type SpanRecord } from './map.js';
import { createExporter, exportSpans, toReadableSpan, traceResource } from '../../core/otlp.js';
import { dequeue, exportedHashes, loadRunFacts, markExported, queuedRuns, type Queued } from './store.js';
import { changeToSpans } from './change.js';
import { changesToExport, loadChangeFacts, markChangesExported, productionEnvironments } from './change-store.js';
import type { TracesDb } from './tables.js';

/** Runs read per pass. */
const PASS_RUNS = 500;
/** Changes (commit → production deploy) read per pass: each is a few statements. */
const PASS_CHANGES = 100;
const FINAL = new Set<string>(FINAL_RUN_STATUSES);

export interface PassResult {
  /** Runs whose spans were sent. */
  sent: number;
  spans: number;
  /** Changes (commit → production deploy) whose trace was sent; their spans count in `spans`. */
  changes: number;
  /** Runs whose spans were sent before unchanged (nothing sent). */
  unchanged: number;
  /** Runs taken off the queue while unfinished (a later event queues them again). */
  unfinished: number;
  /** Runs left queued to settle. */
  settling: number;
  /** The error of a failed request (the runs stay queued). */
  error: Error | null;
}

export const hashSpans = (spans: SpanRecord[]): string => createHash('sha256').update(JSON.stringify(spans)).digest('hex');

export interface ExportOptions {
  /** Send even runs whose spans were sent unchanged (`traces export --force`). */
  force?: boolean;
}

type Prepared = Queued & { traceId: string; hash: string; spans: SpanRecord[] };

export class TraceExporter {
  readonly cfg: TracesConfig;
  private readonly exporter: SpanExporter;
  private readonly resource: Resource;
  /** The request that failed last, kept as built: a retry re-sends it without reading or mapping again. */
  private failed: { batch: Prepared[]; spans: ReadableSpan[] } | null = null;

  constructor(
    private readonly db: TracesDb,
    cfg: TracesConfig,
    private readonly now: () => Date,
    /** The environments whose deployments end a change's trace (the metrics pillar's production list). */
    private readonly production: string[] = ['prod', 'production'],
  ) {
    this.cfg = cfg;
    this.exporter = createExporter(cfg);
    this.resource = traceResource(cfg.serviceName);
  }

  /** Sends one request; on success records its runs as sent, on failure keeps it for the retry. */
  private async send(batch: Prepared[], spans: ReadableSpan[], res: PassResult): Promise<boolean> {
    try {
      await exportSpans(this.exporter, spans);
    } catch (e) {
      this.failed = { batch, spans };
      res.error = e instanceof Error ? e : new Error(String(e));
      return false;
    }
    this.failed = null;
    await markExported(
      this.db,
      batch.map((b) => ({ runId: b.runId, version: b.version, traceId: b.traceId, hash: b.hash, spans: b.spans.length })),
      this.now(),
    );
    res.sent += batch.length;
    res.spans += spans.length;
    return true;
  }

  /** One pass over the oldest queued runs, then over the changes deployed to production and not sent yet. */
  async pass(opts: ExportOptions = {}): Promise<PassResult> {
    const res: PassResult = { sent: 0, spans: 0, changes: 0, unchanged: 0, unfinished: 0, settling: 0, error: null };
    if (this.failed && !(await this.send(this.failed.batch, this.failed.spans, res))) return res;
    if (!(await this.runsPass(opts, res))) return res;
    await this.changesPass(res);
    return res;
  }

  /**
   * Changes whose first production deployment is known (the metrics pillar's lead times) and whose
   * trace was not sent for that deployment: mapped and sent in one request. A change's facts end
   * at its deployment, so it is sent once; a failed request is rebuilt on the next pass.
   */
  private async changesPass(res: PassResult): Promise<void> {
    const todo = await changesToExport(this.db, this.production, PASS_CHANGES);
    if (!todo.length) return;
    const built: { repo: string; sha: string; deployment_id: string; traceId: string; hash: string; spans: SpanRecord[] }[] = [];
    for (const c of todo) {
      const facts = await loadChangeFacts(this.db, c.repo, c.sha, this.production);
      if (!facts) continue;
      const spans = changeToSpans(facts);
      built.push({ ...c, traceId: spans[0]!.traceId, hash: hashSpans(spans), spans });
    }
    const spans = built.flatMap((b) => b.spans.map((s) => toReadableSpan(s, this.resource)));
    try {
      await exportSpans(this.exporter, spans);
    } catch (e) {
      res.error = e instanceof Error ? e : new Error(String(e));
      return;
    }
    await markChangesExported(
      this.db,
      built.map((b) => ({ ...b, spans: b.spans.length })),
      this.now(),
    );
    res.changes += built.length;
    res.spans += spans.length;
  }

  /** The queued runs; false when a request failed (the pass stops there). */
  private async runsPass(opts: ExportOptions, res: PassResult): Promise<boolean> {
    const queued = await queuedRuns(this.db, PASS_RUNS);
    if (!queued.length) return true;
    const ids = queued.map((q) => q.runId);
    const [loaded, hashes] = await Promise.all([loadRunFacts(this.db, ids), exportedHashes(this.db, ids)]);
    const factsOf = new Map(loaded.map((l) => [l.facts.run.run_id, l]));
    const drop: Queued[] = [];
    const settleBefore = this.now().getTime() - this.cfg.settleMs;
    const batches: Prepared[][] = [[]];
    let inBatch = 0;
    for (const q of queued) {
      const l = factsOf.get(q.runId);
      if (!l) {
        drop.push(q); // deleted (retention) since it was queued
        continue;
      }
      if (!FINAL.has(l.facts.run.status)) {
        drop.push(q);
        res.unfinished++;
        continue;
      }
      if (this.cfg.settleMs > 0 && l.updatedAt.getTime() > settleBefore) {
        res.settling++;
        continue;
      }
      const spans = runToSpans(l.facts);
      const hash = hashSpans(spans);
      if (!opts.force && hashes.get(q.runId) === hash) {
        drop.push(q);
        res.unchanged++;
        continue;
      }
      if (inBatch > 0 && inBatch + spans.length > this.cfg.batchSpans) {
        batches.push([]);
        inBatch = 0;
      }
      batches.at(-1)!.push({ ...q, traceId: spans[0]!.traceId, hash, spans });
      inBatch += spans.length;
    }
    await dequeue(this.db, drop);
    for (const batch of batches) {
      if (!batch.length) continue;
      const spans = batch.flatMap((b) => b.spans.map((s) => toReadableSpan(s, this.resource)));
      if (!(await this.send(batch, spans, res))) return false;
    }
    return true;
  }

  async shutdown(): Promise<void> {
    await this.exporter.shutdown();
  }
}

/** Sums pass results (a drain or a backfill reports one total). */
export function addPass(a: PassResult, b: PassResult): PassResult {
  return {
    sent: a.sent + b.sent,
    spans: a.spans + b.spans,
    changes: a.changes + b.changes,
    unchanged: a.unchanged + b.unchanged,
    unfinished: a.unfinished + b.unfinished,
    settling: b.settling,
    error: b.error,
  };
}

/** The next wait after `failures` failed passes in a row. */
export const backoffMs = (cfg: Pick<TracesConfig, 'retryMinMs' | 'retryMaxMs'>, failures: number): number =>
  Math.min(cfg.retryMaxMs, cfg.retryMinMs * 2 ** Math.max(0, failures - 1));

/** Idle poll interval: settling runs and queue rows another hub process wrote are picked up by it. */
const POLL_MS = 2000;

export interface ExportLoop {
  /** Tells the loop that runs were queued (ingest is active): it exports once ingest is quiet. */
  kick(): void;
  stop(): Promise<void>;
}

const loops = new WeakMap<HubContext, ExportLoop>();

/** The loop of a hub, when it runs one (the subscription kicks it). */
export const exportLoopOf = (ctx: HubContext): ExportLoop | undefined => loops.get(ctx);

/**
 * Background export while the hub runs (`serve`); nothing when no endpoint is configured.
 *
 * Export yields to ingest: on the embedded store every statement and every span encoded is time
 * on the hub's one thread, so a pass starts once no run was queued for `quietMs` — or, under
 * ingest that never pauses, `maxDelayMs` after the first run waiting, so traces are late but never
 * starved (bench/traces measures both).
 */
export function startExportLoop(ctx: HubContext, db: TracesDb): ExportLoop | null {
  const cfg = tracesConfig(ctx.config);
  if (!cfg.endpoint) return null;
  const worker = new TraceExporter(db, cfg, ctx.now, productionEnvironments(ctx.config));
  let stopped = false;
  let failures = 0;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  /** When the oldest kick not yet served arrived (monotonic ms), or null. */
  let waitingSince: number | null = null;
  const clock = () => performance.now();
  const schedule = (ms: number) => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void run(), Math.max(0, ms));
  };
  const run = async (): Promise<void> => {
    if (running) return;
    timer = null;
    waitingSince = null;
    running = (async () => {
      let wait = POLL_MS;
      try {
        for (;;) {
          const r = await worker.pass();
          if (r.error) {
            failures++;
            wait = backoffMs(cfg, failures);
            ctx.log.warn({ err: r.error.message, retryInMs: wait }, 'trace export failed; the runs stay queued');
            break;
          }
          failures = 0;
          // New runs queued meanwhile: ingest is active again, let it have the thread.
          if (r.sent + r.changes + r.unchanged + r.unfinished === 0 || stopped || waitingSince !== null) break;
        }
      } catch (e) {
        failures++;
        wait = backoffMs(cfg, failures);
        ctx.log.warn({ err: (e as Error).message }, 'trace export pass failed');
      }
      running = null;
      // Kicks may have come while the pass ran (the compiler cannot see that across the awaits).
      const since = waitingSince as number | null;
      if (failures === 0 && since !== null) wait = Math.min(cfg.quietMs, since + cfg.maxDelayMs - clock());
      schedule(wait);
    })();
    await running;
  };
  const loop: ExportLoop = {
    kick: () => {
      const now = clock();
      waitingSince ??= now;
      // While backing off after a failure the retry timer stands; while a pass runs it reschedules.
      if (failures > 0 || running) return;
      schedule(Math.min(cfg.quietMs, waitingSince + cfg.maxDelayMs - now));
    },
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (running) await running;
      loops.delete(ctx);
      await worker.shutdown();
    },
  };
  loops.set(ctx, loop);
  schedule(0);
  return loop;
}
