// A provisionable Grafana dashboard (file provisioning: the dashboard model itself) over the series
// of /metrics — seed 004 §4.2's panels. The Prometheus data source is a template variable, so the
// file imports into any Grafana. `ci-intel metrics grafana` prints it; grafana-dora.json beside this
// file is the committed copy (a test keeps it equal to this function's output).
export function grafanaDashboard(): Record<string, unknown> {
  const ds = { type: 'prometheus', uid: '${datasource}' };
  let id = 0;
  const panel = (
    title: string,
    type: string,
    expr: string,
    description: string,
    grid: { x: number; y: number; w: number; h: number },
    extra: Record<string, unknown> = {},
  ) => ({
    id: ++id,
    title,
    type,
    description,
    datasource: ds,
    gridPos: grid,
    targets: [{ refId: 'A', datasource: ds, expr, legendFormat: extra.legend ?? '' }],
    fieldConfig: { defaults: { unit: extra.unit ?? 'short', ...(extra.thresholds ? { thresholds: extra.thresholds } : {}) }, overrides: [] },
    options: type === 'stat' || type === 'gauge' ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false } } : {},
  });
  const env = 'environment=~"$environment", service=~"$service"';
  return {
    uid: 'ci-intel-dora',
    title: 'DORA Metrics - CI/CD Performance (ci-intel)',
    tags: ['ci-intel', 'dora'],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    editable: true,
    time: { from: 'now-30d', to: 'now' },
    refresh: '1m',
    templating: {
      list: [
        { name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Prometheus', current: {} },
        {
          name: 'environment',
          type: 'query',
          datasource: ds,
          query: { query: 'label_values(cicd_deployment_frequency_total, environment)', refId: 'env' },
          definition: 'label_values(cicd_deployment_frequency_total, environment)',
          includeAll: true,
          multi: true,
          allValue: '.*',
          current: { text: ['prod', 'production'], value: ['prod', 'production'] },
          refresh: 2,
        },
        {
          name: 'service',
          type: 'query',
          datasource: ds,
          query: { query: 'label_values(cicd_deployment_frequency_total, service)', refId: 'svc' },
          definition: 'label_values(cicd_deployment_frequency_total, service)',
          includeAll: true,
          multi: true,
          allValue: '.*',
          current: { text: 'All', value: '$__all' },
          refresh: 2,
        },
      ],
    },
    panels: [
      panel(
        'Deployment Frequency',
        'stat',
        `sum(increase(cicd_deployment_frequency_total{${env}}[24h]))`,
        'Successful deployments per day (DORA elite: on demand, several deploys a day)',
        { x: 0, y: 0, w: 6, h: 5 },
      ),
      panel(
        'Lead Time for Changes',
        'stat',
        `histogram_quantile(0.50, sum(rate(cicd_lead_time_seconds_bucket{${env}}[7d])) by (le))`,
        'Median commit → production (DORA elite: under a day; our elite target: under an hour)',
        { x: 6, y: 0, w: 6, h: 5 },
        { unit: 's' },
      ),
      panel(
        'Change Failure Rate',
        'gauge',
        `avg(cicd_change_failure_rate{${env}})`,
        '% of deployments failing or rolled back, last 30 days (DORA elite: 5% or less)',
        { x: 12, y: 0, w: 6, h: 5 },
        {
          unit: 'percentunit',
          thresholds: {
            mode: 'absolute',
            steps: [
              { color: 'green', value: null },
              { color: 'yellow', value: 0.05 },
              { color: 'orange', value: 0.1 },
              { color: 'red', value: 0.15 },
            ],
          },
        },
      ),
      panel(
        'Time to Restore',
        'stat',
        // Minutes, as seed 000's metrics dictionary gives MTTR; the series stays in Prometheus' base unit.
        `histogram_quantile(0.50, sum(rate(cicd_mean_time_to_restore_seconds_bucket{${env}}[30d])) by (le)) / 60`,
        'Median failed deployment → next successful deployment, in minutes (DORA elite < 60 minutes)',
        { x: 18, y: 0, w: 6, h: 5 },
        { unit: 'm' },
      ),
      panel(
        'Pipeline Duration Trend (p95)',
        'timeseries',
        'histogram_quantile(0.95, sum(rate(cicd_pipeline_duration_seconds_bucket[1h])) by (le, stage))',
        'Needs the pipeline series of the sources pillar',
        { x: 0, y: 5, w: 12, h: 8 },
        { unit: 's', legend: '{{stage}}' },
      ),
      panel(
        'Pipeline Success Rate',
        'timeseries',
        'cicd_pipeline_success_rate',
        'Needs the pipeline series of the sources pillar',
        { x: 12, y: 5, w: 12, h: 8 },
        { unit: 'percentunit', legend: '{{service}}' },
      ),
      panel(
        'Rollback Frequency',
        'timeseries',
        `sum(increase(cicd_rollback_total{${env}}[24h])) by (service)`,
        'Rollbacks per day per service',
        { x: 0, y: 13, w: 12, h: 8 },
        { legend: '{{service}}' },
      ),
      panel(
        'Vulnerability Trend',
        'timeseries',
        'sum(cicd_vulnerability_count{service=~"$service"}) by (severity)',
        'Open vulnerabilities by severity (needs the supply-chain series)',
        { x: 0, y: 21, w: 12, h: 8 },
        { legend: '{{severity}}' },
      ),
      panel(
        'Test Pass Rate',
        'timeseries',
        'cicd_test_pass_rate{service=~"$service"}',
        'Passed share of the latest run with tests, per service',
        { x: 12, y: 21, w: 12, h: 8 },
        { unit: 'percentunit', legend: '{{service}}' },
      ),
      panel(
        'Rollout Duration (p95)',
        'timeseries',
        'histogram_quantile(0.95, sum(rate(cicd_rollout_duration_seconds_bucket{service=~"$service"}[1d])) by (le, strategy))',
        'Deployment start to last report, by rollout strategy',
        { x: 0, y: 29, w: 12, h: 8 },
        { unit: 's', legend: '{{strategy}}' },
      ),
      panel(
        'Canary Analysis',
        'stat',
        'cicd_canary_analysis_result{service=~"$service"}',
        'Latest conclusive canary analysis per service and template (1 promoted, 0 rolled back)',
        { x: 12, y: 29, w: 12, h: 8 },
        { legend: '{{service}} {{template}}' },
      ),
      panel(
        'Release Readiness',
        'bargauge',
        'ci_intel_release_readiness_score{service=~"$service"}',
        'Release readiness score per service (>= 95 excellent, 90-94 good, 80-89 fair, < 80 poor)',
        { x: 12, y: 13, w: 12, h: 8 },
        {
          legend: '{{service}}',
          thresholds: {
            mode: 'absolute',
            steps: [
              { color: 'red', value: null },
              { color: 'orange', value: 80 },
              { color: 'yellow', value: 90 },
              { color: 'green', value: 95 },
            ],
          },
        },
      ),
    ],
  };
}
