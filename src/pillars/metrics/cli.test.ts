// The CLI end to end on an embedded store: ingest, `gate readiness`, `metrics dora`, `digest`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesize } from '../../core/synth/generate.js';
import { pillars, runCli } from '../../../test/support/assembled.js';

const NOW = new Date('2026-03-10T06:00:00Z');
const dir = mkdtempSync(path.join(os.tmpdir(), 'metrics-cli-'));
const db = path.join(dir, 'db');

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (s) => out.push(s), err: (s) => err.push(s), env: {}, isTTY: false, now: () => NOW, cwd: dir }, pillars);
  return { code, out: out.join(''), err: err.join('') };
}

describe('metrics CLI', () => {
  beforeAll(async () => {
    const s = synthesize({ repos: 2, days: 5, runsPerDay: 10, seed: 3, end: new Date('2026-03-10T00:00:00Z') });
    writeFileSync(path.join(dir, 'runs.ndjson'), s.records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const r = await cli('ingest', path.join(dir, 'runs.ndjson'), '--db', db);
    expect(r.code, r.err).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gate readiness fails an incomplete score unless --allow-missing, and checks --min', async () => {
    const strict = await cli('gate', 'readiness', '--min', '0', '--db', db);
    expect(strict.code).toBe(1);
    expect(strict.out).toMatch(/^FAIL gate=readiness value=[0-9.]+ min=0 repo=\S+ band=\S+ complete=false reason="incomplete: .*lacks quality/);
    const lenient = await cli('gate', 'readiness', '--min', '0', '--allow-missing', '--db', db);
    expect(lenient.code, lenient.err).toBe(0);
    expect(lenient.out).toMatch(/^PASS gate=readiness/);
    expect(lenient.err).toMatch(/ci +w=40 /);
    const high = await cli('gate', 'readiness', '--min', '100', '--allow-missing', '--db', db);
    expect(high.out).toMatch(/^FAIL gate=readiness .* reason=".* scores/);
    const bad = await cli('gate', 'readiness', '--min', '101', '--db', db);
    expect(bad.code).toBe(2);
    const none = await cli('gate', 'readiness', '--min', '90', '--repo', 'nobody/here', '--db', db);
    expect(none.out).toMatch(/^FAIL .*value=none/);
  });

  it('metrics dora --json prints one object; digest prints Markdown', async () => {
    const d = await cli('metrics', 'dora', '--json', '--window', '7', '--db', db);
    expect(d.code, d.err).toBe(0);
    const lines = d.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).environments).toEqual(['prod', 'production']);
    const t = await cli('metrics', 'dora', '--window', '7', '--db', db);
    expect(t.out.split('\n')[0]).toBe('repo\tenvironment\tdeploys/day\tlead time\tchange failure\ttime to restore');
    expect(t.out).toMatch(/^ALL\tprod,production\t/m);
    expect(t.out.trim().split('\n').at(-1)).toMatch(/^medians — lead time: approximate .*time to restore: exact/);
    const g = await cli('digest', '--db', db);
    expect(g.out).toMatch(/^# CI digest: 2026-03-03 – 2026-03-10/);
    const w = await cli('metrics', 'health', '--window', '3', '--db', db);
    expect(w.code).toBe(2);
    expect(w.err).toMatch(/E_USAGE: .*"3" is not one of 1, 7, 30, 90/);
  });
});
