// The DataQualityBreach alert as `ci-intel metrics rules` prints it where ci-intel.yml declares
// gates: promtool accepts the file, and the alert fires on a `fail` breach and not on a `warn` one.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pillars, runCli } from '../../../test/support/assembled.js';
import { promtool, promtoolRun } from '../../../test/support/promtool.js';

describe.runIf(promtool)('data-quality alert rule', () => {
  it('metrics rules carries DataQualityBreach with gates declared; promtool checks it and it fires on a fail breach only', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dq-rules-'));
    writeFileSync(
      path.join(dir, 'ci-intel.yml'),
      'dataQuality:\n  gates:\n    - { name: runs-fresh, target: pipeline_runs_all, kind: freshness, column: ended_at, max: 3600 }\n',
    );
    let out = '';
    const io = { out: (t: string) => (out += t), err: () => {}, env: {}, isTTY: false, cwd: dir };
    expect(await runCli(['metrics', 'rules', '--config', path.join(dir, 'ci-intel.yml')], io, pillars)).toBe(0);
    expect([...out.matchAll(/^ {2}- name: (.+)$/gm)].map((m) => m[1])).toEqual(['cicd-alerts', 'data-quality']);
    const r = promtoolRun(
      out,
      `  - interval: 1m
    input_series:
      - series: 'ci_intel_data_quality_breach{check="runs-fresh",target="pipeline_runs_all",severity="fail"}'
        values: '0x4 1x5'
      - series: 'ci_intel_data_quality_breach{check="tokens",target="runs",severity="warn"}'
        values: '1x9'
    alert_rule_test:
      - eval_time: 3m
        alertname: DataQualityBreach
        exp_alerts: []
      - eval_time: 7m
        alertname: DataQualityBreach
        exp_alerts:
          - exp_labels: { severity: critical, check: runs-fresh, target: pipeline_runs_all }
            exp_annotations:
              summary: 'Data-quality check runs-fresh on pipeline_runs_all failed on the latest load'
              description: 'See the Data quality page or GET /api/v1/data-quality/checks for what it measured; \`ci-intel data check\` runs it again.'
`,
    );
    expect(r.checked).toMatch(/SUCCESS/);
    expect(r.status, r.output).toBe(0);
  });
});
