// The data lab for Node test suites (`import { lab } from 'ci-intel/datalab'`): each test file gets
// its own database, cloned from a template (a seeded schema, a snapshot or an existing database), on
// the machine's shared lab server — so files run in parallel, isolated, without Docker.
//
//   const db = await lab({ schema: 'db/schema.sql', seed: 1, rows: { orders: 500 } });
//   process.env.DATABASE_URL = db.url;  ...  await db.down();
import { createBlobStore } from './core/blob/index.js';
import { loadConfig } from './core/config.js';
import { CONFIG_SECTIONS } from './cli/config-sections.js';
import { datalabConfig, defaultHome } from './pillars/datalab/config.js';
import { labDown, labUp, type Lab, type LabHome, type LabSource } from './pillars/datalab/labs.js';
import { tryFindPgTools } from './pillars/datalab/pgtools.js';
import { chooseEngine } from './pillars/datalab/commands.js';
import { parseRows, seededFill, seededSource, type SeedInput } from './pillars/datalab/seed.js';
import { snapshotPreparer } from './pillars/datalab/snapshots.js';
import type { ServerState } from './pillars/datalab/server.js';

export interface LabOptions {
  /** A schema file to load and seed (rows that satisfy its constraints). */
  schema?: string;
  seed?: number;
  /** Rows per table; `'*'` sets the count for tables not named (default 10). */
  rows?: Record<string, number>;
  /** A seed.sql / seed.js run after the generated rows. */
  hook?: string;
  /** A snapshot (`ci-intel datalab snapshot`) to restore, from the data folder's blob store. */
  from?: string;
  /** Clone this database of the lab server instead. */
  template?: string;
  name?: string;
  /** Milliseconds until the reaper takes it down if `down` is never called (default 1 hour). */
  ttlMs?: number | null;
  /** The labs' folder (default: datalab.home, env CI_INTEL_DATALAB_HOME). */
  home?: string;
  /** auto (default: datalab.engine), postgres or pglite (no `from`/`template`). */
  engine?: 'auto' | 'postgres' | 'pglite';
}

export interface LabHandle extends Lab {
  down(): Promise<void>;
}

export async function lab(opts: LabOptions = {}): Promise<LabHandle> {
  const config = loadConfig({ env: process.env, sections: CONFIG_SECTIONS });
  const cfg = datalabConfig(config);
  const home: LabHome = { dir: opts.home || cfg.home || defaultHome(), tools: tryFindPgTools(process.env, cfg.pgBin || undefined), now: () => new Date() };
  const engine = chooseEngine(opts.engine ?? cfg.engine, home, { ...opts });
  let prepare: ((s: ServerState) => Promise<LabSource>) | undefined;
  if (opts.template) {
    const template = opts.template;
    prepare = async () => ({ kind: 'template', template, detail: template });
  }
  let seed: SeedInput | undefined;
  if (opts.schema) {
    const { '*': all, ...rows } = opts.rows ?? {};
    seed = { schemaFile: opts.schema, plan: { seed: opts.seed ?? 1, rows, defaultRows: all ?? parseRows([]).defaultRows }, hookFile: opts.hook };
    prepare = seededSource(seed);
  }
  if (opts.from) prepare = snapshotPreparer(home, await createBlobStore(config.blob, config.dataDir), opts.from);
  const made = await labUp(home, {
    name: opts.name,
    ttlMs: opts.ttlMs === undefined ? 3_600_000 : opts.ttlMs,
    prepare,
    engine,
    fill: seed ? seededFill(seed) : undefined,
  });
  return { ...made, down: async () => void (await labDown(home, [made.name])) };
}
