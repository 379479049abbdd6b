// The DB test harness: `describeEachStore` runs one suite on PGlite AND on a real PostgreSQL (one
// fresh database per suite), the way kysely's own tests loop over dialects.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { defaultConfig, type Config } from '../../src/core/config.js';
import type { Pillar } from '../../src/core/registry.js';
import { openHub, type Hub } from '../../src/server/hub.js';

export type StoreKind = 'pglite' | 'postgres';
export const STORE_KINDS: StoreKind[] = ['pglite', 'postgres'];

/** Creates a fresh database on the test PostgreSQL server and returns its URL. */
export async function freshPostgresDb(): Promise<string> {
  const base = inject('pgUrl');
  if (!base) throw new Error(inject('pgSkipReason') ?? 'no PostgreSQL');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  await c.query(`create database ${name}`);
  await c.end();
  return base.replace(/\/[^/]*$/, `/${name}`);
}

export interface TestHubOptions {
  pillars?: Pillar[];
  config?: (c: Config) => void;
  start?: boolean;
  now?: () => Date;
}

export interface TestHub extends Hub {
  dataDir: string;
}

/** Opens a hub on a fresh store of the given kind, with its data folder in a temp dir. */
export async function openTestHub(kind: StoreKind, opts: TestHubOptions = {}): Promise<TestHub> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-test-'));
  const config = defaultConfig(dataDir);
  config.dataDir = dataDir;
  config.db = kind === 'postgres' ? await freshPostgresDb() : path.join(dataDir, 'db');
  opts.config?.(config);
  const hub = await openHub(config, { pillars: opts.pillars ?? [], start: opts.start ?? true, now: opts.now });
  const close = hub.close.bind(hub);
  return Object.assign(hub, {
    dataDir,
    async close() {
      await close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

export function pgAvailable(): boolean {
  return Boolean(inject('pgUrl'));
}

/**
 * Declares the suite once per store kind. `get()` returns the hub opened in beforeAll. On a machine
 * without PostgreSQL the postgres variant is skipped outside CI (global-setup fails in CI).
 */
export function describeEachStore(name: string, fn: (get: () => TestHub, kind: StoreKind) => void, opts: TestHubOptions = {}): void {
  for (const kind of STORE_KINDS) {
    const skip = kind === 'postgres' && !pgAvailable();
    describe.skipIf(skip)(`${name} [${kind}]`, () => {
      let hub: TestHub;
      beforeAll(async () => {
        hub = await openTestHub(kind, opts);
      });
      afterAll(async () => {
        await hub?.close();
      });
      fn(() => hub, kind);
    });
  }
}
