// CLI: `ci-intel datalab up|down|ls|reap` — throwaway PostgreSQL databases on the machine's own
// server binaries (no Docker, no cloud account).
import type { Command } from 'commander';
import { collect, examples, numberOption } from '../../core/cli.js';
import { fmtDuration, parseDuration } from '../../core/duration.js';
import type { CliContext } from '../../core/registry.js';
import { datalabConfig, defaultHome } from './config.js';
import { labDown, labUp, listLabs, needTools, reap, type Engine, type Lab, type LabHome, type LabSource } from './labs.js';
import { parseRows, seededFill, seededSource, type SeedInput } from './seed.js';
import { listSnapshots, snapshotPreparer, takeSnapshot } from './snapshots.js';
import { createBlobStore } from '../../core/blob/index.js';
import { tryFindPgTools } from './pgtools.js';
import type { ServerState } from './server.js';
import { CiError } from '../../core/errors.js';

export function labHome(ctx: CliContext, opts: Record<string, unknown>): LabHome {
  const cfg = datalabConfig(ctx.config({ config: opts.config }));
  const dir = (opts.home as string | undefined) || cfg.home || defaultHome();
  return { dir, tools: tryFindPgTools(ctx.env, cfg.pgBin || undefined), now: ctx.now };
}

/** `auto`: PostgreSQL when its binaries are here, else PGlite. PGlite labs are filled through their URL only. */
export function chooseEngine(requested: string, home: LabHome, from: Record<string, unknown>): Engine {
  if (!['auto', 'postgres', 'pglite'].includes(requested))
    throw new CiError('E_USAGE', `--engine ${requested} is not one of auto, postgres, pglite`, { where: '--engine', hint: 'e.g. --engine pglite' });
  const engine: Engine = requested === 'auto' ? (home.tools ? 'postgres' : 'pglite') : (requested as Engine);
  if (engine === 'postgres') needTools(home);
  for (const opt of ['from', 'template'] as const)
    if (engine === 'pglite' && from[opt])
      throw new CiError('E_USAGE', `--${opt} needs the PostgreSQL engine (pg_restore, template databases); this lab would be PGlite`, {
        where: `--${opt}`,
        hint: 'install PostgreSQL (apt-get install -y postgresql) or seed the lab with --schema instead',
      });
  return engine;
}

function expiresIn(lab: Lab, now: Date): string {
  return lab.expires === null ? 'never' : `in ${fmtDuration(Math.max(0, (Date.parse(lab.expires) - now.getTime()) / 1000))}`;
}

const common = (cmd: Command) =>
  cmd
    .option('--home <dir>', "labs' folder (default: datalab.home, env CI_INTEL_DATALAB_HOME)")
    .option('--config <file>', 'ci-intel.yml to read (default ./ci-intel.yml when present)');

export function datalabCommands(program: Command, ctx: CliContext): void {
  const datalab = examples(
    program.command('datalab').description('Throwaway PostgreSQL databases for tests and previews, on the machine’s own PostgreSQL (no Docker)'),
    'ci-intel datalab up --ttl 30m',
    'export DATABASE_URL=$(ci-intel datalab up --schema db/schema.sql --seed 1)',
  );
  const up = common(
    datalab
      .command('up')
      .description('Create a fresh database and print its connection URL (stdout); details on stderr')
      .option('--engine <engine>', 'auto (postgres when its binaries are found, else pglite), postgres or pglite (default: datalab.engine, auto)')
      .option('--name <name>', 'lab name (default: lab-<random>)')
      .option('--ttl <duration>', 'take the lab down after this long, e.g. 30m, 2h; 0 for never (default: datalab.ttl, 1h)')
      .option('--from <snapshot>', 'restore this snapshot (datalab snapshot) into the new lab')
      .option('--data-dir <dir>', 'data folder whose blob store holds the snapshots (default ./.ci-intel)')
      .option('--template <database>', 'clone this database of the labs’ server (e.g. another lab’s database)')
      .option('--schema <file.sql>', 'load this schema and fill its tables with generated rows that satisfy its constraints')
      .option('--seed <n>', 'seed of the generated rows: the same seed gives the same rows (default 1)')
      .option('--rows <table=n>', 'rows of a table (repeatable), or N for every table (default 10)', collect)
      .option('--hook <file>', 'after the rows: run this seed.sql, or call the default export of this seed.js with (client, { seed })')
      .option('--json', 'print the lab as one JSON object'),
  );
  examples(
    up.action(async (opts: Record<string, unknown>) => {
      const home = labHome(ctx, opts);
      const cfg = datalabConfig(ctx.config({ config: opts.config }));
      const engine = chooseEngine(String(opts.engine ?? cfg.engine), home, opts);
      const ttlMs = parseDuration(String(opts.ttl ?? cfg.ttl), opts.ttl ? '--ttl' : 'datalab.ttl', { allowNone: true });
      const t0 = performance.now();
      let prepare: ((s: ServerState) => Promise<LabSource>) | undefined;
      if (opts.template) {
        const template = String(opts.template);
        prepare = async () => ({ kind: 'template', template, detail: template });
      }
      const seed = opts.schema ? seedInput(opts) : undefined;
      if (seed) prepare = seededSource(seed);
      if (opts.from) prepare = snapshotPreparer(home, await blobOf(ctx, opts), String(opts.from));
      const fill = seed ? seededFill(seed) : undefined;
      const lab = await labUp(home, { name: opts.name as string | undefined, ttlMs, prepare, engine, fill });
      const secs = (performance.now() - t0) / 1000;
      if (opts.json) ctx.out(`${JSON.stringify({ ...lab, seconds: Number(secs.toFixed(3)) })}\n`);
      else {
        ctx.out(`${lab.url}\n`);
        ctx.err(`lab ${lab.name} up in ${secs.toFixed(2)} s (${describeSource(lab.source)}), expires ${expiresIn(lab, ctx.now())}\n`);
      }
    }),
    'ci-intel datalab up',
    'ci-intel datalab up --name checkout-tests --ttl 30m --json',
    'ci-intel datalab up --schema db/schema.sql --seed 42 --rows orders=5000',
    'export DATABASE_URL=$(ci-intel datalab up --from nightly)',
  );
  examples(
    common(
      datalab
        .command('down')
        .description('Drop labs; the shared server stops and its folder is removed when the last lab goes')
        .argument('[names...]', 'labs to take down')
        .option('--all', 'take every lab down'),
    ).action(async (names: string[], opts: Record<string, unknown>) => {
      if (!names.length && !opts.all) {
        const { CiError } = await import('../../core/errors.js');
        throw new CiError('E_USAGE', 'name the labs to take down, or pass --all', { where: 'datalab down', hint: 'ci-intel datalab ls lists them' });
      }
      const gone = await labDown(labHome(ctx, opts), names, Boolean(opts.all));
      ctx.err(gone.length ? `took down ${gone.join(', ')}\n` : 'no lab was up\n');
    }),
    'ci-intel datalab down checkout-tests',
    'ci-intel datalab down --all',
  );
  examples(
    common(datalab.command('ls').description('List the labs that are up, by name').option('--json', 'one JSON object per lab')).action(
      (opts: Record<string, unknown>) => {
        const home = labHome(ctx, opts);
        const labs = listLabs(home.dir);
        if (opts.json) {
          for (const l of labs) ctx.out(`${JSON.stringify(l)}\n`);
          return;
        }
        if (!labs.length) {
          ctx.err('no lab is up\n');
          return;
        }
        for (const l of labs) ctx.out(`${l.name}  ${l.url}  expires ${expiresIn(l, ctx.now())}  ${describeSource(l.source)}\n`);
      },
    ),
    'ci-intel datalab ls',
    'ci-intel datalab ls --json',
  );
  examples(
    common(
      datalab
        .command('snapshot')
        .description('Save a lab’s database (pg_dump custom format) in the blob store under its SHA-256, as NAME')
        .argument('<lab>', 'the lab to save')
        .argument('<name>', 'the snapshot’s name (a later snapshot of the same name replaces it)')
        .option('--data-dir <dir>', 'data folder of the blob store (default ./.ci-intel)')
        .option('--json', 'print the snapshot as one JSON object'),
    ).action(async (lab: string, name: string, opts: Record<string, unknown>) => {
      const snap = await takeSnapshot(labHome(ctx, opts), await blobOf(ctx, opts), lab, name);
      if (opts.json) ctx.out(`${JSON.stringify(snap)}\n`);
      else ctx.out(`${snap.name}  sha256:${snap.sha256}  ${snap.size} bytes  ${snap.key}\n`);
    }),
    'ci-intel datalab snapshot checkout-tests nightly',
    'ci-intel datalab up --from nightly',
  );
  examples(
    datalab
      .command('snapshots')
      .description('List the saved snapshots, by name')
      .option('--data-dir <dir>', 'data folder of the blob store (default ./.ci-intel)')
      .option('--config <file>', 'ci-intel.yml to read (default ./ci-intel.yml when present)')
      .option('--json', 'one JSON object per snapshot')
      .action(async (opts: Record<string, unknown>) => {
        for (const s of await listSnapshots(await blobOf(ctx, opts)))
          ctx.out(opts.json ? `${JSON.stringify(s)}\n` : `${s.name}  sha256:${s.sha256}  ${s.size} bytes  from lab ${s.lab}  ${s.created}\n`);
      }),
    'ci-intel datalab snapshots',
  );
  examples(
    common(datalab.command('reap').description('Take down the labs past their TTL now (the reaper started by `up` does this on its own)')).action(
      async (opts: Record<string, unknown>) => {
        const gone = await reap(labHome(ctx, opts));
        ctx.err(gone.length ? `took down ${gone.join(', ')} (past their TTL)\n` : 'no lab is past its TTL\n');
      },
    ),
    'ci-intel datalab reap',
  );
}

async function blobOf(ctx: CliContext, opts: Record<string, unknown>) {
  const cfg = ctx.config({ config: opts.config, dataDir: opts.dataDir });
  return createBlobStore(cfg.blob, cfg.dataDir);
}

/** `--schema`, `--seed`, `--rows`, `--hook`. */
function seedInput(opts: Record<string, unknown>): SeedInput {
  const seed = numberOption('--seed', opts.seed ?? 1, { integer: true, min: 0, max: 2 ** 31 - 1 })!;
  return {
    schemaFile: String(opts.schema),
    plan: { seed, ...parseRows((opts.rows as string[] | undefined) ?? []) },
    hookFile: opts.hook as string | undefined,
  };
}

export function describeSource(s: LabSource): string {
  switch (s.kind) {
    case 'empty':
      return 'empty';
    case 'template':
      return `copy of ${s.detail ?? s.template}`;
    case 'seed':
      return `seeded: ${s.detail ?? ''}`;
    case 'snapshot':
      return `from snapshot ${s.detail ?? ''}`;
  }
}
