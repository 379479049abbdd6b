// The compat view and the seed's contract tests on a real store (PGlite and PostgreSQL): v1.1 and
// v1.2 runs read alike through pipeline_runs_all, and each contract test catches a violation
// planted in the store, through the ingest answer where ingest can produce it.
import { expect, it } from 'vitest';
import { sql } from '../../core/db/index.js';
import { SCHEMA_V11, type PipelineRun } from '../../core/contract/index.js';
import { synthesize } from '../../core/synth/generate.js';
import { describeEachStore } from '../../../test/support/stores.js';
import { ingestingApp } from '../../../test/support/hub-app.js';
import { dataQualityPillar } from './index.js';
import { contractTests } from './contract-tests.js';
import { dqdb } from './tables.js';

const END = new Date('2026-06-01T00:00:00Z');
const base = synthesize({ repos: 1, days: 1, runsPerDay: 4, seed: 7, end: END }).records[0]!;
const UUID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const SEVERITIES = { uniqueRunId: 'fail', acceptedStatus: 'fail', releaseEvidence: 'fail' } as const;

/** A run as a v1.2 producer writes it (policies and a flakiness index at the top level). */
const v12 = (n: number, over: Partial<PipelineRun> = {}): PipelineRun => ({
  ...base,
  run_id: UUID(n),
  flakiness_index: 0.25,
  policies: [{ id: 'two_person_prod', result: 'allow', reason: 'two approvers' }],
  ...over,
});
/** The same run as a v1.1 producer writes it: flakiness_index under tests.resilience. */
function v11(n: number, over: Partial<PipelineRun> = {}): Record<string, unknown> {
  const { flakiness_index, ...rest } = v12(n, over);
  return { ...rest, schema: SCHEMA_V11, tests: { ...rest.tests, resilience: { ...rest.tests.resilience, flakiness_index } } };
}

describeEachStore(
  'compat view and contract tests',
  (get) => {
    const t = ingestingApp(get, [dataQualityPillar]);
    const post = async (lines: unknown[]) => {
      const res = await t.post(lines);
      expect(res.statusCode).toBe(200);
      return res.json();
    };
    const viewRow = async (id: string) => (await sql<Record<string, unknown>>`select * from pipeline_runs_all where run_id = ${id}`.execute(t.hub.db)).rows;

    it('returns a v1.1 run and a v1.2 run of the same content alike', async () => {
      const answer = await post([v12(1, { environment: 'dev' }), v11(2, { environment: 'dev' })]);
      expect(answer).toMatchObject({ accepted: 2, rejected: [], schemas: { 'pipeline_run.v1.1': 1, 'pipeline_run.v1.2': 1 } });
      const [a] = await viewRow(UUID(1));
      const [b] = await viewRow(UUID(2));
      expect(a).toMatchObject({
        contract_version: '1.2',
        flakiness_index: 0.25,
        policies: [{ id: 'two_person_prod', result: 'allow', reason: 'two approvers' }],
      });
      expect(b).toMatchObject({ contract_version: '1.1', flakiness_index: 0.25 });
      const alike = (r: Record<string, unknown>) => {
        const { run_id: _i, contract_version: _v, ingested_at: _a, updated_at: _u, ...rest } = r;
        return rest;
      };
      expect(alike(b!)).toEqual(alike(a!));
    });

    it('runs the contract tests after the load and stores their outcome', async () => {
      const answer = await post([v12(3, { environment: 'dev' })]);
      expect(answer.data_quality).toEqual({ status: 'pass', checked: 3, breaches: [] });
      const stored = await dqdb(t.hub)
        .selectFrom('dq_check_results')
        .select(['check_name', 'passed', 'value'])
        .where('load_id', '=', answer.load_id)
        .orderBy('check_name')
        .execute();
      expect(stored).toEqual([
        { check_name: 'accepted_status', passed: true, value: 0 },
        { check_name: 'release_evidence_present', passed: true, value: 0 },
        { check_name: 'unique_run_id', passed: true, value: 0 },
      ]);
    });

    it('release evidence: a successful prod run without release_evidence_uri fails the load in its answer', async () => {
      const { release_evidence_uri: _r, ...noEvidence } = v12(4, { environment: 'prod', status: 'success' });
      const answer = await post([noEvidence, v12(5, { environment: 'prod', status: 'success', release_evidence_uri: 'https://evidence.example/5.json' })]);
      expect(answer.accepted).toBe(2); // stored whatever the checks say
      expect(answer.data_quality.status).toBe('fail');
      expect(answer.data_quality.breaches).toEqual([
        {
          check: 'release_evidence_present',
          target: 'pipeline_runs_all',
          severity: 'fail',
          passed: false,
          value: 1,
          threshold: 0,
          message: `1 successful staging/prod run(s) without release_evidence_uri: ${UUID(4)}; send the release evidence bundle's URI in the record`,
        },
      ]);
    });

    it('accepted status: a status outside the accepted values, planted in the store, is caught', async () => {
      await post([v12(6, { environment: 'dev' })]);
      await sql`update runs set status = 'succeeded' where run_id = ${UUID(6)}`.execute(t.hub.db);
      const checks = await contractTests(dqdb(t.hub), SEVERITIES, [UUID(6)]);
      expect(checks.find((c) => c.check === 'accepted_status')).toMatchObject({ passed: false, value: 1, severity: 'fail' });
      expect(checks.find((c) => c.check === 'accepted_status')!.message).toContain(UUID(6));
      // The whole store: the one planted row, nothing else.
      expect((await contractTests(dqdb(t.hub), SEVERITIES, null)).find((c) => c.check === 'accepted_status')!.value).toBe(1);
    });

    it('unique run_id: a duplicate planted past the lost primary key is caught (last: it drops the key)', async () => {
      await post([v12(7, { environment: 'dev' })]);
      expect((await contractTests(dqdb(t.hub), SEVERITIES, [UUID(7)])).find((c) => c.check === 'unique_run_id')).toMatchObject({ passed: true, value: 0 });
      // A store whose key on runs was lost (a restore without constraints, a hand-made load): the
      // view then fans out, which is what the seed's unique(run_id) test exists to catch.
      await sql`alter table runs drop constraint runs_pkey cascade`.execute(t.hub.db);
      await sql`insert into runs select * from runs where run_id = ${UUID(7)}`.execute(t.hub.db);
      const unique = (await contractTests(dqdb(t.hub), SEVERITIES, [UUID(7)])).find((c) => c.check === 'unique_run_id')!;
      expect(unique).toMatchObject({ passed: false, value: 1, severity: 'fail' });
      expect(unique.message).toContain(UUID(7));
    });
  },
  { pillars: [dataQualityPillar], config: (c) => void (c.pillars = { ...c.pillars, dataQuality: { contractTests: SEVERITIES, gates: [] } }) },
);
