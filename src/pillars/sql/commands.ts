// `ci-intel sql "SELECT …"`: one read-only query over the sql_* views, through a hub (limited to the
// token's repositories) or on the store directly (its owner sees every repository), printed as a
// table, CSV or JSON, or written as a Parquet file for a notebook.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { examples, storeOptions } from '../../core/cli.js';
import { CiError } from '../../core/errors.js';
import { hubCall, readHubOptions, readTarget } from '../../core/hub-api.js';
import type { CliContext } from '../../core/registry.js';
import { sqlConfig } from './config.js';
import { fromObjects, toCsv, toObjects, toParquet, toTable } from './format.js';
import { runQuery, type SqlColumn, type SqlResult } from './run.js';

export function sqlCommands(program: Command, ctx: CliContext): void {
  examples(
    readHubOptions(
      storeOptions(
        program
          .command('sql')
          .description("Run one read-only SELECT over the sql_* views (through a hub: only the token's repositories)")
          .argument('<query>', 'one SELECT statement; the views and their columns: GET /api/v1/sql/views, or the SQL page')
          .option('--csv', 'print CSV')
          .option('--json', 'print one JSON object: columns, rows, truncated')
          .option('--parquet <file>', 'write the result to this Parquet file (for a notebook)'),
      ),
    ),
    'ci-intel sql "SELECT status, count(*) FROM sql_runs GROUP BY status ORDER BY status" --hub https://ci-intel.internal --token $CI_INTEL_TOKEN',
    'ci-intel sql "SELECT repo, avg(duration_ms) FROM sql_runs GROUP BY repo" --csv > durations.csv',
  ).action(async (query: string, opts: Record<string, unknown>) => {
    if (opts.csv && opts.json)
      throw new CiError('E_USAGE', '--csv and --json cannot be used together', { where: '--csv/--json', hint: 'pick one output format' });
    const target = readTarget(opts, ctx);
    let result: SqlResult;
    if (target) {
      const a = await hubCall<{ columns: SqlColumn[]; rows: Array<Record<string, unknown>>; truncated: boolean; views: string[] }>(target, '/api/v1/sql', {
        method: 'POST',
        json: { sql: query },
      });
      result = { columns: a.columns, rows: fromObjects(a.columns, a.rows), truncated: a.truncated, views: a.views };
    } else {
      const hub = await ctx.openHub({ db: opts.db, dataDir: opts.dataDir, config: opts.config });
      try {
        result = await runQuery(hub.store, hub.config.db, query, null, sqlConfig(hub.config));
      } finally {
        await hub.close();
      }
    }
    if (typeof opts.parquet === 'string') {
      writeFileSync(opts.parquet, toParquet(result));
      ctx.err(`${result.rows.length} rows written to ${opts.parquet}\n`);
    } else if (opts.csv) ctx.out(toCsv(result));
    else if (opts.json) ctx.out(`${JSON.stringify({ columns: result.columns, rows: toObjects(result), truncated: result.truncated })}\n`);
    else ctx.out(toTable(result));
    if (result.truncated) ctx.err('the result was cut at the row cap (sql.maxRows): narrow the query or aggregate\n');
  });
}
