// `ci-intel traces export --since` through the assembled CLI on a PGlite store: a backfill sends
// each run once, a second one sends nothing, --force sends again, and a collector that stays down
// is an error naming it, the runs left queued.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pillars, runCli } from '../../../test/support/assembled.js';
import { startOtlpReceiver, spanTree, type OtlpReceiver } from '../../../test/support/otlp-receiver.js';
import { traceIdOf } from './ids.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-traces-'));
const NOW = new Date('2025-10-25T00:00:00Z');
const seed = readFileSync(new URL('../../core/contract/fixtures/seed-example.fixed.v1.2.ndjson', import.meta.url), 'utf8').split('\n')[0]!;
const record = JSON.parse(seed) as Record<string, unknown>;
let receiver: OtlpReceiver;

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, now: () => NOW, cwd: tmp }, pillars);
  return { code, out, err };
}
const data = ['--data-dir', path.join(tmp, 'data')];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const old = { ...record, run_id: '2b7c2e4a-6b54-4e3b-9f1e-4e0d9ea9b1a2', started_at: '2025-09-01T12:00:00Z', ended_at: '2025-09-01T12:04:10Z' };
  writeFileSync(path.join(tmp, 'runs.ndjson'), `${seed}\n${JSON.stringify(old)}\n`);
  const r = await cli(['ingest', path.join(tmp, 'runs.ndjson'), ...data]);
  expect(r.code, r.err).toBe(0);
});
afterAll(async () => {
  await receiver?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('ci-intel traces export', () => {
  it('backfills the runs of the period once; again sends nothing; --force sends again', async () => {
    const first = await cli(['traces', 'export', '--since', '7d', '--endpoint', receiver.url, '--json', ...data]);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    // Only the run of the last 7 days: the one of September is older.
    expect(JSON.parse(first.out)).toEqual({ matched: 1, sent: 1, spans: 7, changes: 0, unchanged: 0, unfinished: 0 });
    expect(spanTree(receiver.spans, traceIdOf(String(record.run_id)))).toEqual([
      { 'RUN default': [{ build: ['queue'] }, 'deploy staging', { pytest: ['queue'] }, 'tests'] },
    ]);
    const again = await cli(['traces', 'export', '--since', '7d', '--endpoint', receiver.url, '--json', ...data]);
    expect(JSON.parse(again.out)).toEqual({ matched: 1, sent: 0, spans: 0, changes: 0, unchanged: 1, unfinished: 0 });
    expect(receiver.requests).toBe(1);
    const forced = await cli(['traces', 'export', '--since', '2025-08-01', '--endpoint', receiver.url, '--protocol', 'http/json', '--force', ...data]);
    expect(forced.code).toBe(0);
    expect(forced.out).toBe('2 runs since 2025-08-01T00:00:00.000Z: 2 sent (14 spans), 0 unchanged, 0 not finished\n');
    expect(receiver.spans.filter((s) => s.encoding === 'json')).toHaveLength(14);
  });

  it('fails with the collector named when it stays down, and keeps the runs queued for the next try', async () => {
    await receiver.stop();
    try {
      const r = await cli(['traces', 'export', '--since', '2025-08-01', '--endpoint', receiver.url, '--force', '--retries', '1', ...data]);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`the collector at ${receiver.url} failed 2 times in a row`);
      expect(r.err).toContain('2 runs stay queued: run this again later');
    } finally {
      await receiver.start();
    }
    const before = receiver.spans.length;
    const r = await cli(['traces', 'export', '--since', '2025-08-01', '--endpoint', receiver.url, '--json', ...data]);
    expect(JSON.parse(r.out)).toMatchObject({ sent: 0, unchanged: 2 });
    expect(receiver.spans.length).toBe(before);
  });

  it('says what to do without a collector, and rejects a bad protocol', async () => {
    const none = await cli(['traces', 'export', ...data]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('no collector to send to: pass --endpoint URL or set traces.endpoint in ci-intel.yml');
    const bad = await cli(['traces', 'export', '--endpoint', receiver.url, '--protocol', 'grpc', ...data]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--protocol grpc is not one of http/protobuf, http/json');
  });
});
