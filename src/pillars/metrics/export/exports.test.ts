import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_METRICS_CONFIG } from '../config.js';
import { doraKeysOf } from '../dora.js';
import { components, combine } from '../readiness.js';
import { postDigest } from '../commands.js';
import { digestMarkdown, digestSlack, type DigestData } from './digest.js';
import { grafanaDashboard } from './grafana.js';
import { alertRules, alertRulesYaml, LEFT_OUT } from './rules.js';

const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));

describe('Grafana and Prometheus exports', () => {
  it('the committed dashboard and rules files are what the generators print', () => {
    expect(JSON.parse(readFileSync(new URL('./grafana-dora.json', import.meta.url), 'utf8'))).toEqual(grafanaDashboard());
    expect(readFileSync(new URL('./prometheus-rules.yml', import.meta.url), 'utf8')).toBe(alertRulesYaml());
  });

  it('the dashboard has the DORA and pipeline panels over our series, with a data-source variable', () => {
    const d = grafanaDashboard() as { panels: Array<{ title: string; targets: Array<{ expr: string }> }>; templating: { list: Array<{ name: string }> } };
    expect(d.panels.map((p) => p.title)).toEqual(
      expect.arrayContaining(['Deployment Frequency', 'Lead Time for Changes', 'Change Failure Rate', 'Time to Restore', 'Rollback Frequency']),
    );
    expect(d.templating.list.map((v) => v.name)).toEqual(['datasource', 'environment', 'service']);
    expect(d.panels.find((p) => p.title === 'Lead Time for Changes')!.targets[0]!.expr).toContain('cicd_lead_time_seconds_bucket');
  });

  it('the alert rules cover the DORA and pipeline alerts except what is listed as left out', () => {
    const names = alertRules().groups[0]!.rules.map((r) => r.alert);
    // All five of seed 004 §4.4, seed 001's coverage warning, and ours.
    expect(names).toEqual(
      expect.arrayContaining([
        'PipelineSuccessRateLow',
        'PipelineDurationHigh',
        'DeploymentRollbackFrequent',
        'CriticalVulnerabilityDetected',
        'LeadTimeRegression',
      ]),
    );
    expect(names).toEqual(expect.arrayContaining(['ChangeFailureRateHigh', 'TimeToRestoreSlow', 'CoverageDropped', 'CanaryAnalysisFailed']));
    expect(LEFT_OUT).toEqual([]);
    const critical = alertRules().groups[0]!.rules.find((r) => r.alert === 'CriticalVulnerabilityDetected')!;
    expect(critical).toMatchObject({ expr: 'cicd_vulnerability_count{severity="CRITICAL"} > 0', labels: { severity: 'critical', team: 'security' } });
  });

  it.skipIf(!promtool && process.env.CI !== 'true')('promtool check rules accepts the rules file (Debian prometheus; apt-get install prometheus)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rules-'));
    const file = path.join(dir, 'rules.yml');
    writeFileSync(file, alertRulesYaml());
    const out = execFileSync(promtool ?? 'promtool', ['check', 'rules', file], { encoding: 'utf8' });
    expect(out).toMatch(/SUCCESS: 9 rules found/);
    // And promtool does fail on a broken expression, so the check means something.
    writeFileSync(file, alertRulesYaml().replace('cicd_pipeline_success_rate < 0.90', 'cicd_pipeline_success_rate <'));
    expect(spawnSync(promtool ?? 'promtool', ['check', 'rules', file]).status).not.toBe(0);
  });

  it.skipIf(!promtool && process.env.CI !== 'true')('promtool test rules: the critical vulnerability, canary and coverage alerts fire on their series', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rules-'));
    writeFileSync(path.join(dir, 'rules.yml'), alertRulesYaml());
    const svc = 'service="org/app"';
    writeFileSync(
      path.join(dir, 'test.yml'),
      `rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'cicd_vulnerability_count{${svc},severity="CRITICAL"}'
        values: '0 0 2 2'
      - series: 'cicd_vulnerability_count{${svc},severity="HIGH"}'
        values: '5 5 5 5'
      - series: 'cicd_canary_analysis_result{${svc},template="success-rate"}'
        values: '1 1 0 0'
    alert_rule_test:
      - eval_time: 1m
        alertname: CriticalVulnerabilityDetected
        exp_alerts: []
      - eval_time: 3m
        alertname: CriticalVulnerabilityDetected
        exp_alerts:
          - exp_labels: { service: org/app, severity: critical, team: security }
            exp_annotations: { summary: 'Critical vulnerability in org/app' }
      - eval_time: 3m
        alertname: CanaryAnalysisFailed
        exp_alerts:
          - exp_labels: { service: org/app, template: success-rate, severity: critical, team: platform }
            exp_annotations: { summary: 'The latest canary analysis success-rate of org/app rolled back' }
  - interval: 1d
    input_series:
      - series: 'cicd_test_coverage_percent{${svc}}'
        values: '86 86 86 86 86 86 86 86 80'
    alert_rule_test:
      - eval_time: 7d
        alertname: CoverageDropped
        exp_alerts: []
      - eval_time: 8d
        alertname: CoverageDropped
        exp_alerts:
          - exp_labels: { service: org/app, severity: warning, team: platform }
            exp_annotations: { summary: 'Line coverage of org/app dropped by more than 5 points in a week' }
`,
    );
    const r = spawnSync(promtool ?? 'promtool', ['test', 'rules', 'test.yml'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS/);
  });
});

describe('digest', () => {
  const cfg = DEFAULT_METRICS_CONFIG;
  const data: DigestData = {
    window: { since: '2026-03-01T00:00:00.000Z', until: '2026-03-08T06:00:00.000Z', days: 7.25 },
    health: {
      repo: '',
      workflow: '',
      runs: 120,
      success: 100,
      failed: 20,
      canceled: 0,
      success_rate: 100 / 120,
      duration_p50_ms: 300_000,
      duration_p95_ms: 900_000,
      queue_p50_ms: 4000,
      queue_p95_ms: 30_000,
      retried: 3,
      retry_rate: 0.025,
      mttr_median_s: 5400,
      mttr_median_min: 90,
      recoveries: 4,
      usd: 42.5,
      carbon_g: 1500,
      kwh: 3,
      usd_per_run: 0.354,
      carbon_g_per_run: 12.5,
    },
    worstPipelines: [],
    dora: doraKeysOf(
      { successful: 0, failed: 0, other: 0, window_days: 7, lead: { median_s: 7200, samples: 10 }, restore: { median_s: null, restored: 0, open: 0 } },
      cfg.dora,
    ),
    environments: ['prod', 'production'],
    readiness: [
      combine('acme/app', 'main', components({ lastRuns: [{ run_id: 'r', status: 'failed' }], coverage: null, security: null, quality: null }, cfg.readiness)),
    ],
    hubUrl: 'http://hub.example:8080',
  };

  it('Markdown and Slack Block Kit carry the same numbers', () => {
    const md = digestMarkdown(data);
    // MTTR in minutes (seed 000's dictionary): 5400 s → 90 min.
    expect(md).toContain('| 120 | 83.3% | 5m | 15m | 30s | 2.5% | 90 min |');
    expect(md).toContain('| `acme/app` | 0.0 | poor | no (missing coverage, security, quality) |');
    const slack = digestSlack(data);
    expect(slack.blocks[0]).toMatchObject({ type: 'header' });
    expect(JSON.stringify(slack)).toContain('83.3%');
    expect(JSON.stringify(slack)).toContain('*MTTR*\\n90 min');
    expect(JSON.stringify(slack)).toContain('*Readiness below 90:* `acme/app` 0.0');
  });

  it('posts to a webhook URL (a local HTTP server) and reports a refusal without leaking the URL path', async () => {
    const got: Array<{ path: string; body: string; type: string }> = [];
    let status = 200;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        got.push({ path: req.url!, body, type: String(req.headers['content-type']) });
        res.statusCode = status;
        res.end(status === 200 ? 'ok' : 'no_service');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const errs: string[] = [];
    try {
      await postDigest(`http://127.0.0.1:${port}/services/T0/B0/secret`, digestSlack(data), { err: (s) => errs.push(s) });
      expect(got[0]!.path).toBe('/services/T0/B0/secret');
      expect(got[0]!.type).toBe('application/json');
      expect(JSON.parse(got[0]!.body).blocks.length).toBeGreaterThan(3);
      status = 404;
      const e = await postDigest(`http://127.0.0.1:${port}/services/T0/B0/secret`, {}, { err: () => {} }).catch((x) => x);
      expect(e.code).toBe('E_DIGEST_POST_FAILED');
      expect(e.message).not.toContain('secret');
    } finally {
      server.close();
    }
  });
});
