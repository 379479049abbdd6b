// `chaos plan` with a real hub on loopback: the hub's kill switch is flipped (admin, audited) while
// trial 2 of 4 runs — trial 2's fault is lifted mid-attempt, trials 3 and 4 run without faults, and
// the output says so. Pull-request runs refuse heavy faults; bad plans name file:line.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessCli } from '../../../test/support/in-process-cli.js';
import { until } from '../../../test/support/until.js';
import { listeningHub, type ListeningHub } from '../../../test/support/hub-app.js';
import { openTestHub, type TestHub } from '../../../test/support/stores.js';
import { chaosPillar } from './index.js';
import type { PlanTrialResult } from './plan-command.js';
import type { SwitchState } from './switch.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-chaos-plan-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cli = inProcessCli(tmp);

const planFile = (name: string, yaml: string) => {
  const f = path.join(tmp, name);
  writeFileSync(f, yaml);
  return f;
};

describe('chaos plan: the hub’s kill switch mid-plan', () => {
  let hub: TestHub;
  let h: ListeningHub<'admin' | 'agent'>;
  beforeAll(async () => {
    hub = await openTestHub('pglite', { pillars: [chaosPillar] });
    h = await listeningHub(hub, { admin: { repos: ['*/*'], scopes: ['admin', 'read'] }, agent: { repos: ['acme/*'], scopes: ['read', 'ingest'] } });
  });
  afterAll(async () => {
    await h?.app.close();
    await hub?.close();
  });

  it('switched off while trial 2 of 4 runs: its fault is lifted, trials 3–4 run without faults, and the output says so', async () => {
    const d = (f: string) => path.join(tmp, f);
    // Every kill below would fail its step (no retries but trial 1's): a step that succeeds was not killed.
    const plan = planFile(
      'nightly.yml',
      `trials:
  - fault: kill_job:after=100ms..200ms,times=1
    target: first
    run: test -f ${d('t1')} || { touch ${d('t1')}; sleep 60; }
    retries: 1
    backoff: 50ms
  - fault: kill_job:after=10m
    target: second
    run: touch ${d('t2.started')}; while [ ! -f ${d('t2.go')} ]; do sleep 0.05; done
    retries: 0
  - fault: kill_job:after=10ms..20ms
    target: third
    run: sleep 0.3
    retries: 0
  - fault: cpu_stress:workers=1
    target: fourth
    run: sleep 0.3
    retries: 0
`,
    );
    const run = cli(['chaos', 'plan', plan, '--nightly', '--seed', '5', '--poll', '100', '--hub', h.url, '--token', h.tokens.agent, '--json']);
    await until('trial 2 started', () => existsSync(d('t2.started')));
    const flip = await fetch(`${h.url}/api/v1/chaos/switch`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${h.tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: false, by: 'on-call', reason: 'release freeze' }),
    });
    expect(flip.status).toBe(200);
    await until('the runner lifted the fault', () => run.io.err.includes('the fault is lifted'));
    writeFileSync(d('t2.go'), '');
    const code = await run.done;
    expect(code, run.io.err).toBe(0);

    const out = JSON.parse(run.io.out) as { trials: PlanTrialResult[] };
    expect(out.trials.map((t) => [t.index, t.target, t.kill_switch, t.result.exit_code])).toEqual([
      [1, 'first', 'on', 0],
      [2, 'second', 'lifted', 0],
      [3, 'third', 'off', 0],
      [4, 'fourth', 'off', 0],
    ]);
    expect(out.trials[0]!.result.trial).toMatchObject({ fault: 'kill_job', outcome: 'recovered', retries: 1 });
    expect(out.trials[1]!.result.attempts).toEqual([expect.objectContaining({ injected: true, lifted: true, signal: null })]);
    for (const t of out.trials.slice(2)) {
      expect(t.result.trial).toBeNull();
      expect(t.result.attempts.every((a) => !a.injected)).toBe(true);
    }
    expect(run.io.err).toContain('the kill switch is off: trial 3 of 4 runs without faults');
    expect(run.io.err).toContain('the kill switch is off: trial 4 of 4 runs without faults');
    expect(run.io.err).not.toContain('injected kill_job into "third"');

    // Stored and audited; an agent's token may read it but not flip it.
    const state = (await (await fetch(`${h.url}/api/v1/chaos/switch`, { headers: { authorization: `Bearer ${h.tokens.agent}` } })).json()) as SwitchState;
    expect(state).toMatchObject({ enabled: false, history: [{ enabled: false, by: 'on-call', reason: 'release freeze' }] });
    const refused = await fetch(`${h.url}/api/v1/chaos/switch`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${h.tokens.agent}`, 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: true, by: 'ci', reason: 'x' }),
    });
    expect(refused.status).toBe(403);

    // The text output says which trials ran without faults.
    const text = cli(['chaos', 'plan', plan, '--nightly', '--hub', h.url, '--token', h.tokens.agent]);
    await text.done;
    expect(text.io.out).toMatch(/^trial 1 of 4 \(.*nightly\.yml:2\): kill switch off, kill_job not injected; the step succeeded$/m);
  });
});

describe('chaos plan: what it refuses', () => {
  it('a pull-request run refuses a heavy fault, naming the plan’s line; nothing runs', async () => {
    const plan = planFile(
      'pr.yml',
      `trials:\n  - fault: cpu_stress:workers=1\n    run: "true"\n  - fault: disk_fill:size=1m\n    run: touch ${path.join(tmp, 'ran')}\n`,
    );
    const r = cli(['chaos', 'plan', plan]);
    expect(await r.done).toBe(2);
    expect(r.io.err).toContain('disk_fill is a heavy fault');
    expect(r.io.err).toContain(`${plan}:4`);
    expect(existsSync(path.join(tmp, 'ran'))).toBe(false);
  });

  it('an unknown key and a bad rate are named with file:line', async () => {
    const a = planFile('a.yml', 'trials:\n  - fault: cpu_stress\n    run: "true"\n    retires: 2\n');
    const r = cli(['chaos', 'plan', a]);
    expect(await r.done).toBe(2);
    expect(r.io.err).toContain('unknown key "retires"');
    expect(r.io.err).toContain(`${a}:4`);
    const b = planFile('b.yml', 'trials:\n  - fault: cpu_stress\n    run: "true"\n    rate: 3\n');
    const s = cli(['chaos', 'plan', b, '--nightly']);
    expect(await s.done).toBe(2);
    expect(s.io.err).toContain('rate must be a number 0..1');
    expect(s.io.err).toContain(`${b}:4`);
  });
});
