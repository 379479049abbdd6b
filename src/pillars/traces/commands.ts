// `ci-intel traces export --since 7d`: queue the runs of a period and send them to the collector
// now (a backfill, or after a long outage), with the same dedupe as the background export.
import type { Command } from 'commander';
import { examples, jsonLine, numberOption, storeOptions } from '../../core/cli.js';
import { sinceInstant } from '../../core/duration.js';
import { CiError } from '../../core/errors.js';
import type { CliContext } from '../../core/registry.js';
import { tracesConfig } from './config.js';
import { queueLength, queueSince } from './store.js';
import { forgetExportedChanges, productionEnvironments } from './change-store.js';
import { tdb } from './tables.js';
import { addPass, backoffMs, TraceExporter, type PassResult } from './worker.js';

export function tracesCommands(program: Command, ctx: CliContext): void {
  const traces = examples(
    program.command('traces').description('Runs as OpenTelemetry traces: export them to a collector'),
    'ci-intel traces export --since 7d',
  );
  examples(
    storeOptions(
      traces
        .command('export')
        .description('Send the runs started in a period to the configured OTLP collector (runs sent before unchanged are skipped)')
        .option('--since <when>', 'runs started since (a duration ago like 7d, or a date)', '7d')
        .option('--repo <owner/name>', 'only this repository')
        .option('--endpoint <url>', 'OTLP/HTTP traces endpoint (default: traces.endpoint in ci-intel.yml)')
        .option('--protocol <http/protobuf|http/json>', 'OTLP encoding (default: traces.protocol)')
        .option('--force', 'send runs again even when their spans did not change')
        .option('--retries <n>', 'failed requests tolerated in a row before giving up', '5')
        .option('--json', 'print one JSON object with the counts'),
    ),
    'ci-intel traces export --since 7d',
    'ci-intel traces export --since 2026-01-01 --repo octo/app --endpoint http://localhost:4318/v1/traces',
  ).action(async (opts: Record<string, string | boolean | undefined>) => {
    const since = sinceInstant(String(opts.since), ctx.now());
    const retries = numberOption('--retries', opts.retries, { min: 0, integer: true }) ?? 5;
    const hub = await ctx.openHub({ db: opts.db, dataDir: opts.dataDir, config: opts.config });
    let worker: TraceExporter | null = null;
    try {
      const base = tracesConfig(hub.config);
      const protocol = (opts.protocol as string | undefined) ?? base.protocol;
      if (protocol !== 'http/protobuf' && protocol !== 'http/json')
        throw new CiError('E_USAGE', `--protocol ${protocol} is not one of http/protobuf, http/json`, { where: '--protocol' });
      const endpoint = (opts.endpoint as string | undefined) ?? base.endpoint;
      if (!endpoint)
        throw new CiError('E_USAGE', 'no collector to send to: pass --endpoint URL or set traces.endpoint in ci-intel.yml (or CI_INTEL_TRACES_ENDPOINT)', {
          where: '--endpoint',
        });
      if (!/^https?:\/\//.test(endpoint)) throw new CiError('E_USAGE', `--endpoint ${endpoint} is not an http(s) URL`, { where: '--endpoint' });
      // A backfill reads finished runs: none of them is still settling.
      const cfg = { ...base, endpoint, protocol, settleMs: 0 } as const;
      const db = tdb(hub);
      const matched = await queueSince(db, since, opts.repo as string | undefined, ctx.now());
      if (opts.force) await forgetExportedChanges(db);
      worker = new TraceExporter(db, cfg, ctx.now, productionEnvironments(hub.config));
      let total: PassResult = { sent: 0, spans: 0, changes: 0, unchanged: 0, unfinished: 0, settling: 0, error: null };
      let failures = 0;
      for (;;) {
        const r = await worker.pass({ force: Boolean(opts.force) });
        total = addPass(total, r);
        if (r.error) {
          failures++;
          if (failures > retries)
            throw new CiError(
              'E_COLLECTOR_UNREACHABLE',
              `the collector at ${endpoint} failed ${failures} times in a row (${r.error.message}); ${await queueLength(db)} runs stay queued: run this again later`,
              {
                where: '--endpoint',
              },
            );
          const wait = backoffMs(cfg, failures);
          ctx.err(`export failed (${r.error.message}); retrying in ${wait} ms\n`);
          await new Promise((res) => setTimeout(res, wait));
          continue;
        }
        failures = 0;
        if (r.sent + r.changes + r.unchanged + r.unfinished === 0) break;
      }
      const summary = { matched, sent: total.sent, spans: total.spans, changes: total.changes, unchanged: total.unchanged, unfinished: total.unfinished };
      ctx.out(
        opts.json
          ? `${jsonLine(summary)}\n`
          : `${summary.matched} runs since ${since.toISOString()}: ${summary.sent} sent (${summary.spans} spans), ${summary.unchanged} unchanged, ${summary.unfinished} not finished${summary.changes ? `; ${summary.changes} changes (commit to production deploy) sent` : ''}\n`,
      );
    } finally {
      await worker?.shutdown();
      await hub.close();
    }
  });
}
