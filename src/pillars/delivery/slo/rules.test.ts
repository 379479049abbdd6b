// `ci-intel slo rules` checked by promtool: the rules file is valid, and the fast-burn alert fires
// on a 5 % error ratio against a 99.9 % objective while a 0.05 % one stays quiet.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
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

describe.runIf(promtool)('slo rules', () => {
  it('pass promtool check rules and promtool test rules', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'slo-rules-'));
    writeFileSync(path.join(dir, 'rules.yml'), sloRulesYaml([slo, { ...slo, name: 'no-query', errorRatioQuery: undefined }]));
    expect(execFileSync(promtool!, ['check', 'rules', 'rules.yml'], { cwd: dir, encoding: 'utf8' })).toMatch(/SUCCESS: 9 rules found/);
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
  });
});
