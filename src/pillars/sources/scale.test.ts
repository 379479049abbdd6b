// Sources issue item 6 at process level: real `ci-intel serve` processes (the built CLI) on one
// real PostgreSQL and one real nats-server. Two hubs share the mapping of N webhook deliveries,
// each mapped exactly once; a hub killed with SIGKILL mid-message has its messages redelivered to
// another hub and each is still mapped exactly once. Needs `npm run build` (npm test does it).
// Takes about a minute.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '@octokit/webhooks-methods';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { openStore, type Store } from '../../core/db/index.js';
import { freshPostgresDb, pgAvailable } from '../../../test/support/stores.js';
import { natsSkipReason, startNats, type RunningNats } from '../../../test/support/nats.js';
import { githubExamples } from '../../../test/support/webhooks.js';
import type { Db } from './deliveries.js';

const MAIN = path.resolve('dist/cli/main.js');
const SECRET = 'scale-test-secret';
const skip = !pgAvailable() || natsSkipReason() !== null;

interface Hub {
  proc: ChildProcess;
  url: string;
  stderr: () => string;
  dir: string;
}

async function serve(dbUrl: string, natsUrl: string): Promise<Hub> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-serve-'));
  const proc = spawn(process.execPath, [MAIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dir], {
    env: {
      ...process.env,
      DATABASE_URL: dbUrl,
      NATS_URL: natsUrl,
      GITHUB_WEBHOOK_SECRET: SECRET,
      CI_INTEL_NATS_ACK_WAIT_MS: '2000',
      CI_INTEL_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 180_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!.replace('localhost', '127.0.0.1'));
      }
    });
    proc.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
  return { proc, url, stderr: () => err, dir };
}

async function stop(h: Hub, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (h.proc.exitCode === null && h.proc.signalCode === null) {
    const exited = new Promise((r) => h.proc.once('exit', r));
    h.proc.kill(signal);
    await exited;
  }
  rmSync(h.dir, { recursive: true, force: true });
}

const template = githubExamples('workflow_job').find((e) => e.action === 'completed')!;
// Recent times: the hubs' daily retention would rightly delete runs from 2021 (over 400 days).
const recent = (ms: number) => new Date(Date.now() - ms).toISOString();
const job = { ...template.workflow_job, created_at: recent(120_000), started_at: recent(60_000), completed_at: recent(1000) };

/** N distinct workflow_job deliveries (job and run ids made unique), each signed. */
async function send(hubs: Hub[], n: number, offset: number, prefix: string): Promise<void> {
  const bodies = Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      ...template,
      repository: { ...template.repository, full_name: 'scale/app' },
      workflow_job: { ...job, id: offset + i, run_id: 1_000_000 + offset + i },
    }),
  );
  for (let i = 0; i < n; i += 20) {
    await Promise.all(
      bodies.slice(i, i + 20).map(async (body, j) => {
        const h = hubs[(i + j) % hubs.length]!;
        const res = await fetch(`${h.url}/webhooks/github`, {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'workflow_job',
            'x-github-delivery': `${prefix}${offset + i + j}`,
            'x-hub-signature-256': await sign(SECRET, body),
          },
        });
        expect(res.status).toBe(202);
      }),
    );
  }
}

async function waitMapped(db: Db, prefix: string, n: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await db
      .selectFrom('sources_deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('delivery_id', 'like', `${prefix}%`)
      .where('mapped_at', 'is not', null)
      .executeTakeFirstOrThrow();
    if (Number(r.n) >= n) return;
    if (Date.now() > deadline) throw new Error(`only ${r.n} of ${n} deliveries mapped after ${ms} ms`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

describe.skipIf(skip)('two `ci-intel serve` processes on one PostgreSQL and one nats-server', () => {
  let nats: RunningNats;
  let store: Store;
  let db: Db;
  let dbUrl: string;
  const hubs: Hub[] = [];
  beforeAll(async () => {
    nats = await startNats();
    dbUrl = await freshPostgresDb();
    store = await openStore(dbUrl);
    db = store.db as unknown as Db;
  });
  afterEach(async () => {
    for (const h of hubs.splice(0)) await stop(h, 'SIGKILL');
  });
  afterAll(async () => {
    await store?.close();
    await nats?.stop();
  });

  const mapping = async (prefix: string, first: number, n: number) =>
    db
      .selectFrom('sources_deliveries')
      .select(['delivery_id', 'map_count', 'mapped_by'])
      .where(
        'delivery_id',
        'in',
        Array.from({ length: n }, (_, i) => `${prefix}${first + i}`),
      )
      .execute();

  it('share the work: N deliveries mapped exactly N times between them', async () => {
    hubs.push(await serve(dbUrl, nats.url), await serve(dbUrl, nats.url));
    const N = 300;
    await send(hubs, N, 0, 'share-');
    await waitMapped(db, 'share-', N, 240_000);
    const rows = await mapping('share-', 0, N);
    expect(rows).toHaveLength(N);
    expect(rows.every((r) => r.map_count === 1)).toBe(true);
    const pids = hubs.map((h) => String(h.proc.pid));
    const byHub = pids.map((pid) => rows.filter((r) => r.mapped_by?.endsWith(`:${pid}`)).length);
    expect(byHub.reduce((a, b) => a + b, 0)).toBe(N);
    expect(Math.min(...byHub)).toBeGreaterThan(0); // both hubs mapped some
    const jobs = await db
      .selectFrom('jobs')
      .select('job_key')
      .where(
        'job_key',
        'in',
        Array.from({ length: N }, (_, i) => `gh:${i}`),
      )
      .execute();
    expect(jobs).toHaveLength(N);
  }, 420_000);

  it('a hub killed with SIGKILL mid-message: its messages are redelivered to the other hub and mapped once', async () => {
    const a = await serve(dbUrl, nats.url);
    hubs.push(a);
    const N = 300;
    const first = 10_000;
    await send([a], N, first, 'kill-'); // all acknowledged by A: durable in PostgreSQL
    // Kill A while it holds delivered, unacknowledged messages (inside or queued for its handler).
    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    let pendingAtKill = 0;
    for (let i = 0; i < 2000 && pendingAtKill === 0; i++) {
      const info = await jsm.consumers.info('CI_INTEL', 'sources_webhooks');
      if (info.num_ack_pending > 0) pendingAtKill = info.num_ack_pending;
      else await new Promise((r) => setTimeout(r, 5));
    }
    a.proc.kill('SIGKILL');
    await new Promise((r) => a.proc.once('exit', r));
    expect(pendingAtKill).toBeGreaterThan(0);
    const mappedBeforeB = (await mapping('kill-', first, N)).filter((r) => r.map_count > 0).length;
    expect(mappedBeforeB).toBeLessThan(N);

    const b = await serve(dbUrl, nats.url);
    hubs.push(b);
    await waitMapped(db, 'kill-', N, 240_000);
    const rows = await mapping('kill-', first, N);
    expect(rows).toHaveLength(N);
    expect(rows.filter((r) => r.map_count !== 1)).toEqual([]);
    const redelivered = b
      .stderr()
      .split('\n')
      .filter((l) => l.includes('"msg":"redelivered event"'));
    expect(redelivered.length).toBeGreaterThan(0);
    const done = await db.selectFrom('outbox_done').select('event_id').where('consumer', '=', 'sources.webhooks').execute();
    const events = await db.selectFrom('outbox').select('event_id').where('type', '=', 'webhook.received').execute();
    expect(done.length).toBe(events.length);
    await nc.close();
  }, 420_000);
});
