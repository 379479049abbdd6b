import { describe, expect, it } from 'vitest';
import { scopeExposition } from './exposition.js';
import { anonymousReader, principalFor } from './tokens.js';

const text = [
  '# HELP x_runs_total runs',
  '# TYPE x_runs_total counter',
  'x_runs_total{service="org-a/app",status="success"} 3',
  'x_runs_total{service="org-b/app",status="success"} 4',
  '# TYPE x_hub gauge',
  'x_hub 1',
  '# TYPE x_dur histogram',
  'x_dur_bucket{repo="org-a/app",le="1"} 1',
  'x_dur_bucket{repo="org-a/app",le="+Inf"} 2',
  'x_dur_sum{repo="org-a/app"} 3',
  'x_dur_count{repo="org-a/app"} 2',
  '',
].join('\n');

describe('scopeExposition', () => {
  it('shows a repo-limited token only its repositories, and no hub-wide series', () => {
    const out = scopeExposition(text, principalFor({ token_id: 't', scopes: ['read'], repo_patterns: ['org-a/*'] }));
    expect(out).toContain('x_runs_total{service="org-a/app",status="success"} 3');
    expect(out).not.toContain('org-b');
    expect(out).not.toMatch(/^x_hub /m);
    expect(out).toContain('x_dur_count{repo="org-a/app"} 2');
  });
  it('shows everything to a token for every repository', () => {
    const out = scopeExposition(text, principalFor({ token_id: 't', scopes: ['read'], repo_patterns: ['**'] }));
    expect(out).toContain('org-b/app');
    expect(out).toMatch(/^x_hub 1$/m);
    expect(scopeExposition(text, anonymousReader)).toContain('org-b/app');
  });
  it('clips long label values and caps the series of a metric, saying how many it left out', () => {
    const many = ['# TYPE y gauge', ...Array.from({ length: 50 }, (_, i) => `y{service="r/${'x'.repeat(300)}${i}"} 1`), ''].join('\n');
    const out = scopeExposition(many, anonymousReader, { maxLabelLength: 20, maxSeriesPerMetric: 10 });
    const samples = out.split('\n').filter((l) => l.startsWith('y{'));
    expect(samples.length).toBe(10);
    for (const s of samples) expect(/service="([^"]*)"/.exec(s)![1]!.length).toBeLessThanOrEqual(20);
    expect(out).toContain('ci_intel_metrics_series_dropped{metric="y"} 40');
  });
  it('keeps escaped quotes and backslashes in label values intact', () => {
    const out = scopeExposition('# TYPE z gauge\nz{service="a/b",reason="say \\"hi\\" \\\\ok"} 1\n', anonymousReader);
    expect(out).toContain('z{service="a/b",reason="say \\"hi\\" \\\\ok"} 1');
  });
});
