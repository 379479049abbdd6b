// Budgets as data (which budgets hold a PR, lines, overrides and their expiry), then end to end
// through the assembled CLI on a PGlite store: runs of two PRs ingested with their cost and CO2e,
// `gate budget` blocking, passing under budget, passing with an override (audited, its use
// recorded), blocking again once it expired (injected clock), and one PR's override not letting
// another through.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pillars, runCli } from '../../../../test/support/assembled.js';
import type { BudgetConfig } from '../config.js';
import type { AuditedOverride } from './store.js';
import { prRun } from './test-runs.js';
import { capOf } from './concurrency.js';
import { budgetsFor, budgetVerdict, lineText, type Override, type PipelineSpend } from './verdict.js';

const NOW = new Date('2026-12-06T12:00:00Z');
const spend = (workflow: string, usd: number | null, co2e_g: number | null, runs = 1): PipelineSpend => ({
  workflow,
  runs,
  usd,
  cpu_s: null,
  gpu_s: null,
  co2e_g,
});
const override = (over: Partial<Override> = {}): Override => ({
  override_id: 'o1',
  repo: 'acme/shop',
  pr: 12,
  reason: 'release load tests',
  created_by: 'alice',
  created_at: '2026-12-06T10:00:00.000Z',
  expires_at: '2026-12-13T10:00:00.000Z',
  source: 'cli',
  ...over,
});

describe('budget verdicts', () => {
  const budgets: BudgetConfig[] = [
    { repo: '**', usd: 10 },
    { repo: 'acme/*', usd: 5, co2eGrams: 100 },
    { repo: 'acme/shop', workflow: 'gpu', gpuSeconds: 600 },
    { repo: 'acme/shop', pr: 7, usd: 50, co2eGrams: 100 },
  ];

  it('the most specific budget of each pipeline applies: the PR’s own over the repository’s over a pattern', () => {
    expect(budgetsFor(budgets, 'acme/shop', 12).map((x) => x.index)).toEqual([1, 2]);
    expect(budgetsFor(budgets, 'acme/shop', 7).map((x) => x.index)).toEqual([2, 3]);
    expect(budgetsFor(budgets, 'other/app', 1).map((x) => x.index)).toEqual([0]);
    expect(budgetsFor([{ repo: 'acme/shop', usd: 1 }], 'acme/web', 1)).toEqual([]);
  });

  it('blocks over budget, names each figure and limit; passes under it; no data is not zero', () => {
    const v = budgetVerdict({ repo: 'acme/web', pr: 12, budgets, spend: [spend('ci', 4.5, 80), spend('nightly', 1.25, 30)], overrides: [], now: NOW });
    expect(v.pass).toBe(false);
    expect(v.lines.map(lineText)).toEqual([
      'OVER  acme/* all pipelines: cost 5.75 USD of 5.00 USD (115 %), 2 runs',
      'OVER  acme/* all pipelines: carbon 110 g CO2e of 100 g CO2e (110 %), 2 runs',
    ]);
    expect(v.worst).toBeCloseTo(1.15);
    expect(v.reason).toBe(
      'acme/web #12 is over budget: cost 5.75 USD of 5.00 USD (acme/* all pipelines), carbon 110 g CO2e of 100 g CO2e (acme/* all pipelines); ' +
        'no override (ci-intel budget override --repo acme/web --pr 12 --reason WHY --by YOU --expires 7d)',
    );
    const under = budgetVerdict({ repo: 'acme/web', pr: 12, budgets, spend: [spend('ci', 4.5, null)], overrides: [], now: NOW });
    expect(under.pass).toBe(true);
    expect(under.lines.map((l) => l.spent)).toEqual([4.5, null]);
    expect(under.reason).toBe('acme/web #12 is within its budgets (highest: cost 4.50 USD of 5.00 USD)');
    expect(budgetVerdict({ repo: 'acme/web', pr: 12, budgets, spend: [], overrides: [], now: NOW }).reason).toBe(
      'no runs of acme/web #12 recorded: nothing spent yet',
    );
    // A pipeline budget counts only that pipeline's runs.
    const gpu = budgetVerdict({
      repo: 'acme/shop',
      pr: 7,
      budgets,
      spend: [{ ...spend('gpu', 1, 1), gpu_s: 900 }, spend('ci', 1, 1)],
      overrides: [],
      now: NOW,
    });
    expect(gpu.lines.filter((l) => l.over).map(lineText)).toEqual(['OVER  acme/shop pipeline gpu: GPU time 900 GPU-seconds of 600 GPU-seconds (150 %), 1 run']);
  });

  it('an override lets only its own PR through, and only until it expires', () => {
    const over = [spend('ci', 9, 10)];
    const base = { repo: 'acme/shop', budgets, spend: over };
    const ok = budgetVerdict({ ...base, pr: 12, overrides: [override()], now: NOW });
    expect(ok).toMatchObject({ pass: true, override: { override_id: 'o1' } });
    expect(ok.reason).toBe(
      'acme/shop #12 is over budget: cost 9.00 USD of 5.00 USD (acme/* all pipelines); let through by the override of alice until 2026-12-13 10:00 UTC: release load tests',
    );
    expect(budgetVerdict({ ...base, pr: 13, overrides: [override()], now: NOW }).pass).toBe(false);
    expect(budgetVerdict({ ...base, pr: 12, overrides: [override({ repo: 'acme/web' })], now: NOW }).pass).toBe(false);
    const late = budgetVerdict({ ...base, pr: 12, overrides: [override()], now: new Date('2026-12-13T10:00:00Z') });
    expect(late.pass).toBe(false);
    expect(late.reason).toMatch(/; the override of alice expired 2026-12-13 10:00 UTC$/);
  });

  it('the concurrency cap of a repository is its most specific entry', () => {
    const caps = [
      { repo: '**', maxRuns: 20 },
      { repo: 'acme/*', maxRuns: 8 },
      { repo: 'acme/shop', maxRuns: 4 },
    ];
    expect(['acme/shop', 'acme/web', 'other/app'].map((r) => capOf(caps, r))).toEqual([4, 8, 20]);
    expect(capOf([], 'acme/shop')).toBeNull();
    expect(() => capOf([{ repo: 'a//b', maxRuns: 1 }], 'a/b')).toThrow(expect.objectContaining({ where: 'ci-intel.yml: /delivery/concurrency/0/repo' }));
  });

  it('a budget without a limit is a configuration error naming its place', () => {
    expect(() => budgetVerdict({ repo: 'a/b', pr: 1, budgets: [{ repo: 'a/b' }], spend: [], overrides: [], now: NOW })).toThrow(
      expect.objectContaining({ code: 'E_CONFIG_INVALID', where: 'ci-intel.yml: /delivery/budgets/0' }),
    );
  });
});

describe('ci-intel gate budget / budget override', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-budget-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const db = path.join(tmp, 'db');
  const config = path.join(tmp, 'ci-intel.yml');
  writeFileSync(config, 'delivery:\n  budgets:\n    - repo: "acme/*"\n      usd: 5\n      co2eGrams: 100\n');
  const cli = async (args: string[], now = NOW) => {
    let out = '';
    let err = '';
    const code = await runCli(
      [...args, '--db', db, '--data-dir', tmp, '--config', config],
      { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, now: () => now, cwd: tmp },
      pillars,
    );
    return { code, out, err };
  };
  // PR 12 spends 3 + 3.5 USD, PR 13 spends 2 USD.
  const runOf = (n: number, pr: number, usd: number, co2e: number) => prRun(n, 'acme/shop', pr, usd, co2e);

  it('blocks over budget, passes with an override for that PR only, blocks again once it expired; the audit keeps who, when, why and each use', async () => {
    const runs = path.join(tmp, 'runs.ndjson');
    writeFileSync(runs, [runOf(1, 12, 3, 40), runOf(2, 12, 3.5, 30), runOf(3, 13, 2, 10)].join('\n') + '\n');
    expect((await cli(['ingest', runs])).code).toBe(0);

    const blocked = await cli(['gate', 'budget', '--pr', '12', '--repo', 'acme/shop']);
    expect(blocked.code).toBe(1);
    expect(blocked.out.split('\n')).toEqual([
      'OVER  acme/* all pipelines: cost 6.50 USD of 5.00 USD (130 %), 2 runs',
      'ok    acme/* all pipelines: carbon 70 g CO2e of 100 g CO2e (70 %), 2 runs',
      // Reported, not gated: no cap is configured for acme/shop; its three runs overlapped.
      'cap   acme/shop: no concurrency cap; at most 3 seen at once (2026-12-05 10:00 UTC, last 30 days)',
      'FAIL gate=budget value=1.3 max=1 repo=acme/shop pr=12 reason="acme/shop #12 is over budget: cost 6.50 USD of 5.00 USD (acme/* all pipelines); ' +
        'no override (ci-intel budget override --repo acme/shop --pr 12 --reason WHY --by YOU --expires 7d)"',
      '',
    ]);
    const under = await cli(['gate', 'budget', '--pr', '13', '--repo', 'acme/shop']);
    expect(under.code).toBe(0);
    expect(under.out).toContain(
      'PASS gate=budget value=0.4 max=1 repo=acme/shop pr=13 reason="acme/shop #13 is within its budgets (highest: cost 2.00 USD of 5.00 USD)"',
    );

    const made = await cli(['budget', 'override', '--repo', 'acme/shop', '--pr', '12', '--reason', 'release load tests', '--by', 'alice', '--expires', '2d']);
    expect(made.code, made.err).toBe(0);
    expect(made.out).toMatch(/^override [0-9a-f-]{36}: acme\/shop #12 may exceed its budgets until 2026-12-08 12:00 UTC \(by alice: release load tests\)\n$/);

    const later = new Date('2026-12-07T09:30:00Z');
    const let_ = await cli(['gate', 'budget', '--pr', '12', '--repo', 'acme/shop', '--by', 'ci-bot'], later);
    expect(let_.code).toBe(0);
    expect(let_.out).toMatch(
      /^PASS gate=budget value=1.3 max=1 repo=acme\/shop pr=12 override=[0-9a-f-]{36} reason=".*let through by the override of alice until 2026-12-08 12:00 UTC: release load tests"$/m,
    );

    // PR 13 goes over too: PR 12's override does not let it through.
    writeFileSync(runs, runOf(4, 13, 4, 10) + '\n');
    expect((await cli(['ingest', runs])).code).toBe(0);
    const other = await cli(['gate', 'budget', '--pr', '13', '--repo', 'acme/shop'], later);
    expect(other.code).toBe(1);
    expect(other.out).toContain('FAIL gate=budget value=1.2 max=1 repo=acme/shop pr=13');

    const expired = await cli(['gate', 'budget', '--pr', '12', '--repo', 'acme/shop'], new Date('2026-12-08T12:00:01Z'));
    expect(expired.code).toBe(1);
    expect(expired.out).toContain('; the override of alice expired 2026-12-08 12:00 UTC"');

    const audit = await cli(['budget', 'overrides', '--repo', 'acme/shop', '--json']);
    const rows = audit.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditedOverride);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      repo: 'acme/shop',
      pr: 12,
      reason: 'release load tests',
      created_by: 'alice',
      created_at: '2026-12-06T12:00:00.000Z',
      expires_at: '2026-12-08T12:00:00.000Z',
      source: 'cli',
      uses: [{ used_at: '2026-12-07T09:30:00.000Z', used_by: 'ci-bot', over: [{ metric: 'usd', spent: 6.5, limit: 5, budget: 'acme/* all pipelines' }] }],
    });
    const text = await cli(['budget', 'overrides'], new Date('2026-12-09T00:00:00Z'));
    expect(text.out).toContain(
      'acme/shop #12  by alice (cli)  until 2026-12-08 12:00 UTC [expired]  release load tests\n    used 2026-12-07T09:30:00.000Z by ci-bot\n',
    );
  });

  it('bad input exits 2 naming the option', async () => {
    const noPr = await cli(['gate', 'budget', '--repo', 'acme/shop']);
    expect(noPr.code).toBe(2);
    expect(noPr.err).toContain('which pull request? give --pr N');
    const past = await cli(['budget', 'override', '--repo', 'acme/shop', '--pr', '1', '--reason', 'x', '--by', 'a', '--expires', '2020-01-01']);
    expect(past.code).toBe(2);
    expect(past.err).toContain('--expires 2020-01-01 is not in the future');
    expect((await cli(['gate', 'budget', '--pr', 'x', '--repo', 'acme/shop'])).err).toContain('--pr "x" is not valid');
  });
});
