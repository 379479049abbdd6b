// delay_net and drop_net with real clients: curl through the proxy as HTTP_PROXY, Node's fetch
// through --upstream, both to a local HTTP server; curl through HTTPS_PROXY (the proxy's CONNECT
// tunnel) to a local TLS server whose self-signed certificate openssl makes here. A transient
// fault is recovered by the retry, a persistent one fails the trial.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

/** openssl is needed for the certificate; only outside CI may its absence skip (Debian: apt-get install openssl). */
const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI) throw new Error('openssl is not installed: the HTTPS-through-the-proxy tests need it (apt-get install openssl)');
    return false;
  }
})();

describe.skipIf(!hasOpenssl)('HTTPS through the proxy (CONNECT tunnel)', () => {
  let tls: https.Server;
  let cert = '';
  let url = '';
  beforeAll(async () => {
    cert = path.join(tmp, 'cert.pem');
    const key = path.join(tmp, 'key.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1'].concat([
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ]),
      { stdio: 'ignore' },
    );
    tls = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => res.end(BODY));
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', () => r()));
    url = `https://localhost:${(tls.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    tls?.closeAllConnections();
    await new Promise((r) => tls?.close(r));
  });
  // curl takes the proxy from HTTPS_PROXY (set by the runner) and opens a CONNECT tunnel through it;
  // -w prints what it got, so the body is known to have come through the tunnel intact. localhost
  // resolves at the proxy (curl sends the name in CONNECT), the certificate is checked by curl.
  const curlTls = () => ['curl', '-fsS', '--max-time', '1', '--cacert', cert, '-o', '/dev/null', '-w', 'tunnel %{http_connect} got %{size_download}\\n', url];

  it('drop_net: curl over HTTPS recovers from a transient drop with a retry; a persistent drop fails', async () => {
    const transient = await chaos('drop_net:loss=1,times=1', [], curlTls());
    expect(transient.t.trial).toMatchObject({ fault: 'drop_net', outcome: 'recovered', retries: 1 });
    expect(transient.t.attempts.map((a) => a.exit_code !== 0)).toEqual([true, false]);
    expect(transient.err).toContain(`tunnel 200 got ${BODY.length}`);
    const persistent = await chaos('drop_net:loss=1', ['--retries', '1'], curlTls());
    expect(persistent.code).toBe(1);
    expect(persistent.t.trial).toMatchObject({ outcome: 'failed', retries: 1 });
  });

  it('delay_net: latency past curl’s deadline fails the attempt (transient → recovered); a small latency goes through', async () => {
    const transient = await chaos('delay_net:latency=1500ms,times=1', [], curlTls());
    expect(transient.t.trial).toMatchObject({ fault: 'delay_net', outcome: 'recovered', retries: 1 });
    expect(transient.t.attempts[0]!.exit_code).toBe(28);
    expect(transient.err).toContain(`tunnel 200 got ${BODY.length}`);
    const slowOk = await chaos('delay_net:latency=20ms,jitter=10ms,bandwidth=1m', [], curlTls());
    expect(slowOk.t.trial).toMatchObject({ outcome: 'recovered', retries: 0 });
    expect(slowOk.err).toContain(`tunnel 200 got ${BODY.length}`);
  });
});
