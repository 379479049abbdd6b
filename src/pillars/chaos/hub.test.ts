// `chaos run` and `chaos plan` against a real hub on loopback, on PGlite and PostgreSQL: a single
// trial asks the hub's kill switch before it starts and while its fault is on (lifted when it goes
// off; a hub that cannot be asked counts as off); `chaos plan --record` stores every trial under
// the same trial id as `chaos run --record`, so a trial sent twice is one row; `--record --db` too.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCli } from '../../../test/support/in-process-cli.js';
import { until } from '../../../test/support/until.js';
import { listeningHub, type ListeningHub } from '../../../test/support/hub-app.js';
import { describeEachStore, type TestHub } from '../../../test/support/stores.js';
import { chaosPillar } from './index.js';
import type { PlanTrialResult } from './plan-command.js';
import type { ResilienceReport } from './report.js';
import type { TrialResult } from './runner.js';
import type { ChaosTables } from './tables.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-chaos-hub-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const COMMIT = 'fed4321abc'.padEnd(40, '0');

const cli = inProcessCli(tmp);

// Trial 1: killed once, then succeeds (recovered); trial 2: fails every attempt, the fallback
// succeeds (degraded); trial 3: cpu_stress beside a step that succeeds (recovered, no retry).
const planYaml = (d: (f: string) => string) => `trials:
  - fault: kill_job:after=100ms..200ms,times=1
    target: build
    run: test -f ${d('p1')} || { touch ${d('p1')}; sleep 60; }
    retries: 1
    backoff: 50ms
  - fault: kill_job:after=50ms..100ms
    target: fetch
    run: sleep 60
    retries: 1
    backoff: 50ms
    fallback: echo artifact from the mirror
  - fault: cpu_stress:workers=1
    target: lint
    run: sleep 0.2
    retries: 0
`;

describeEachStore(
  'chaos with a hub',
  (getHub, kind) => {
    let hub: TestHub;
    let h: ListeningHub<'admin' | 'agent' | 'ingestOnly'>;
    const d = (f: string) => path.join(tmp, `${kind}-${f}`);
    beforeAll(async () => {
      hub = getHub();
      h = await listeningHub(hub, {
        admin: { repos: ['*/*'], scopes: ['admin'] },
        agent: { repos: ['acme/*'], scopes: ['read', 'ingest'] },
        ingestOnly: { repos: ['acme/*'], scopes: ['ingest'] },
      });
    });
    afterAll(async () => h?.app.close());
    const flip = async (enabled: boolean) => {
      const res = await fetch(`${h.url}/api/v1/chaos/switch`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${h.tokens.admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ enabled, by: 'on-call', reason: enabled ? 'back on' : 'incident' }),
      });
      expect(res.status).toBe(200);
    };

    /** `chaos run` of one trial (rate 1, no retry) against the hub with `token`, then `-- step...`. */
    const chaosRun = (fault: string, token: string, extra: string[], step: string[]) =>
      cli(['chaos', 'run', '--fault', fault, '--rate', '1', '--retries', '0', ...extra, '--hub', h.url, '--token', token, '--json', '--', ...step]);

    it('chaos run asks the hub’s kill switch: off before the trial → nothing injected; off mid-attempt → the fault is lifted', async () => {
      await flip(false);
      const off = chaosRun('kill_job:after=10ms..20ms', h.tokens.agent, [], ['sleep', '0.3']);
      expect(await off.done, off.io.err).toBe(0);
      expect((JSON.parse(off.io.out) as TrialResult).trial).toBeNull();
      expect(off.io.err).toContain('fault injection is off (the hub’s kill switch)');
      expect(off.io.err).not.toContain('injected kill_job');

      await flip(true);
      const step = `touch ${d('r.started')}; while [ ! -f ${d('r.go')} ]; do sleep 0.05; done`;
      const run = chaosRun('kill_job:after=10m', h.tokens.agent, ['--poll', '100'], ['sh', '-c', step]);
      await until('the step started', () => existsSync(d('r.started')));
      expect(run.io.err).toContain('injected kill_job');
      await flip(false);
      await until('the runner lifted the fault', () => run.io.err.includes('the fault is lifted'));
      writeFileSync(d('r.go'), '');
      expect(await run.done, run.io.err).toBe(0);
      const t = JSON.parse(run.io.out) as TrialResult;
      expect(t.attempts).toEqual([expect.objectContaining({ injected: true, lifted: true, signal: null, exit_code: 0 })]);
    });

    it('a token that may not read the switch counts as off (the switch fails closed)', async () => {
      await flip(true);
      const r = chaosRun('kill_job:after=10ms..20ms', h.tokens.ingestOnly, [], ['sleep', '0.3']);
      expect(await r.done, r.io.err).toBe(0);
      expect((JSON.parse(r.io.out) as TrialResult).trial).toBeNull();
      expect(r.io.err).toMatch(/cannot ask the hub's kill switch \(.*"read" scope.*\): no faults from here on/);
    });

    it('chaos plan --record stores every trial as it ends; the same trial sent again is one row', async () => {
      await flip(true);
      const plan = d('plan.yml');
      writeFileSync(plan, planYaml(d));
      const rec = ['--record', '--hub', h.url, '--token', h.tokens.agent, '--repo', 'Acme/App', '--commit', COMMIT];
      const run = cli(['chaos', 'plan', plan, '--nightly', '--seed', '9', ...rec, '--json']);
      expect(await run.done, run.io.err).toBe(0);
      const out = JSON.parse(run.io.out) as { trials: PlanTrialResult[] };
      expect(out.trials.map((t) => [t.target, t.result.trial?.outcome, t.result.trial?.retries])).toEqual([
        ['build', 'recovered', 1],
        ['fetch', 'degraded', 1],
        ['lint', 'recovered', 0],
      ]);
      expect(out.trials[1]!.result.fallback).toMatchObject({ exit_code: 0 });
      expect(run.io.err).toContain('artifact from the mirror');
      const ids = [...run.io.err.matchAll(/recorded the \w+ trial of Acme\/App@fed4321abc00 on http:\/\/127\.0\.0\.1:\d+ \(trial ([0-9a-f]{32})\)/g)].map(
        (m) => m[1],
      );
      expect(ids).toHaveLength(3);

      const db = hub.db.withTables<ChaosTables>();
      const rows = () => db.selectFrom('chaos_results').select(['trial_id', 'target', 'outcome', 'retries']).where('repo', '=', 'acme/app').execute();
      expect((await rows()).map((r) => [r.target, r.outcome, r.retries]).sort()).toEqual([
        ['build', 'recovered', 1],
        ['fetch', 'degraded', 1],
        ['lint', 'recovered', 0],
      ]);
      // The build trial sent again, as `chaos run --record` would send it: the same id, no new row.
      const again = await fetch(`${h.url}/api/v1/repos/acme/app/chaos-trials?commit=${COMMIT}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.tokens.agent}`, 'content-type': 'application/json' },
        body: JSON.stringify({ trial: out.trials[0]!.result.trial, added_ms: out.trials[0]!.result.added_ms }),
      });
      expect(again.status, await again.clone().text()).toBe(200);
      expect(((await again.json()) as { trial_id: string }).trial_id).toBe(ids[0]);
      expect(await rows()).toHaveLength(3);
    });
  },
  { pillars: [chaosPillar] },
);

describe('chaos plan --record --db', () => {
  it('stores the trials in the store; chaos report reads them', async () => {
    const store = path.join(tmp, 'store');
    const d = (f: string) => path.join(tmp, `db-${f}`);
    const plan = d('plan.yml');
    writeFileSync(plan, planYaml(d));
    const run = cli(['chaos', 'plan', plan, '--nightly', '--seed', '9', '--record', '--db', store, '--repo', 'acme/app', '--commit', COMMIT]);
    expect(await run.done, run.io.err).toBe(0);
    expect(run.io.err.match(/recorded the \w+ trial of acme\/app@fed4321abc00 \(trial [0-9a-f]{32}\)/g)).toHaveLength(3);
    const rep = cli(['chaos', 'report', '--db', store, '--since', '1d', '--json']);
    expect(await rep.done, rep.io.err).toBe(0);
    const report = JSON.parse(rep.io.out) as ResilienceReport;
    expect(report.groups.map((g) => [g.target, g.fault, g.trials, g.recovered]).sort()).toEqual([
      ['build', 'kill_job', 1, 1],
      ['fetch', 'kill_job', 1, 0],
      ['lint', 'cpu_stress', 1, 1],
    ]);
  });
});
