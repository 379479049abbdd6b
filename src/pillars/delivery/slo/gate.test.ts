// `ci-intel gate slo` through the assembled CLI: PASS on a healthy service, FAIL while the budget
// burns too fast (naming the SLO and the windows), no data fails unless --allow-missing, bad usage exits 2.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pillars, runCli } from '../../../../test/support/assembled.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-slo-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const NOW = new Date('2026-12-06T12:00:00Z');
writeFileSync(
  path.join(tmp, 'ci-intel.yml'),
  `delivery:
  slos:
    - name: checkout-availability
      environment: prod
      kind: availability
      objective: 99.9
    - name: checkout-latency
      environment: prod
      kind: latency
      objective: 99
      latencyMs: 500
`,
);

function csv(name: string, minutes: number, row: (i: number) => string) {
  const file = path.join(tmp, name);
  const rows = Array.from({ length: minutes }, (_, i) => `${(NOW.getTime() - (minutes - i) * 60_000) / 1000},${row(i)}`);
  writeFileSync(file, `time,error_rate,latency_p95_ms\n${rows.join('\n')}\n`);
  return file;
}

async function gate(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(
    ['gate', 'slo', '--config', path.join(tmp, 'ci-intel.yml'), ...args],
    { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, now: () => NOW, cwd: tmp },
    pillars,
  );
  return { code, out, err };
}

describe('ci-intel gate slo', () => {
  it('passes a healthy service (0.05 % errors, p95 200 ms)', async () => {
    const r = await gate(['--env', 'prod', '--samples', csv('ok.csv', 3 * 1440, () => '0.0005,200')]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      'PASS gate=slo value=0.5 max=14.4 env=prod slos=2 reason="checkout-availability: burn within limits (1h 0.5, 6h 0.5, 24h 0.5); checkout-latency: burn within limits (1h 0, 6h 0, 24h 0)"\n',
    );
  });

  it('blocks while the budget burns too fast, naming the SLO and windows', async () => {
    // The last 20 minutes: 5 % errors (50× a 99.9 % budget) and p95 900 ms.
    const file = csv('burning.csv', 3 * 1440, (i) => (i >= 3 * 1440 - 20 ? '0.05,900' : '0.0005,200'));
    const r = await gate(['--env', 'prod', '--samples', file, '--json']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL gate=slo /);
    expect(r.out).toContain('checkout-availability: error budget burning too fast: 1h burn');
    expect(r.out).toContain('checkout-latency: error budget burning too fast');
    const rep = JSON.parse(r.err.trim().split('\n').at(-1)!) as { reports: Array<{ slo: string; blocked: boolean }> };
    expect(rep.reports.map((x) => [x.slo, x.blocked])).toEqual([
      ['checkout-availability', true],
      ['checkout-latency', true],
    ]);
    // --slo picks one.
    expect((await gate(['--env', 'prod', '--samples', file, '--slo', 'checkout-latency'])).out).not.toContain('checkout-availability');
  });

  it('no data fails unless --allow-missing; usage errors exit 2', async () => {
    const empty = csv('old.csv', 10, () => '0,100');
    const r = await gate(['--env', 'prod', '--samples', empty, '--at', '2026-12-07T12:00:00Z']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL gate=slo /);
    expect(r.out).toContain('no samples in the last day (--allow-missing passes)');
    expect((await gate(['--env', 'prod', '--samples', empty, '--at', '2026-12-07T12:00:00Z', '--allow-missing'])).code).toBe(0);
    const staging = await gate(['--env', 'staging', '--samples', empty]);
    expect(staging.code).toBe(2);
    expect(staging.err).toContain('no SLO for environment staging');
    expect((await gate(['--env', 'prod'])).err).toContain('give one of --samples FILE or --prometheus URL');
  });
});
