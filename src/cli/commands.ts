// Core commands: serve, ingest, validate, schema check, token, runs, synth.
import { createWriteStream } from 'node:fs';
import { Option, type Command } from 'commander';
import { RUN_STATUSES, type RunListQuery } from '../core/runs/read.js';
import { sinceInstant } from '../core/duration.js';
import { CiError } from '../core/errors.js';
import { readInputText } from '../core/input.js';
import { splitLines } from '../core/lines.js';
import type { CliContext } from '../core/registry.js';
import type { CompatMode } from '../core/contract/compat.js';
import { createToken, listTokens, parseExpiry, parseScopes, revokeToken } from '../core/tokens.js';

// The store, the server and the contract validator load inside the actions that use them: a CLI
// run then loads only what its command needs (`ci-intel autopsy LOG` starts in a fraction of the
// time; see src/cli/light.ts).
const ingestModule = () => import('../core/runs/ingest.js');
const queriesModule = () => import('../core/runs/read.js');
const contractModule = () => import('../core/contract/index.js');
import { pruneCommand } from './prune.js';
import { reportCommand } from './report/command.js';
import { collect, examples, numberOption, openInput, storeOptions } from '../core/cli.js';
import { hubCall, queryOf, readHubOptions, readTarget } from '../core/hub-api.js';

export function coreCommands(program: Command, ctx: CliContext): void {
  /** Opens the store for one piece of work and closes it, whatever happens. */
  const withStore = async <T>(opts: Record<string, unknown>, fn: (hub: Awaited<ReturnType<CliContext['openHub']>>) => Promise<T>): Promise<T> => {
    const hub = await ctx.openHub(opts);
    try {
      return await fn(hub);
    } finally {
      await hub.close();
    }
  };
  // ---- serve ----
  examples(
    storeOptions(
      program
        .command('serve')
        .description('Run the hub: HTTP ingest, API, dashboard and /metrics over the store')
        .option('--host <host>', 'interface to listen on', undefined)
        .option('--port <port>', 'port (0 = any free port)', undefined)
        .option('--demo', 'seed an empty store with synthetic data and allow reads without a token'),
    ),
    'ci-intel serve --demo',
    'DATABASE_URL=postgres://ci@db/ci ci-intel serve --host 0.0.0.0 --port 8080',
  ).action(async (opts: Record<string, unknown>) => {
    const { serve } = await import('../server/main.js');
    await serve(ctx, opts);
  });

  // ---- ingest ----
  examples(
    storeOptions(
      program
        .command('ingest')
        .description('Ingest pipeline_run NDJSON into the store; prints `ingested N replaced M rejected K`')
        .argument('<file>', 'NDJSON file, or - for stdin'),
    ),
    'ci-intel ingest runs.ndjson',
    'ci-intel synth --repos 3 --days 7 --seed 1 | ci-intel ingest -',
  ).action(async (file: string, opts: Record<string, unknown>) => {
    const input = openInput(file);
    // The bus runs so the pillars analyze what was ingested before the command returns.
    const hub = await ctx.openHub(opts, { start: true });
    try {
      const { ingestNdjson } = await ingestModule();
      const res = await ingestNdjson(hub, input, { source: 'cli' });
      for (const r of res.rejected) ctx.err(`${file}:${r.line}: ${r.pointer === '' ? '""' : r.pointer}: ${r.reason} [${r.code}]\n`);
      for (const w of res.warnings) ctx.err(`${file}: warning: ${w.message} (first at line ${w.lines[0]}) [${w.code}]\n`);
      ctx.out(`ingested ${res.accepted} replaced ${res.replaced} rejected ${res.rejected.length}\n`);
      await hub.bus.drain(600_000);
      const { checkLoad } = await import('../core/runs/after-load.js');
      const quality = res.accepted ? await checkLoad(hub, hub.pillars, { load_id: res.load_id, run_ids: res.run_ids }) : null;
      for (const b of quality?.breaches ?? []) ctx.err(`${file}: data quality ${b.severity}: ${b.check} on ${b.target}: ${b.message}\n`);
      if (res.rejected.length || quality?.status === 'fail') process.exitCode = 1;
    } finally {
      await hub.close();
    }
  });

  // ---- validate ----
  examples(
    program
      .command('validate')
      .description('Check NDJSON against the pipeline_run v1.2 contract (v1.1 accepted); prints FILE:LINE: POINTER: reason')
      .argument('<file>', 'NDJSON file, or - for stdin'),
    'ci-intel validate artifacts/pipeline_run.ndjson',
    'cat runs.ndjson | ci-intel validate -',
  ).action(async (file: string) => {
    const { checkLine } = await contractModule();
    const input = openInput(file);
    const maxLine = 16 * 1024 * 1024;
    const errors: Array<{ line: number; pointer: string; reason: string }> = [];
    let lines = 0;
    let records = 0;
    for await (const l of splitLines(input, { maxLineBytes: maxLine })) {
      lines = l.no;
      if (l.tooLong) {
        errors.push({ line: l.no, pointer: '', reason: `line is ${l.bytes} bytes, over the 16 MiB cap per record` });
        continue;
      }
      if (l.text!.trim() === '') continue;
      records++;
      for (const i of checkLine(l.text!).issues) errors.push({ line: l.no, pointer: i.pointer, reason: i.reason });
    }
    // Sorted by line, then pointer (issues of one line come sorted already; keep it explicit).
    errors.sort((a, b) => a.line - b.line || (a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0));
    for (const e of errors) ctx.out(`${file}:${e.line}: ${e.pointer === '' ? '""' : e.pointer}: ${e.reason}\n`);
    const bad = new Set(errors.map((e) => e.line)).size;
    ctx.err(`${records} records on ${lines} lines: ${records - bad} valid, ${bad} invalid\n`);
    if (errors.length) process.exitCode = 1;
  });

  // ---- schema check ----
  const schema = examples(program.command('schema').description('Schema registry: compatibility of JSON Schemas'), 'ci-intel schema check --help');
  examples(
    schema
      .command('check')
      .description(
        'Report each change of NEW that breaks documents valid under OLD (backward), or OLD readers of NEW documents (forward), with its JSON pointer; exit 1 when one exists',
      )
      .argument('<old>', 'the earlier schema (JSON)')
      .argument('<new>', 'the changed schema (JSON)')
      .option('--mode <mode>', `backward (new readers, old data), forward (old readers, new data) or full`, 'backward')
      .option('--json', 'one JSON object per incompatibility: {direction, pointer, kind, message}'),
    'ci-intel schema check schemas/pipeline_run.v1.2.json pipeline_run.schema.json',
    'ci-intel schema check old.json new.json --mode full --json',
  ).action(async (oldFile: string, newFile: string, opts: { mode: string; json?: boolean }) => {
    const { checkCompatibility, COMPAT_MODES, SchemaError } = await import('../core/contract/compat.js');
    if (!COMPAT_MODES.includes(opts.mode as CompatMode))
      throw new CiError('E_USAGE', `--mode ${opts.mode} is not a mode`, { where: '--mode', hint: `use one of ${COMPAT_MODES.join(', ')}` });
    const read = (file: string): unknown => {
      const text = readInputText(file);
      try {
        return JSON.parse(text);
      } catch (e) {
        throw new CiError('E_INPUT_UNREADABLE', `${file} is not JSON: ${(e as Error).message}`, { where: file, hint: 'pass a JSON Schema file' });
      }
    };
    const [o, n] = [read(oldFile), read(newFile)];
    // Each schema checked against itself walks all of it: a malformed one is named with its pointer.
    for (const [file, doc] of [
      [oldFile, o],
      [newFile, n],
    ] as const) {
      try {
        checkCompatibility(doc, doc, 'backward');
      } catch (e) {
        if (e instanceof SchemaError)
          throw new CiError('E_INPUT_UNREADABLE', `${file}: ${e.pointer}: ${e.message}`, {
            where: `${file}: ${e.pointer}`,
            hint: 'fix the schema at that pointer',
          });
        throw e;
      }
    }
    const found = checkCompatibility(o, n, opts.mode as CompatMode);
    for (const x of found)
      ctx.out(opts.json ? JSON.stringify(x) + '\n' : `${x.direction === 'backward' ? newFile : oldFile}: ${x.pointer}: ${x.kind}: ${x.message}\n`);
    ctx.err(found.length ? `${found.length} incompatible change${found.length === 1 ? '' : 's'} (${opts.mode})\n` : `compatible (${opts.mode})\n`);
    if (found.length) process.exitCode = 1;
  });

  // ---- token ----
  const token = examples(
    program.command('token').description('Manage API tokens (stored hashed; shown once)'),
    'ci-intel token create --repo "org/*" --scope read,ingest --expires 30d',
    'ci-intel token list',
    'ci-intel token revoke tok_abc123',
  );
  examples(
    readHubOptions(
      storeOptions(
        token
          .command('create')
          .description('Create a token; prints only the token (through a running hub with --hub and an admin token)')
          .requiredOption('--repo <pattern>', 'repository pattern (repeatable): org/app, org/*, group/**', collect)
          .option('--scope <scopes>', 'comma-separated: read, ingest, admin', 'read,ingest')
          .option('--expires <when>', 'lifetime (30d, 12h, 2w) or an ISO date')
          .option('--name <name>', 'a label shown by token list'),
      ),
      'admin',
    ),
    'ci-intel token create --repo "org/*"',
    'ci-intel token create --repo "group/**" --scope read --expires 90d --name dashboard',
    'ci-intel token create --repo "org/app" --scope read --hub http://localhost:8080 --token $ADMIN_TOKEN',
  ).action(async (opts: { repo: string[]; scope: string; expires?: string; name?: string } & Record<string, unknown>) => {
    const scopes = parseScopes(opts.scope);
    const expiresAt = opts.expires ? parseExpiry(opts.expires, ctx.now()) : null;
    const target = readTarget(opts, ctx);
    const t = target
      ? await hubCall<{ token: string; token_id: string }>(target, '/api/v1/tokens', {
          method: 'POST',
          // The hub reads the lifetime on its own clock; the instant computed here is the same.
          json: {
            repo: opts.repo,
            scope: scopes.join(','),
            ...(expiresAt ? { expires: expiresAt.toISOString() } : {}),
            ...(opts.name ? { name: opts.name } : {}),
          },
        })
      : await withStore(opts, (hub) => createToken(hub.db, { repoPatterns: opts.repo, scopes, expiresAt, name: opts.name }));
    ctx.out(`${t.token}\n`);
    ctx.err(`created ${t.token_id} for ${opts.repo.join(', ')} with scopes ${scopes.join(',')}${expiresAt ? `, expires ${expiresAt.toISOString()}` : ''}\n`);
  });
  examples(
    readHubOptions(
      storeOptions(
        token.command('list').description('List tokens (id, patterns, scopes, expiry; never the secret)').option('--json', 'one JSON object per token'),
      ),
      'admin',
    ),
    'ci-intel token list',
    'ci-intel token list --json --hub http://localhost:8080 --token $ADMIN_TOKEN',
  ).action(async (opts: { json?: boolean } & Record<string, unknown>) => {
    const target = readTarget(opts, ctx);
    const rows = target
      ? (await hubCall<{ items: Awaited<ReturnType<typeof listTokens>> }>(target, '/api/v1/tokens')).items
      : await withStore(opts, listTokens);
    for (const r of rows) {
      if (opts.json) ctx.out(JSON.stringify(r) + '\n');
      else {
        const state = r.revoked_at ? 'revoked' : r.expires_at && Date.parse(r.expires_at) <= ctx.now().getTime() ? 'expired' : 'active';
        ctx.out(`${r.token_id}\t${state}\t${r.scopes.join(',')}\t${r.repo_patterns.join(',')}\t${r.expires_at ?? 'never'}\t${r.name ?? ''}\n`);
      }
    }
  });
  examples(
    readHubOptions(storeOptions(token.command('revoke').description('Revoke a token by id').argument('<token-id>')), 'admin'),
    'ci-intel token revoke tok_abc123',
    'ci-intel token revoke tok_abc123 --hub http://localhost:8080 --token $ADMIN_TOKEN',
  ).action(async (id: string, opts: Record<string, unknown>) => {
    const target = readTarget(opts, ctx);
    if (target) await hubCall(target, `/api/v1/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' });
    else {
      const n = await withStore(opts, (hub) => revokeToken(hub, id));
      if (!n) throw new CiError('E_NOT_FOUND', `no active token ${id}`, { hint: 'see ci-intel token list' });
    }
    ctx.out(`revoked ${id}\n`);
  });

  // ---- runs ----
  examples(
    readHubOptions(
      storeOptions(
        program
          .command('runs')
          .description('List runs, newest first (from the store, or through a running hub with --hub)')
          .option('--repo <repo>', 'only this repository')
          .option('--branch <branch>', 'only this branch')
          .addOption(new Option('--status <status>', 'only runs with this status').choices(RUN_STATUSES))
          .option('--since <time>', 'RFC 3339 time or a duration back from now (7d, 12h)')
          .option('--limit <n>', 'at most this many', '50')
          .option('--json', 'NDJSON output'),
      ),
    ),
    'ci-intel runs --repo org/app --since 7d',
    'ci-intel runs --status failed --json | jq .run_id',
    'ci-intel runs --hub http://localhost:8080 --token $CI_INTEL_TOKEN',
  ).action(async (opts: Record<string, string | boolean | undefined>) => {
    const limit = numberOption('--limit', opts.limit, { min: 1, max: 100_000, integer: true })!;
    const since = typeof opts.since === 'string' ? sinceInstant(opts.since, ctx.now()).toISOString() : undefined;
    const query = {
      repo: opts.repo as string | undefined,
      branch: opts.branch as string | undefined,
      status: opts.status as RunListQuery['status'],
      since,
    };
    const target = readTarget(opts, ctx);
    const print = (items: RunSummary[]) => {
      for (const r of items) {
        if (opts.json) ctx.out(JSON.stringify(r) + '\n');
        else
          ctx.out(
            `${r.started_at}\t${r.status.padEnd(9)}\t${r.repo}\t${r.branch ?? ''}\t${(r.commit_sha ?? '').slice(0, 8)}\t${r.duration_ms === null ? '' : fmtMs(r.duration_ms)}\t${r.run_id}\n`,
          );
      }
    };
    if (target) await pageThrough(limit, (cursor, n) => hubCall<RunPage>(target, `/api/v1/runs${queryOf({ ...query, cursor, limit: n })}`), print);
    else {
      const { listRuns } = await queriesModule();
      await withStore(opts, (hub) => pageThrough(limit, (cursor, n) => listRuns(hub.db, { ...query, cursor, limit: n }, null), print));
    }
  });

  pruneCommand(program, ctx);
  reportCommand(program, ctx);

  // ---- synth ----
  examples(
    program
      .command('synth')
      .description('Write deterministic synthetic pipeline_run v1.2 NDJSON (and optionally the commit history behind it)')
      .requiredOption('--repos <n>', 'number of repositories')
      .requiredOption('--days <d>', 'days of history')
      .option('--runs-per-day <r>', 'runs per repository per day', '12')
      .requiredOption('--seed <s>', 'random seed (same seed, same output)')
      .option('--end <date>', 'last day of the history (default: today, UTC)')
      .option('--commits <file>', 'also write the commit history (NDJSON: repo, sha, parents, authored_at, committed_at)')
      .option('--out <file>', 'write the runs here instead of stdout'),
    'ci-intel synth --repos 3 --days 30 --seed 42 > runs.ndjson',
    'ci-intel synth --repos 20 --days 30 --runs-per-day 200 --seed 1 --commits commits.ndjson --out runs.ndjson',
  ).action(async (opts: Record<string, string | undefined>) => {
    const { synthesize } = await import('../core/synth/generate.js');
    const repos = numberOption('--repos', opts.repos, { min: 1, max: 10_000, integer: true })!;
    const days = numberOption('--days', opts.days, { min: 1, max: 3650, integer: true })!;
    const runsPerDay = numberOption('--runs-per-day', opts.runsPerDay, { min: 1, max: 100_000, integer: true })!;
    const seed = numberOption('--seed', opts.seed, { integer: true })!;
    const end = opts.end ? new Date(opts.end) : ctx.now();
    if (!Number.isFinite(end.getTime())) throw new CiError('E_USAGE', `--end ${opts.end} is not a date`);
    const { pillars } = await import('../pillars/index.js');
    const out = opts.out ? createWriteStream(opts.out) : null;
    const commitsOut = opts.commits ? createWriteStream(opts.commits) : null;
    const write = (s: string) => (out ? out.write(s) : ctx.out(s));
    const res = synthesize({ repos, days, runsPerDay, seed, end, pillars });
    for (const r of res.records) write(JSON.stringify(r) + '\n');
    if (commitsOut) for (const c of res.commits) commitsOut.write(JSON.stringify(c) + '\n');
    await Promise.all([out, commitsOut].filter(Boolean).map((s) => new Promise((r) => s!.end(r))));
    ctx.err(`wrote ${res.records.length} runs${commitsOut ? ` and ${res.commits.length} commits` : ''}\n`);
  });
}

type RunPage = Awaited<ReturnType<Awaited<ReturnType<typeof queriesModule>>['listRuns']>>;
type RunSummary = RunPage['items'][number];

/** Reads pages of at most 1,000 runs (the API's cap) until `limit` runs or the last page. */
async function pageThrough(limit: number, page: (cursor: string | undefined, n: number) => Promise<RunPage>, print: (items: RunSummary[]) => void) {
  let cursor: string | undefined;
  let left = limit;
  while (left > 0) {
    const p = await page(cursor, Math.min(left, 1000));
    print(p.items);
    left -= p.items.length;
    if (!p.next_cursor) break;
    cursor = p.next_cursor;
  }
}

export function fmtMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}
