// The export worker: drains traces_queue in the background. A pass takes the oldest queued runs,
// maps each finished one to its spans, skips those whose spans hash as last sent, sends the rest
// in requests of up to `batchSpans` spans (a run is never split), and only then records them as
// sent and takes them off the queue. A failed request leaves everything queued and the worker
// waits (doubling from retryMinMs to retryMaxMs) before trying again: a collector outage delays
// spans and loses none. Ingest only ever inserts queue rows (subscriptions.ts).
import { createHash } from 'node:crypto';
import type { HubContext } from '../../core/registry.js';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { Resource } from '@opentelemetry/resources';
import { FINAL_RUN_STATUSES } from '../../core/model/index.js';
import { tracesConfig, type TracesConfig } from './config.js';
import { runToSpans, type SpanRecord } from './map.js';
import { createExporter, exportSpans, toReadableSpan, traceResource } from './sdk.js';
import { dequeue, exportedHashes, loadRunFacts, markExported, queuedRuns } from './store.js';
import type { TracesDb } from './tables.js';

/** Runs read per pass. */
const PASS_RUNS = 500;
const FINAL = new Set<string>(FINAL_RUN_STATUSES);

export interface PassResult {
  /** Runs whose spans were sent. */
  sent: number;
  spans: number;
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

export class TraceExporter {
  readonly cfg: TracesConfig;
  private readonly exporter: SpanExporter;
  private readonly resource: Resource;

  constructor(
    private readonly db: TracesDb,
    cfg: TracesConfig,
    private readonly now: () => Date,
  ) {
    this.cfg = cfg;
    this.exporter = createExporter(cfg);
    this.resource = traceResource(cfg.serviceName);
  }

  /** One pass over the oldest queued runs. */
  async pass(opts: ExportOptions = {}): Promise<PassResult> {
    const res: PassResult = { sent: 0, spans: 0, unchanged: 0, unfinished: 0, settling: 0, error: null };
    const ids = await queuedRuns(this.db, PASS_RUNS);
    if (!ids.length) return res;
    const [loaded, hashes] = await Promise.all([loadRunFacts(this.db, ids), exportedHashes(this.db, ids)]);
    const present = new Set(loaded.map((l) => l.facts.run.run_id));
    const drop = ids.filter((id) => !present.has(id)); // runs deleted (retention) since they were queued
    const settleBefore = this.now().getTime() - this.cfg.settleMs;
    const batches: { runId: string; traceId: string; hash: string; spans: SpanRecord[] }[][] = [[]];
    let inBatch = 0;
    for (const { facts, updatedAt } of loaded) {
      const runId = facts.run.run_id;
      if (!FINAL.has(facts.run.status)) {
        drop.push(runId);
        res.unfinished++;
        continue;
      }
      if (this.cfg.settleMs > 0 && updatedAt.getTime() > settleBefore) {
        res.settling++;
        continue;
      }
      const spans = runToSpans(facts);
      const hash = hashSpans(spans);
      if (!opts.force && hashes.get(runId) === hash) {
        drop.push(runId);
        res.unchanged++;
        continue;
      }
      if (inBatch > 0 && inBatch + spans.length > this.cfg.batchSpans) {
        batches.push([]);
        inBatch = 0;
      }
      batches.at(-1)!.push({ runId, traceId: spans[0]!.traceId, hash, spans });
      inBatch += spans.length;
    }
    await dequeue(this.db, drop);
    for (const batch of batches) {
      if (!batch.length) continue;
      try {
        await exportSpans(
          this.exporter,
          batch.flatMap((b) => b.spans.map((s) => toReadableSpan(s, this.resource))),
        );
      } catch (e) {
        res.error = e instanceof Error ? e : new Error(String(e));
        return res;
      }
      await markExported(
        this.db,
        batch.map((b) => ({ runId: b.runId, traceId: b.traceId, hash: b.hash, spans: b.spans.length })),
        this.now(),
      );
      res.sent += batch.length;
      res.spans += batch.reduce((n, b) => n + b.spans.length, 0);
    }
    return res;
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
  /** Asks for a pass soon (after new queue rows); ignored while waiting after a failure. */
  kick(): void;
  stop(): Promise<void>;
}

const loops = new WeakMap<HubContext, ExportLoop>();

/** The loop of a hub, when it runs one (the subscription kicks it). */
export const exportLoopOf = (ctx: HubContext): ExportLoop | undefined => loops.get(ctx);

/** Background export while the hub runs (`serve`); nothing when no endpoint is configured. */
export function startExportLoop(ctx: HubContext, db: TracesDb): ExportLoop | null {
  const cfg = tracesConfig(ctx.config);
  if (!cfg.endpoint) return null;
  const worker = new TraceExporter(db, cfg, ctx.now);
  let stopped = false;
  let failures = 0;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  const schedule = (ms: number) => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void run(), ms);
  };
  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    timer = null;
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
          if (r.sent + r.unchanged + r.unfinished === 0 || stopped) break;
        }
      } catch (e) {
        failures++;
        wait = backoffMs(cfg, failures);
        ctx.log.warn({ err: (e as Error).message }, 'trace export pass failed');
      }
      running = null;
      if (again && failures === 0) {
        again = false;
        wait = 0;
      }
      schedule(wait);
    })();
    await running;
  };
  const loop: ExportLoop = {
    kick: () => {
      if (failures === 0 && !running) schedule(0);
      else if (running) again = true;
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
