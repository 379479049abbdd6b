// The hub through a PostgreSQL restart: it answers 503 while the store is away, keeps running,
// comes back by itself, and loses nothing it acknowledged. A real server, really stopped.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesize } from '../src/core/synth/generate.js';
import { runCli, serve, type Served } from './support/cli.js';
import { startPostgres, type RunningPostgres } from './support/postgres.js';

const records = synthesize({ repos: 2, days: 2, runsPerDay: 10, seed: 21, end: new Date('2026-06-01T00:00:00Z') }).records;
const ndjson = (rs: unknown[]) => rs.map((r) => JSON.stringify(r)).join('\n') + '\n';

let pg: RunningPostgres | null = null;
let hub: Served | null = null;
const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-outage-'));
let token = '';

beforeAll(async () => {
  try {
    pg = await startPostgres();
  } catch (e) {
    if (process.env.CI === 'true') throw e;
  }
  if (!pg) return;
  const env = { DATABASE_URL: pg.url };
  const t = await runCli(['token', 'create', '--repo', '**', '--scope', 'read,ingest', '--data-dir', dir], { env });
  token =
    t.stdout
      .trim()
      .split('\n')
      .find((l) => l.startsWith('cit_')) ?? /cit_\w+/.exec(t.stdout)![0]!;
  hub = await serve(['--data-dir', dir], { env });
}, 180_000);

afterAll(async () => {
  await hub?.stop();
  pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('PostgreSQL restart', () => {
  const call = (method: string, p: string, body?: string) =>
    fetch(`${hub!.url}${p}`, { method, body, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' } });

  it('answers 503 while the store is away, recovers alone and keeps every acknowledged run', async (t) => {
    if (!pg) t.skip(); // outside CI without PostgreSQL (apt-get install -y postgresql)
    const first = await call('POST', '/api/v1/runs', ndjson(records.slice(0, 20)));
    expect(first.status).toBe(200);
    pg!.halt();
    try {
      // Long enough for the background work (metrics refresh, the bus, retention) to hit the outage.
      const during: number[] = [];
      for (let i = 0; i < 6; i++) {
        during.push((await call('GET', '/api/v1/runs')).status);
        const ingest = await call('POST', '/api/v1/runs', ndjson(records.slice(20, 25)));
        during.push(ingest.status);
        if (ingest.status === 503) {
          const body = (await ingest.json()) as { error: { code: string } };
          expect(body.error.code).toBe('E_DB_UNAVAILABLE');
          expect(ingest.headers.get('retry-after')).toBe('5');
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
      expect(new Set(during)).toEqual(new Set([503]));
      expect((await fetch(`${hub!.url}/readyz`)).status).toBe(503);
      expect(hub!.child.exitCode).toBeNull();
    } finally {
      pg!.resume();
    }
    let status = 0;
    for (let i = 0; i < 60 && status !== 200; i++) {
      status = (await call('GET', '/api/v1/runs?limit=1')).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 500));
    }
    expect(status).toBe(200);
    expect((await call('POST', '/api/v1/runs', ndjson(records.slice(20, 40)))).status).toBe(200);
    const list = (await (await call('GET', '/api/v1/runs?limit=1000')).json()) as { items: Array<{ run_id: string }> };
    const ids = new Set(list.items.map((r) => r.run_id));
    for (const r of records.slice(0, 40)) expect(ids.has(r.run_id)).toBe(true);
    expect(hub!.child.exitCode).toBeNull();
    expect(hub!.stderr()).not.toMatch(/unhandled rejection/);
  }, 180_000);
});
