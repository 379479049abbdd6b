// A hub killed with SIGKILL in the middle of a large ingest loses nothing it acknowledged
// (spine issue "Tests"; DESIGN.md "Durable before acknowledged").
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthesize } from '../src/core/synth/generate.js';
import { openStore } from '../src/core/db/index.js';
import { runCli, serve } from './support/cli.js';
import { freshPostgresDb, pgAvailable, type StoreKind } from './support/stores.js';

const records = synthesize({ repos: 8, days: 6, runsPerDay: 40, seed: 99, end: new Date('2026-05-01T00:00:00Z') }).records;

for (const kind of ['pglite', 'postgres'] as StoreKind[]) {
  describe.skipIf(kind === 'postgres' && !pgAvailable())(`crash during ingest [${kind}]`, () => {
    it('keeps every acknowledged run after kill -9, and the hub restarts on the same store', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-crash-'));
      const db = kind === 'postgres' ? await freshPostgresDb() : path.join(dir, 'db');
      const common = ['--db', db, '--data-dir', dir];
      try {
        const tok = await runCli(['token', 'create', '--repo', '**', '--scope', 'ingest,read', ...common]);
        expect(tok.code).toBe(0);
        const token = tok.stdout.trim();
        const hub = await serve(common);
        const acknowledged = new Set<string>();
        const batches: string[][] = [];
        for (let i = 0; i < records.length; i += 150) batches.push(records.slice(i, i + 150).map((r) => JSON.stringify(r)));
        let sent = 0;
        // Two clients post batches in parallel; the hub is killed while requests are in flight.
        const client = async (lane: number) => {
          for (let b = lane; b < batches.length; b += 2) {
            sent++;
            try {
              const res = await fetch(`${hub.url}/api/v1/runs`, {
                method: 'POST',
                headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
                body: batches[b]!.join('\n') + '\n',
              });
              if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
              const body = (await res.json()) as { accepted: number };
              expect(body.accepted).toBe(batches[b]!.length);
              for (const line of batches[b]!) acknowledged.add(JSON.parse(line).run_id);
            } catch {
              return; // the hub died under this request: it was never acknowledged
            }
          }
        };
        const killer = (async () => {
          while (acknowledged.size < 1500) await new Promise((r) => setTimeout(r, 5));
          hub.child.kill('SIGKILL');
        })();
        await Promise.all([client(0), client(1), killer]);
        expect(hub.child.signalCode ?? (await new Promise((r) => hub.child.once('exit', (_c, s) => r(s))))).toBe('SIGKILL');
        expect(acknowledged.size).toBeGreaterThanOrEqual(1500);
        expect(acknowledged.size).toBeLessThan(records.length); // it really died mid-ingest
        expect(sent).toBeGreaterThan(acknowledged.size / 150);

        // The store (PGlite: a stale lock of the dead process is taken over) has every acknowledged run.
        const store = await openStore(db);
        try {
          const ids = [...acknowledged];
          let found = 0;
          for (let i = 0; i < ids.length; i += 1000) {
            const rows = await store.db
              .selectFrom('runs')
              .select(['run_id', 'record_key'])
              .where('run_id', 'in', ids.slice(i, i + 1000))
              .execute();
            found += rows.filter((r) => r.record_key).length;
          }
          expect(found).toBe(acknowledged.size);
        } finally {
          await store.close();
        }
        // And the built CLI reads the record as sent back through a restarted hub.
        const again = await serve(common);
        try {
          const one = [...acknowledged][0]!;
          const res = await fetch(`${again.url}/api/v1/runs/${one}`, { headers: { authorization: `Bearer ${token}` } });
          expect(res.status).toBe(200);
          expect(((await res.json()) as { record: { run_id: string } }).record.run_id).toBe(one);
        } finally {
          await again.stop();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 600_000);
  });
}
