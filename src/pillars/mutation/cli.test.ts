import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { calculateMetrics } from 'mutation-testing-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../core/tokens.js';
import { openTestHub, type TestHub } from '../../../test/support/stores.js';
import { mutationPillar } from './index.js';
import { createApp, runCli } from '../../../test/support/assembled.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = (f: string) => path.join(here, 'fixtures', 'reports', f);
const seedNdjson = path.join(here, '..', '..', 'core', 'contract', 'fixtures', 'seed-example.fixed.v1.2.ndjson');
const NOW = new Date('2026-03-01T12:00:00Z');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-mut-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const code = await runCli(
    args,
    { out: (s) => (out += s), err: (s) => (err += s), env: { CI_INTEL_DATA_DIR: path.join(tmp, 'data'), ...env }, isTTY: false, now: () => NOW, cwd: tmp },
    [mutationPillar],
  );
  return { code, out, err };
}

describe('ci-intel mutation report', () => {
  it('--json prints the contract fields top-level, plus label, files, hotspots; exit 1 below score_fail', async () => {
    const r = await cli(['mutation', 'report', fx('stryker-vitest-ts.json'), '--json']);
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const j = JSON.parse(lines[0]!);
    const m = calculateMetrics(JSON.parse(readFileSync(fx('stryker-vitest-ts.json'), 'utf8')).files).metrics;
    expect(j).toMatchObject({
      mutants_total: m.totalValid,
      killed: m.totalDetected,
      equiv: 0,
      timeout: m.timeout,
      delta_vs_main: null,
      equivalent_mutants_dropped: true,
      label: 'weak-tests',
    });
    expect(j.score).toBeCloseTo(m.mutationScore / 100, 12);
    expect(j.files.map((f: { file: string }) => f.file)).toEqual(['src/audit.ts', 'src/labels.ts', 'src/loops.ts', 'src/price.ts', 'src/unused.ts']);
    expect(j.hotspots[0].file).toBe('src/price.ts');
    expect(j.hotspots[0].top[0].diff).toContain('+ ');
  });

  it('--baseline REPORT gives delta_vs_main and the mutant-level comparison; --md is a PR comment', async () => {
    const r = await cli(['mutation', 'report', fx('stryker-mocha-js-v2.json'), '--baseline', fx('stryker-mocha-js.json'), '--md']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('### Mutation testing: 73.1% resilience');
    expect(r.out).toContain('`high-confidence`');
    expect(r.out).toContain('+21.2 pts');
    expect(r.out).toContain('17 newly killed');
    expect(r.out).toContain('#### Top hotspots');
    expect((r.out.match(/^\| `src\//gm) ?? []).length).toBeLessThanOrEqual(5);
    const j = JSON.parse((await cli(['mutation', 'report', fx('stryker-mocha-js-v2.json'), '--baseline', fx('stryker-mocha-js.json'), '--json'])).out);
    expect(j.delta_vs_main).toBeCloseTo(57 / 78 - 41 / 79, 12);
    expect(j.comparison.newly_killed).toHaveLength(17);
  });

  it('reads lcov coverage per file next to resilience', async () => {
    const lcov = path.join(tmp, 'lcov.info');
    writeFileSync(lcov, 'TN:\nSF:src/slug.js\nLF:20\nLH:19\nend_of_record\nSF:src/parse.js\nLF:5\nLH:0\nend_of_record\n');
    const j = JSON.parse((await cli(['mutation', 'report', fx('stryker-mocha-js.json'), '--coverage', lcov, '--json'])).out);
    expect(j.files.find((f: { file: string }) => f.file === 'src/slug.js')).toMatchObject({ coverage: 0.95, score: 0.75 });
    expect(j.files.find((f: { file: string }) => f.file === 'src/retry.js').coverage).toBeNull();
  });

  it('an unreadable or unknown report is exit 2 with where and what to do', async () => {
    const r = await cli(['mutation', 'report', path.join(tmp, 'nope.json')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('E_INPUT_UNREADABLE');
    writeFileSync(path.join(tmp, 'odd.txt'), 'hello\n');
    const u = await cli(['mutation', 'report', path.join(tmp, 'odd.txt')]);
    expect(u.code).toBe(2);
    expect(u.err).toContain('E_MUTATION_FORMAT_UNKNOWN');
  });

  it('every command has an example in --help', async () => {
    for (const c of ['report', 'run', 'compare', 'suppress']) expect((await cli(['mutation', c, '--help'])).out).toContain('Examples:');
    expect((await cli(['gate', 'resilience', '--help'])).out).toContain('Examples:');
  });
});

describe('suppress + report: the explicit equivalent state', () => {
  it('marks a survivor equivalent with who/why/expiry; the score excludes it', async () => {
    const file = path.join(tmp, 'sup.yml');
    const before = JSON.parse((await cli(['mutation', 'report', fx('stryker-mocha-js-v2.json'), '--json'])).out);
    const fp = before.survivors[0].fingerprint;
    const s = await cli(['mutation', 'suppress', fp, '--reason', 'same behaviour', '--by', 'alice', '--expires', '2026-12-31', '--file', file]);
    expect(s.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain(`fingerprint: ${fp}`);
    const after = JSON.parse((await cli(['mutation', 'report', fx('stryker-mocha-js-v2.json'), '--suppressions', file, '--json'])).out);
    expect(after.equiv).toBe(1);
    expect(after.score).toBeCloseTo(57 / 77, 12);
    expect((await cli(['mutation', 'suppress', fp, '--reason', 'x', '--by', 'a', '--expires', '2020-01-01', '--file', file])).code).toBe(2);
  });
});

describe('ci-intel mutation compare', () => {
  it('exit 1 when a mutant newly survived, 0 otherwise', async () => {
    const ok = await cli(['mutation', 'compare', fx('stryker-mocha-js.json'), fx('stryker-mocha-js-v2.json')]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('0 newly survived, 17 newly killed, 6 new, 7 gone');
    const back = await cli(['mutation', 'compare', fx('stryker-mocha-js-v2.json'), fx('stryker-mocha-js.json'), '--json']);
    expect(back.code).toBe(1);
    expect(JSON.parse(back.out).newly_survived).toHaveLength(17);
  });
});

describe('ci-intel gate resilience', () => {
  it('a report: PASS/FAIL line and exit code, resilience as a fraction', async () => {
    const pass = await cli(['gate', 'resilience', '--min', '0.7', fx('stryker-mocha-js-v2.json')]);
    expect(pass.code).toBe(0);
    expect(pass.out).toMatch(/^PASS gate=resilience value=0\.7308 min=0\.7 /);
    const fail = await cli(['gate', 'resilience', '--min', '0.75', fx('stryker-mocha-js-v2.json')]);
    expect(fail.code).toBe(1);
    expect(fail.out).toMatch(/^FAIL gate=resilience value=0\.7308 min=0\.75 .*reason="resilience 0\.7308 < 0\.75"/);
    expect((await cli(['gate', 'resilience', '--min', '75', fx('stryker-mocha-js-v2.json')])).code).toBe(2);
  });

  it('pipeline_run NDJSON: recomputes by the dictionary (the seed declares 0.9, its counts give 0.931)', async () => {
    const r = await cli(['gate', 'resilience', '--min', '0.93', seedNdjson]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('value=0.931');
    expect(r.out).toContain('declared=0.9');
    expect((await cli(['gate', 'resilience', '--min', '0.95', seedNdjson])).code).toBe(1);
  });

  it('no data fails the gate with value=none (never a score of 0 or 100)', async () => {
    const f = path.join(tmp, 'empty.ndjson');
    const rec = JSON.parse(readFileSync(seedNdjson, 'utf8'));
    rec.tests.resilience = { mutants_total: 0, killed: 0, equiv: 0, timeout: 0, score: 0 };
    writeFileSync(f, JSON.stringify(rec) + '\n');
    const r = await cli(['gate', 'resilience', '--min', '0.75', f]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL gate=resilience value=none min=0\.75 .*no mutation data/);
  });
});

describe('agent upload to a running hub (--hub, --token, --run-id)', () => {
  let hub: TestHub;
  let app: FastifyInstance;
  let url: string;
  let token: string;
  beforeAll(async () => {
    hub = await openTestHub('pglite', { pillars: [mutationPillar], now: () => NOW });
    app = await createApp(hub, [mutationPillar]);
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    token = (await createToken(hub.db, { repoPatterns: ['acme/*'], scopes: ['ingest', 'read'], expiresAt: null })).token;
  });
  afterAll(async () => {
    await app?.close();
    await hub?.close();
  });

  it('prints the analysis, then uploads it with churn and marks; --baseline main reads the hub', async () => {
    const main = '11111111-1111-4111-8111-111111111111';
    const env = { GITHUB_REPOSITORY: 'acme/app', GITHUB_REF_NAME: 'main' };
    const up = await cli(['mutation', 'report', fx('stryker-mocha-js.json'), '--json', '--hub', url, '--token', token, '--run-id', main], env);
    expect(up.code, up.err).toBe(1); // below score_fail: the analysis says so, the upload still happened
    expect(up.err).toContain(`uploaded to ${url}`);
    expect(JSON.parse(up.out).mutants_total).toBe(79);
    const stored = await app.inject({ method: 'GET', url: `/api/v1/runs/${main}/mutation`, headers: { authorization: `Bearer ${token}` } });
    expect(stored.statusCode).toBe(200);
    expect(stored.json().tests.resilience.mutants_total).toBe(79);

    const pr = await cli([
      'mutation',
      'report',
      fx('stryker-mocha-js-v2.json'),
      '--baseline',
      'main',
      '--repo',
      'acme/app',
      '--json',
      '--hub',
      url,
      '--token',
      token,
    ]);
    const j = JSON.parse(pr.out);
    expect(j.baseline.source).toBe(`main@${main}`);
    expect(j.delta_vs_main).toBeCloseTo(57 / 78 - 41 / 79, 12);
    expect(j.comparison.newly_killed).toHaveLength(17);
  });

  it('an unreachable hub does not hide the analysis', async () => {
    const r = await cli([
      'mutation',
      'report',
      fx('stryker-mocha-js-v2.json'),
      '--hub',
      'http://127.0.0.1:9',
      '--token',
      't',
      '--run-id',
      '22222222-2222-4222-8222-222222222222',
    ]);
    expect(r.out).toContain('resilience 73.1%');
    expect(r.err).toContain('E_HUB_UNREACHABLE');
    expect(r.code).toBe(2);
  }, 60_000);
});
