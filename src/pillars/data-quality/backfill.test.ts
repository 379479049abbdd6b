// `ci-intel data backfill` on a real store (PGlite folder and PostgreSQL), through the assembled
// CLI: historical runs get the default policies[] and security object once; a second run fills
// nothing and leaves every row as it was; runs with their own policies and evidence keep them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore, sql } from '../../core/db/index.js';
import { SCHEMA_V11, type PipelineRun } from '../../core/contract/index.js';
import { synthesize } from '../../core/synth/generate.js';
import { capturingCli } from '../../../test/support/hub-app.js';
import { freshPostgresDb, STORE_KINDS } from '../../../test/support/stores.js';
import { DEFAULT_POLICIES, DEFAULT_SECURITY } from './backfill.js';

const NOW = new Date('2026-06-02T00:00:00Z');
const base = synthesize({ repos: 1, days: 1, runsPerDay: 2, seed: 9, end: new Date('2026-06-01T00:00:00Z') }).records[0]!;
const UUID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function bare(n: number): PipelineRun {
  const { policies: _p, image_digest: _i, sbom_uri: _s, provenance_uri: _v, signature_uri: _g, release_evidence_uri: _r, ...rest } = base;
  return { ...rest, run_id: UUID(n) } as PipelineRun;
}
/** A v1.1 record of before policies and evidence were sent. */
const historical = (n: number) => ({ ...bare(n), schema: SCHEMA_V11 });
/** A v1.2 record carrying its own policies and evidence. */
const current = (n: number): PipelineRun => ({
  ...bare(n),
  policies: [{ id: 'pinned_actions', result: 'allow' }],
  sbom_uri: 'https://evidence.example/sbom.json',
  provenance_uri: 'https://evidence.example/prov.intoto',
  signature_uri: 'https://evidence.example/sig',
});

describe('ci-intel data backfill', () => {
  for (const kind of STORE_KINDS) {
    it(`fills historical runs once and changes nothing when run again [${kind}]`, async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-backfill-'));
      try {
        const db = kind === 'postgres' ? await freshPostgresDb() : path.join(dir, 'db');
        const store = ['--db', db, '--data-dir', dir];
        const cli = capturingCli({ now: () => NOW, cwd: dir });
        writeFileSync(path.join(dir, 'runs.ndjson'), [historical(1), historical(2), current(3)].map((r) => JSON.stringify(r)).join('\n') + '\n');
        const ingested = await cli(['ingest', path.join(dir, 'runs.ndjson'), ...store]);
        expect(ingested.out).toBe('ingested 3 replaced 0 rejected 0\n');
        expect(ingested.err).toContain('2 record(s) use pipeline_run.v1.1, deprecated');

        const rows = async () => {
          const s = await openStore(db);
          try {
            const defaults = (await sql`select run_id::text, policies, security, backfilled_at from dq_run_defaults order by run_id`.execute(s.db)).rows;
            const view = (await sql`select run_id::text, policies, security, backfilled from pipeline_runs_all order by run_id`.execute(s.db)).rows;
            return { defaults, view };
          } finally {
            await s.close();
          }
        };
        const before = await rows();
        expect(before.defaults).toEqual([]);
        expect(before.view[0]).toMatchObject({ run_id: UUID(1), policies: null, security: null, backfilled: false });

        const first = await cli(['data', 'backfill', '--json', ...store]);
        expect(first).toMatchObject({ code: 0, out: '{"candidates":2,"filled":2}\n' });
        const once = await rows();
        expect(once.view).toEqual([
          { run_id: UUID(1), policies: DEFAULT_POLICIES, security: DEFAULT_SECURITY, backfilled: true },
          { run_id: UUID(2), policies: DEFAULT_POLICIES, security: DEFAULT_SECURITY, backfilled: true },
          { run_id: UUID(3), policies: [{ id: 'pinned_actions', result: 'allow' }], security: { attested: true, evidence: 'recorded' }, backfilled: false },
        ]);

        const second = await cli(['data', 'backfill', ...store]);
        expect(second).toMatchObject({ code: 0, out: 'historical runs 2 filled 0 already filled 2\n' });
        expect(await rows()).toEqual(once);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
