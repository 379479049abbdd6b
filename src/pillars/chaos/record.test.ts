// Chaos trials recorded and reported, on PGlite and PostgreSQL, with a real hub on loopback: a real
// trial (`chaos run --record --hub`, a shell killed by kill_job then recovered) and the same trial
// in its run's record (`chaos[]`, ingested as NDJSON) are one row; the report and the gate read it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pillars, runCli } from '../../../test/support/assembled.js';
import { listeningHub, type ListeningHub } from '../../../test/support/hub-app.js';
import { describeEachStore, type TestHub } from '../../../test/support/stores.js';
import { chaosPillar } from './index.js';
import type { ResilienceReport } from './report.js';
import type { TrialResult } from './runner.js';
import type { ChaosTables } from './tables.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-chaos-record-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const COMMIT = 'abc1234def'.padEnd(40, '0');
const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../core/contract/fixtures/seed-example.fixed.v1.2.ndjson');

async function cli(args: string[], now: Date) {
  let out = '';
  let err = '';
  const code = await runCli(
    args,
    { out: (s) => (out += s), err: (s) => (err += s), env: { PATH: process.env.PATH, TMPDIR: tmp }, isTTY: false, now: () => now, cwd: tmp },
    pillars,
  );
  return { code, out, err };
}

describeEachStore(
  'chaos trials recorded',
  (getHub, kind) => {
    let hub: TestHub;
    let h: ListeningHub<'agent' | 'reader'>;
    beforeAll(async () => {
      hub = getHub();
      h = await listeningHub(hub, { agent: { repos: ['acme/*'], scopes: ['ingest', 'read'] }, reader: { repos: ['acme/*'], scopes: ['read'] } });
    });
    afterAll(async () => h?.app.close());

    it('the agent’s trial and the run record’s chaos item are one row; the report and the gate read it', async () => {
      const now = new Date();
      // Attempt 1 leaves a marker and hangs until kill_job kills it; attempt 2 sees the marker and succeeds.
      const marker = path.join(tmp, `${kind}.marker`);
      const hubFlags = ['--record', '--hub', h.url, '--token', h.tokens.agent, '--repo', 'Acme/App', '--commit', COMMIT];
      const r = await cli(
        [
          'chaos',
          'run',
          '--fault',
          'kill_job:after=100ms..300ms,times=1',
          '--rate',
          '1',
          '--seed',
          '11',
          '--target',
          'build',
          '--backoff',
          '50ms',
          '--json',
          ...hubFlags,
          '--',
          'sh',
          '-c',
          `test -f ${marker} || { touch ${marker}; sleep 60; }`,
        ],
        now,
      );
      expect(r.err).toMatch(/recorded the kill_job trial of Acme\/App@abc1234def00 on http:\/\/127\.0\.0\.1:\d+ \(trial [0-9a-f]{32}\)/);
      expect(r.code).toBe(0);
      const t = JSON.parse(r.out) as TrialResult;
      expect(t.trial).toMatchObject({ fault: 'kill_job', target: 'build', seed: 11, outcome: 'recovered', retries: 1 });
      expect(t.added_ms).toBeGreaterThan(0);

      const db = hub.db.withTables<ChaosTables>();
      const rows = () => db.selectFrom('chaos_results').selectAll().execute();
      expect(await rows()).toHaveLength(1);

      // The same trial in the run's record (as the agent's run report would carry it).
      const record = JSON.parse(readFileSync(FIXTURE, 'utf8').split('\n')[0]!) as Record<string, unknown>;
      const runId = kind === 'pglite' ? '6d4b1f2e-1111-4c3b-9f1e-4e0d9ea9b1a1' : '6d4b1f2e-2222-4c3b-9f1e-4e0d9ea9b1a1';
      Object.assign(record, {
        run_id: runId,
        repo: 'acme/app',
        commit_sha: COMMIT,
        started_at: t.trial!.started_at,
        ended_at: t.trial!.ended_at,
        chaos: [t.trial],
      });
      const res = await fetch(`${h.url}/api/v1/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.tokens.agent}`, 'content-type': 'application/x-ndjson' },
        body: `${JSON.stringify(record)}\n`,
      });
      expect(res.status, await res.text()).toBeLessThan(300);
      await hub.bus.drain(60_000);
      const after = await rows();
      expect(after).toHaveLength(1);
      expect(after[0]).toMatchObject({ repo: 'acme/app', run_id: runId, commit: COMMIT, outcome: 'recovered', retries: 1, added_ms: t.added_ms });

      const rep = await cli(['chaos', 'report', '--hub', h.url, '--token', h.tokens.reader, '--since', '1d', '--json'], new Date(now.getTime() + 60_000));
      expect(rep.code, rep.err).toBe(0);
      const report = JSON.parse(rep.out) as ResilienceReport;
      expect(report.groups).toEqual([
        expect.objectContaining({
          repo: 'acme/app',
          target: 'build',
          fault: 'kill_job',
          trials: 1,
          recovered: 1,
          failed: 0,
          recovery_rate: 1,
          mean_retries: 1,
          score: 100,
          trend: null,
        }),
      ]);
      expect(report.groups[0]!.mean_added_ms).toBe(t.added_ms);

      const md = await cli(['chaos', 'report', '--hub', h.url, '--token', h.tokens.reader, '--since', '1d', '--md'], new Date(now.getTime() + 60_000));
      expect(md.out).toContain('| acme/app | build | kill_job | 1 | 100 % | 1 |');

      const file = path.join(tmp, `${kind}-report.json`);
      writeFileSync(file, rep.out);
      const pass = await cli(['gate', 'chaos', file, '--min-recovery', '0.9'], now);
      expect(pass.code, pass.out + pass.err).toBe(0);
    });

    it('bad uploads are refused naming the field; a token of another repository is refused', async () => {
      const post = (repo: string, body: unknown) =>
        fetch(`${h.url}/api/v1/repos/${repo}/chaos-trials?commit=abc1234`, {
          method: 'POST',
          headers: { authorization: `Bearer ${h.tokens.agent}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const bad = await post('acme/app', { trial: { fault: 'flood', target: 'x', seed: 1, outcome: 'failed', started_at: '2026-12-06T10:00:00Z' } });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('/trial/fault');
      const other = await post('other/lib', { trial: { fault: 'kill_job', target: 'x', seed: 1, outcome: 'failed', started_at: '2026-12-06T10:00:00Z' } });
      expect(other.status).toBe(403);
    });
  },
  { pillars: [chaosPillar] },
);
