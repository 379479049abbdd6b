// delay_net and drop_net with real clients: curl through the proxy as HTTP_PROXY, Node's fetch
// through --upstream, both to a local HTTP server. A transient fault is recovered by the retry, a
// persistent one fails the trial.
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pillars, runCli } from '../../../test/support/assembled.js';
import type { TrialResult } from './runner.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-chaos-net-'));
const BODY = 'hello from upstream\n'.repeat(500);
let server: http.Server;
let port = 0;
beforeAll(async () => {
  server = http.createServer((_req, res) => res.end(BODY));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

async function chaos(fault: string, flags: string[], step: string[]) {
  let out = '';
  let err = '';
  const args = ['chaos', 'run', '--fault', fault, '--rate', '1', '--seed', '4', '--backoff', '20ms', ...flags, '--json', '--', ...step];
  const code = await runCli(
    args,
    { out: (s) => (out += s), err: (s) => (err += s), env: { PATH: process.env.PATH }, isTTY: false, now: () => new Date(), cwd: tmp },
    pillars,
  );
  return { code, t: JSON.parse(out) as TrialResult, err };
}
const curl = () => ['curl', '-fsS', '--max-time', '1', '-o', '/dev/null', `http://127.0.0.1:${port}/`];
// fetch through the proxy address the runner hands the step; prints the byte count it got.
const fetchStep = () => [
  process.execPath,
  '-e',
  `fetch('http://'+process.env.CI_INTEL_CHAOS_PROXY+'/',{signal:AbortSignal.timeout(1000)}).then(r=>r.text()).then(t=>{if(t.length!==${BODY.length})process.exit(3);console.log('fetched',t.length)},e=>{console.error('fetch failed:',e.cause?.code??e.name);process.exit(1)})`,
];

describe('drop_net', () => {
  it('curl (HTTP_PROXY): a transient reset is recovered, a persistent one fails', async () => {
    const transient = await chaos('drop_net:loss=1,times=1', [], curl());
    expect(transient.t.trial).toMatchObject({ fault: 'drop_net', outcome: 'recovered', retries: 1 });
    expect(transient.t.attempts.map((a) => a.exit_code !== 0)).toEqual([true, false]);
    const persistent = await chaos('drop_net:loss=1', ['--retries', '2'], curl());
    expect(persistent.code).toBe(1);
    expect(persistent.t.trial).toMatchObject({ outcome: 'failed', retries: 2 });
    expect(persistent.err).toMatch(/curl: \(\d+\)/);
  });

  it("Node's fetch (--upstream): recovered when transient, failed when persistent", async () => {
    const up = ['--upstream', `127.0.0.1:${port}`];
    const transient = await chaos('drop_net:loss=1,times=1', up, fetchStep());
    expect(transient.t.trial).toMatchObject({ outcome: 'recovered', retries: 1 });
    expect(transient.err).toContain(`fetched ${BODY.length}`);
    const persistent = await chaos('drop_net:loss=1,mode=timeout,timeout=3s', [...up, '--retries', '1'], fetchStep());
    expect(persistent.t.trial).toMatchObject({ outcome: 'failed', retries: 1 });
    expect(persistent.err).toContain('fetch failed: TimeoutError');
  });
});

describe('delay_net', () => {
  // Latency above the clients' 1 s deadline: a floor the proxy guarantees, so the outcome is sure.
  it('curl: latency past its deadline fails the attempt; transient recovers, persistent fails', async () => {
    const transient = await chaos('delay_net:latency=1500ms,jitter=200ms,times=1', [], curl());
    expect(transient.t.trial).toMatchObject({ fault: 'delay_net', outcome: 'recovered', retries: 1 });
    expect(transient.t.attempts[0]!.exit_code).toBe(28);
    const persistent = await chaos('delay_net:latency=1500ms', ['--retries', '1'], curl());
    expect(persistent.t.trial).toMatchObject({ outcome: 'failed', retries: 1 });
  });

  it('fetch (--upstream): a slow link (bandwidth) that still delivers everything succeeds; past the deadline it fails', async () => {
    const up = ['--upstream', `127.0.0.1:${port}`];
    const slowOk = await chaos('delay_net:latency=10ms,bandwidth=1m', up, fetchStep());
    expect(slowOk.t.trial).toMatchObject({ outcome: 'recovered', retries: 0 });
    const tooSlow = await chaos('delay_net:latency=0ms,bandwidth=2k', [...up, '--retries', '0'], fetchStep());
    expect(tooSlow.t.trial).toMatchObject({ outcome: 'failed', retries: 0 });
  });

  it('bad parameters name the place', async () => {
    for (const [fault, msg] of [
      ['drop_net:loss=2', 'drop_net:loss=2 is not 0..1'],
      ['drop_net:mode=explode', 'drop_net:mode=explode is not reset or timeout'],
      ['delay_net:latency=fast', 'E_USAGE: delay_net:latency: "fast" is not a duration'],
    ] as const) {
      let err = '';
      const code = await runCli(
        ['chaos', 'run', '--fault', fault, '--', 'true'],
        { out: () => {}, err: (s) => (err += s), env: {}, isTTY: false, now: () => new Date(), cwd: tmp },
        pillars,
      );
      expect(code).toBe(2);
      expect(err).toContain(msg);
    }
  });
});
