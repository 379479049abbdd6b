// What the run's API answer shows under analyses.traces: its trace id (the pipeline's own when it
// propagated one), the link to the trace viewer from `traces.traceUrl`, and when it was last sent.
import type { HubContext } from '../../core/registry.js';
import { tracesConfig } from './config.js';
import { parseTraceparent, traceIdOf } from './ids.js';
import { traceparentOf } from './store.js';
import { tdb } from './tables.js';

export async function traceOfRun(ctx: HubContext, runId: string): Promise<Record<string, unknown> | null> {
  const cfg = tracesConfig(ctx.config);
  if (!cfg.endpoint && !cfg.traceUrl) return null;
  const db = tdb(ctx);
  const traceId = traceIdOf(runId, parseTraceparent(await traceparentOf(db, runId)));
  const sent = await db.selectFrom('traces_exported').select(['exported_at', 'spans']).where('run_id', '=', runId).executeTakeFirst();
  return {
    trace_id: traceId,
    trace_url: cfg.traceUrl ? cfg.traceUrl.replaceAll('{traceId}', traceId) : null,
    exported_at: sent ? new Date(sent.exported_at).toISOString() : null,
    spans: sent?.spans ?? null,
  };
}
