// Records carrying a deprecated schema version are stored, warned in the ingest answer (one
// warning per version, with the first lines) and counted by version on /metrics.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../app.js';
import { createToken } from '../../core/tokens.js';
import { synthesize } from '../../core/synth/generate.js';
import { SCHEMA_V11, type PipelineRun } from '../../core/contract/index.js';
import { describeEachStore, type TestHub } from '../../../test/support/stores.js';

const records = synthesize({ repos: 1, days: 1, runsPerDay: 6, seed: 25, end: new Date('2026-06-01T00:00:00Z') }).records;
/** The same run as a v1.1 producer writes it: flakiness_index under tests.resilience. */
function asV11(r: PipelineRun): Record<string, unknown> {
  const { flakiness_index, ...rest } = r;
  return { ...rest, schema: SCHEMA_V11, tests: { ...r.tests, resilience: { ...r.tests.resilience, flakiness_index: flakiness_index ?? 0 } } };
}

describeEachStore('deprecated schema versions on ingest', (get) => {
  let app: FastifyInstance;
  let hub: TestHub;
  let token: string;
  beforeAll(async () => {
    hub = get();
    app = await createApp(hub, []);
    token = (await createToken(hub.db, { repoPatterns: ['**'], scopes: ['ingest', 'read'], expiresAt: null })).token;
  });
  afterAll(async () => app?.close());

  const post = (lines: unknown[]) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/runs',
      payload: lines.map((l) => JSON.stringify(l)).join('\n') + '\n',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${token}` },
    });

  it('stores v1.1 records, warns once per version with the first lines, and counts them by version on /metrics', async () => {
    const body = [records[0], asV11(records[1]!), records[2], asV11(records[3]!), asV11(records[4]!)];
    const res = await post(body);
    expect(res.statusCode).toBe(200);
    const answer = res.json();
    expect(answer).toMatchObject({ accepted: 5, rejected: [], schemas: { 'pipeline_run.v1.1': 3, 'pipeline_run.v1.2': 2 } });
    expect(answer.warnings).toEqual([
      {
        code: 'W_SCHEMA_DEPRECATED',
        schema: 'pipeline_run.v1.1',
        records: 3,
        lines: [2, 4, 5],
        deprecated_after: '2027-06-30',
        message: '3 record(s) use pipeline_run.v1.1, deprecated: accepted until 2027-06-30, refused after; send pipeline_run.v1.2',
      },
    ]);
    const stored = await hub.db.selectFrom('runs').select(['schema_version']).where('run_id', '=', records[1]!.run_id.toLowerCase()).executeTakeFirstOrThrow();
    expect(stored.schema_version).toBe('pipeline_run.v1.1');

    // A load of current records only: no warning.
    expect((await post([records[5]])).json().warnings).toEqual([]);

    const metrics = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
    expect(metrics.body).toContain('ci_intel_ingest_records_total{schema="pipeline_run.v1.1",deprecated="true"} 3');
    expect(metrics.body).toContain('ci_intel_ingest_records_total{schema="pipeline_run.v1.2",deprecated="false"} 3');
  });
});
