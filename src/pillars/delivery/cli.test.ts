// `ci-intel canary judge` end to end through the assembled CLI: the recorded Prometheus series as
// files (JSON and CSV), text and JSON output, exit codes, determinism, bad input, and --record into
// a PGlite store read back by `canary decisions`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { pillars, runCli } from '../../../test/support/assembled.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = (f: string) => path.join(here, 'canary', 'fixtures', f);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-canary-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const NOW = new Date('2026-12-06T06:00:00Z');

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, now: () => NOW, cwd: tmp }, pillars);
  return { code, out, err };
}
const judgeArgs = (canary: string) => [
  'canary',
  'judge',
  '--baseline',
  fx('recorded/baseline.json'),
  '--canary',
  fx(`recorded/${canary}.json`),
  '--config',
  fx('analysis.yml'),
];

describe('ci-intel canary judge', () => {
  it('promotes the healthy canary (exit 0) and prints the verdict, reason and a row per metric', async () => {
    const r = await cli(judgeArgs('canary-healthy'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('canary verdict: promote (score 100/100, analysis success-rate+latency-p95)');
    expect(lines[1]).toMatch(/^reason: score 100 ≥ 80/);
    expect(lines.filter((l) => /^(latency-p95|success-rate) /.test(l)).map((l) => l.split(/\s+/)[0])).toEqual(['latency-p95', 'success-rate']);
  });

  it('rolls back the regressed canary (exit 1), naming the metric; --json is one object, the same on every run', async () => {
    const a = await cli([...judgeArgs('canary-regressed'), '--json']);
    const b = await cli([...judgeArgs('canary-regressed'), '--json']);
    expect(a.code).toBe(1);
    expect(a.out).toBe(b.out);
    expect(a.out.trim().split('\n')).toHaveLength(1);
    const d = JSON.parse(a.out) as { verdict: string; reason: string; decision_id: string; inputs: { canary: { sha256: string } } };
    expect(d.verdict).toBe('rollback');
    expect(d.reason).toContain('latency-p95');
    expect(d.decision_id).toMatch(/^[0-9a-f]{64}$/);
    expect(d.inputs.canary.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads CSV samples and judges them like the JSON ones', async () => {
    const toCsv = (name: string) => {
      const doc = JSON.parse(readFileSync(fx(`recorded/${name}.json`), 'utf8')) as Record<string, [number, string][]>;
      const rows = Object.entries(doc).flatMap(([m, vs]) => vs.map(([t, v]) => `${t},${m},${v}`));
      const file = path.join(tmp, `${name}.csv`);
      writeFileSync(file, `time,metric,value\n${rows.join('\n')}\n`);
      return file;
    };
    const json = await cli([...judgeArgs('canary-regressed'), '--json']);
    const csv = await cli([
      'canary',
      'judge',
      '--baseline',
      toCsv('baseline'),
      '--canary',
      toCsv('canary-regressed'),
      '--config',
      fx('analysis.yml'),
      '--json',
    ]);
    const strip = (s: string) => {
      const o = JSON.parse(s) as Record<string, unknown>;
      delete o.inputs;
      delete o.decision_id;
      return o;
    };
    expect(strip(csv.out)).toEqual(strip(json.out));
  });

  it('without an analysis file applies the default bounds to the metrics the samples have', async () => {
    const mk = (name: string, f: (i: number) => number) => {
      const file = path.join(tmp, name);
      writeFileSync(file, JSON.stringify({ latency_p95_ms: Array.from({ length: 12 }, (_, i) => [1_800_000_000 + 60 * i, f(i)]) }));
      return file;
    };
    const r = await cli(['canary', 'judge', '--baseline', mk('b.json', (i) => 200 + (i % 3) * 10), '--canary', mk('c.json', (i) => 700 + (i % 4) * 10)]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^canary verdict: rollback/);
    expect(r.out).toContain('latency_p95_ms: 12 of 12 canary measurements fail success: result[0] <= 500');
  });

  it('bad input: exit 2 naming the place', async () => {
    const bad = path.join(tmp, 'bad.csv');
    writeFileSync(bad, 'time,metric,value\n1800000000,p95,0.2\n1800000060,p95,fast\n');
    const r = await cli(['canary', 'judge', '--baseline', bad, '--canary', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`E_INPUT_UNREADABLE: ${bad}:3: the value is not a finite number`);
    const missing = await cli(['canary', 'judge', '--baseline', fx('recorded/baseline.json')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--baseline and --canary are required');
    const noQuery = await cli(['canary', 'judge', '--prometheus', 'http://127.0.0.1:9', '--baseline', 'a', '--canary', 'b']);
    expect(noQuery.err).toContain('--prometheus needs --query-file');
  });

  it('--help shows examples and the formats', async () => {
    const r = await cli(['canary', 'judge', '--help']);
    expect(r.out).toContain('Examples:');
    expect(r.out).toContain('ci-intel canary judge --baseline baseline.json --canary canary.json');
    expect(r.out).toContain('AnalysisTemplates');
  });

  it('--record stores the decision with the deployment once; canary decisions lists it', async () => {
    const db = path.join(tmp, 'db');
    const rec = ['--record', '--repo', 'org/app', '--environment', 'prod', '--deployment', 'deploy-42', '--db', db, '--data-dir', tmp];
    const first = await cli([...judgeArgs('canary-regressed'), ...rec]);
    expect(first.err).toMatch(/^recorded: decision [0-9a-f]{12} for org\/app prod deploy-42\n$/);
    const again = await cli([...judgeArgs('canary-regressed'), ...rec]);
    expect(again.err).toMatch(/^already recorded: decision/);
    const list = await cli(['canary', 'decisions', '--repo', 'org/app', '--json', '--db', db, '--data-dir', tmp]);
    const rows = list.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { verdict: string; deployment_id: string; inputs: { baseline: { file: string } } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ verdict: 'rollback', deployment_id: 'deploy-42' });
    expect(rows[0]!.inputs.baseline.file).toBe(fx('recorded/baseline.json'));
  });
});
