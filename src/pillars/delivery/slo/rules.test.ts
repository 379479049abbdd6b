// `ci-intel slo rules` checked by promtool: the rules file is valid, and the fast-burn alert fires
// on a 5 % error ratio against a 99.9 % objective while a 0.05 % one stays quiet. The same holds
// for `ci-intel metrics rules` (the assembled CLI), which carries these alerts after its own.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pillars, runCli } from '../../../../test/support/assembled.js';
import { sloRulesYaml } from './rules.js';

const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
if (!promtool && process.env.CI === 'true') throw new Error('promtool is missing: .ci/run installs the prometheus package');
const slo = {
  name: 'checkout-availability',
  environment: 'prod',
  kind: 'availability' as const,
  objective: 99.9,
  window: '30d',
  errorRatioQuery: 'sum(rate(http_requests_total{code=~"5.."}[{{window}}])) / sum(rate(http_requests_total[{{window}}]))',
};

/** Writes the rules, checks them with promtool (returns its output) and runs the burn-rate alert test on them. */
function promtoolChecks(rules: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'slo-rules-'));
  writeFileSync(path.join(dir, 'rules.yml'), rules);
  const checked = execFileSync(promtool!, ['check', 'rules', 'rules.yml'], { cwd: dir, encoding: 'utf8' });
  // 1000 requests a minute; 5 % errors from minute 60 on (50× the budget), 0.05 % before.
  writeFileSync(
    path.join(dir, 'test.yml'),
    `rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'http_requests_total{code="200"}'
        values: '0+999x59 59940+950x60'
      - series: 'http_requests_total{code="500"}'
        values: '0+1x59 60+50x60'
    alert_rule_test:
      - eval_time: 55m
        alertname: CheckoutAvailabilityErrorBudgetBurnFast
        exp_alerts: []
      - eval_time: 110m
        alertname: CheckoutAvailabilityErrorBudgetBurnFast
        exp_alerts:
          - exp_labels: { severity: critical, slo: checkout-availability, environment: prod }
            exp_annotations: { summary: 'checkout-availability (prod) is burning its 99.9% error budget fast' }
`,
  );
  const r = spawnSync(promtool!, ['test', 'rules', 'test.yml'], { cwd: dir, encoding: 'utf8' });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  return checked;
}

describe.runIf(promtool)('slo rules', () => {
  it('pass promtool check rules and promtool test rules', () => {
    expect(promtoolChecks(sloRulesYaml([slo, { ...slo, name: 'no-query', errorRatioQuery: undefined }]))).toMatch(/SUCCESS: 9 rules found/);
  });

  it('metrics rules carries them after its own alerts: promtool checks and tests the combined file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'metrics-rules-'));
    const config = path.join(dir, 'ci-intel.yml');
    writeFileSync(config, `delivery:\n  slos:\n    - ${JSON.stringify(slo)}\n`);
    let out = '';
    let err = '';
    const io = { out: (t: string) => (out += t), err: (t: string) => (err += t), env: {}, isTTY: false, cwd: dir };
    expect(await runCli(['metrics', 'rules', '--config', config], io, pillars), err).toBe(0);
    expect(out).toContain('Then 1 group from ci-intel.yml (SLO burn-rate alerts).');
    expect([...out.matchAll(/^ {2}- name: (.+)$/gm)].map((m) => m[1])).toEqual(['cicd-alerts', 'slo-checkout-availability']);
    // The metrics pillar's 9 rules and the SLO's 7 recording rules and 2 alerts.
    expect(promtoolChecks(out)).toMatch(/SUCCESS: 18 rules found/);
    // Without SLOs the output is the metrics pillar's file as committed.
    out = '';
    expect(await runCli(['metrics', 'rules'], { ...io, cwd: mkdtempSync(path.join(os.tmpdir(), 'no-config-')) }, pillars)).toBe(0);
    expect([...out.matchAll(/^ {2}- name: (.+)$/gm)].map((m) => m[1])).toEqual(['cicd-alerts']);
  });
});
