// Browser test of the pillars' designed pages on a `serve --demo` hub (the same seeding code, a
// smaller history), in Debian's Chromium: the Tests page lists flaky tests with no repository
// chosen, the Mutation page draws the control chart over every point, the Cache page's figures
// equal SQL over cache_events, the Chaos page's trial count equals SQL over chaos_results, the Reproducible builds page's figures equal SQL over repro_results, the Scheduler page draws predicted vs actual and its runners to keep warm agree with SQL, a failed run's log marks its root cause's evidence line and a click
// on the cause pages the log to it (a log of 2,400+ lines with ANSI colours, uploaded here), and no
// page — for all repositories or one — shows a raw float of more than 4 significant digits or a
// raw ISO timestamp (the log and code excerpts, the user's own text, excepted).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesize } from '../core/synth/generate.js';
import { createToken } from '../core/tokens.js';
import { bytes, dur, pct } from '../core/web/format.js';
import { DEMO, pillars } from '../../test/support/assembled.js';
import { built, demoInChromium, haveChromium, loaded } from '../../test/support/chromium.js';
import { capturingCli } from '../../test/support/hub-app.js';
import type { TestHub } from '../../test/support/stores.js';
import { scoreboard } from '../pillars/scoreboard/store.js';
import { parseWeek } from '../pillars/scoreboard/week.js';

const NOW = new Date('2026-04-01T08:00:00Z');
const SIZE = { days: 10, runsPerDay: 10 };
const FILLER = 2400;

/** Visible text of #main outside [data-raw] (logs, code): floats over 4 significant digits and ISO times in it. */
async function rawNumbers(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    // Runs in the page: its DOM (the Node test's tsconfig has no DOM types).
    const doc = (globalThis as any).document;
    const out: string[] = [];
    const walker = doc.createTreeWalker(doc.querySelector('#main'), 4 /* NodeFilter.SHOW_TEXT */);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest('[data-raw]') || !el.checkVisibility()) continue;
      const text: string = n.textContent ?? '';
      if (/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) out.push(`ISO time: ${text.slice(0, 80)}`);
      // Money is shown to the cent ($1,234.56): a currency amount, not a measured float.
      for (const m of text.matchAll(/(?<![\w.,$])\d+\.\d+(?![\w.])/g)) {
        const digits = m[0].replace('.', '').replace(/^0+/, '');
        if (digits.length > 4) out.push(`float: ${m[0]} in ${text.slice(0, 80)}`);
      }
    }
    return out;
  });
}

describe.skipIf(!haveChromium || !built)('the designed pages of serve --demo in Chromium', () => {
  let hub: TestHub;
  let ui: Awaited<ReturnType<typeof demoInChromium>>;
  let page: Page;
  let base: string;
  const extras = synthesize({ ...DEMO, ...SIZE, end: NOW, pillars }).extras as { autopsy: Array<{ run_id: string; job: string }> };

  beforeAll(async () => {
    ui = await demoInChromium(NOW, SIZE);
    ({ hub, base, page } = ui);
  }, 600_000);

  afterAll(async () => ui?.close());

  it('every page, for all repositories or one, shows formatted numbers and local times only', async () => {
    await page.goto(`${base}/`);
    await loaded(page);
    const ids = await page.locator('#nav a').evaluateAll((as) => as.map((a) => a.getAttribute('data-page')!));
    expect(ids).toEqual(expect.arrayContaining(['overview', 'tests', 'mutation', 'cache']));
    const repo = (await sql<{ repo: string }>`select min(repo) as repo from runs`.execute(hub.db)).rows[0]!.repo;
    const failed = extras.autopsy.at(-1)!.run_id;
    const urls = [...ids.flatMap((id) => [`/?page=${id}`, `/?page=${id}&repo=${encodeURIComponent(repo)}`]), `/?page=run&id=${failed}`];
    const found: string[] = [];
    for (const url of urls) {
      await page.goto(`${base}${url}`);
      await loaded(page);
      expect(await page.locator('[data-testid="error"]').count(), url).toBe(0);
      found.push(...(await rawNumbers(page)).map((x) => `${url}: ${x}`));
    }
    expect(found).toEqual([]);
  });

  it('Tests, no repository chosen: the flaky board lists flaky tests of several repositories, each with its history strip', async () => {
    await page.goto(`${base}/?page=tests`);
    await loaded(page);
    const rows = page.locator('[data-testid="table-flaky-board"] tbody tr');
    expect(await rows.count()).toBeGreaterThan(1);
    const repos = await rows.locator('td[data-col="repo"]').evaluateAll((tds) => [...new Set(tds.map((td) => td.getAttribute('data-value')))]);
    expect(repos.length).toBeGreaterThan(1);
    expect(await rows.first().locator('.strip .cell.flaky').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="chart-flake-trend"] canvas').count()).toBe(1);
  });

  it('Mutation: the control chart is drawn over every main-branch point of the repository', async () => {
    await page.goto(`${base}/?page=mutation`);
    await loaded(page);
    const c = page.locator('[data-testid="chart-resilience-control"]');
    expect(await c.locator('canvas').count()).toBe(1);
    const [t] = (
      await sql<{ repo: string; n: number }>`select repo, count(*)::int as n from mutation_trends group by repo order by n desc, repo limit 1`.execute(hub.db)
    ).rows;
    expect(Number(await c.getAttribute('data-points'))).toBe(t!.n);
    expect(await page.locator('[data-testid="chart-resilience-coverage"] canvas').count()).toBe(1);
    // A file of the report: its source with the lines of undetected mutants marked, as listed below it.
    const file = await page.locator('[data-testid="table-mutation-files"] tbody tr td[data-col="file"]').first().getAttribute('data-value');
    await page.locator('[data-testid="table-mutation-files"] tbody tr').first().click();
    await page.waitForURL((u) => u.searchParams.get('file') === file);
    await loaded(page);
    const marked = await page
      .locator('[data-testid="log-mutant-file"] .log-line.evidence')
      .evaluateAll((ls) => ls.map((l) => Number(l.getAttribute('data-line'))));
    const listed = await page
      .locator('[data-testid="table-mutant-list"] td[data-col="line"]')
      .evaluateAll((tds) => [...new Set(tds.map((td) => Number(td.getAttribute('data-value'))))].sort((a, b) => a - b));
    expect(marked.length).toBeGreaterThan(0);
    expect(marked).toEqual(listed);
  });

  it('Cache: hit ratio, bytes served, build time saved and rebuild cost equal SQL over cache_events', async () => {
    await page.goto(`${base}/?page=cache&window=7`);
    await loaded(page);
    const since = new Date(NOW.getTime() - 7 * 86_400_000);
    const [c] = (
      await sql<{ hits: number; misses: number; served: number; saved: number; built: number }>`select (count(*) filter (where kind = 'hit'))::int as hits,
        (count(*) filter (where kind = 'miss'))::int as misses, coalesce(sum(bytes) filter (where kind = 'hit'), 0)::float8 as served,
        coalesce(sum(task_ms) filter (where kind = 'hit'), 0)::float8 as saved, coalesce(sum(task_ms) filter (where kind = 'put'), 0)::float8 as built
        from cache_events where at >= ${since} and at <= ${NOW}`.execute(hub.db)
    ).rows;
    expect(c!.hits).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="kpi-hit-ratio"] .value').innerText()).toBe(pct(c!.hits / (c!.hits + c!.misses)));
    expect(await page.locator('[data-testid="kpi-bytes-saved"] .value').innerText()).toBe(bytes(c!.served));
    expect(c!.saved).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="kpi-time-saved"] .value').innerText()).toBe(dur(c!.saved));
    expect(await page.locator('[data-testid="kpi-rebuild-cost"] .value').innerText()).toBe(dur(c!.built));
    expect(await page.locator('[data-testid="chart-cache-hit-ratio"] canvas').count()).toBe(1);
    expect(await page.locator('[data-testid="table-cache-namespaces"] tbody tr').count()).toBeGreaterThan(1);
  });

  it('Compliance: open errors and warnings equal SQL over policy_violations; the chosen repository shows its trend and open findings', async () => {
    await page.goto(`${base}/?page=compliance`);
    await loaded(page);
    const [v] = (
      await sql<{ errors: number; warnings: number; repos: number }>`select (count(*) filter (where fixed_in is null and severity = 'error'))::int as errors,
        (count(*) filter (where fixed_in is null and severity = 'warning'))::int as warnings, (select count(distinct repo) from policy_checks)::int as repos
        from policy_violations`.execute(hub.db)
    ).rows;
    expect(v!.errors).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="kpi-open-errors"] .value').innerText()).toBe(v!.errors.toLocaleString('en-US'));
    expect(await page.locator('[data-testid="kpi-open-warnings"] .value').innerText()).toBe(v!.warnings.toLocaleString('en-US'));
    expect(await page.locator('[data-testid="table-compliance-repos"] tbody tr').count()).toBe(v!.repos);
    // The repository with the most open errors is shown first: its open rows are the SQL's.
    const worst = (
      await sql<{ repo: string; n: number }>`select repo, count(*) filter (where fixed_in is null)::int as n from policy_violations group by repo
        order by count(*) filter (where fixed_in is null and severity = 'error') desc, count(*) filter (where fixed_in is null and severity = 'warning') desc, repo limit 1`.execute(
        hub.db,
      )
    ).rows[0]!;
    expect(await page.locator('[data-testid="table-compliance-open"] tbody tr').count()).toBe(worst.n);
    expect(await page.locator('[data-testid="chart-compliance-trend"] canvas').count()).toBe(1);
    expect(Number(await page.locator('[data-testid="chart-compliance-trend"]').getAttribute('data-points'))).toBe(
      (
        await sql<{
          n: number;
        }>`select count(*)::int as n from policy_checks where repo = ${worst.repo} and checked_at >= ${new Date(NOW.getTime() - 90 * 86_400_000)}`.execute(
          hub.db,
        )
      ).rows[0]!.n,
    );
  });

  it('Infrastructure: persistent drift per environment equals SQL over the drift checks; the DORA page carries the drift panel', async () => {
    await page.goto(`${base}/?page=infra`);
    await loaded(page);
    // Drift persists where the last two checks of the window both found drifted items.
    const envs = (
      await sql<{ repo: string; env: string; last2: number[] }>`select repo, env, (array_agg(drifted order by observed_at desc, id desc))[1:2] as last2
        from replay_records where kind = 'drift' and observed_at >= ${new Date(NOW.getTime() - 30 * 86_400_000)} group by repo, env order by repo, env`.execute(
        hub.db,
      )
    ).rows;
    const persisting = envs.filter((e) => e.last2.length === 2 && e.last2.every((n) => n > 0)).map((e) => `${e.repo} ${e.env}`);
    expect(persisting.length, 'the demo has persistent drift').toBeGreaterThan(0);
    expect(persisting.length, 'and environments without it').toBeLessThan(envs.length);
    const rows = page.locator('[data-testid="table-replay-drift"] tbody tr');
    expect(await rows.count()).toBe(envs.length);
    const shown: string[] = [];
    for (const r of await rows.all())
      if ((await r.locator('td[data-col="state"]').innerText()) === 'drift persists')
        shown.push(`${await r.locator('td[data-col="repo"]').innerText()} ${await r.locator('td[data-col="environment"]').innerText()}`);
    expect(shown.sort()).toEqual(persisting.sort());
    expect(await page.locator('[data-testid="kpi-drift-persists"] .value').innerText()).toBe(String(persisting.length));
    expect(await page.locator('[data-testid="chart-replay-drift-trend"] canvas').count()).toBe(1);
    await page.goto(`${base}/?page=dora`);
    await loaded(page);
    const panel = page.locator('[data-testid="panel-replay-drift"]');
    expect(await panel.locator('[data-testid="kpi-replay-drift-drift_persists_in"] .value').innerText()).toBe(String(persisting.length));
  });

  it('Chaos: the trial count equals SQL over chaos_results in the window; the score chart is drawn', async () => {
    await page.goto(`${base}/?page=chaos`);
    await loaded(page);
    const n = Number(
      (await sql<{ n: string }>`select count(*) as n from chaos_results where started_at >= ${new Date(NOW.getTime() - 30 * 86_400_000)}`.execute(hub.db))
        .rows[0]!.n,
    );
    expect(n, 'the demo has chaos trials (its run records carry chaos items)').toBeGreaterThan(0);
    expect(await page.locator('[data-testid="kpi-chaos-trials"] .value').innerText()).toBe(String(n));
    expect(await page.locator('[data-testid="chart-chaos-scores"] canvas').count()).toBe(1);
  });

  it('Scheduler: the runners to keep warm for the next hour agree with SQL over the same hour of earlier weeks (a quiet hour here)', async () => {
    await page.goto(`${base}/?page=scheduler`);
    await loaded(page);
    const slots = [1, 2, 3, 4].map((k) => new Date(NOW.getTime() - k * 7 * 86_400_000).toISOString());
    const jobs = (
      await sql<{ n: string }>`
        select count(*) as n from unnest(${slots}::timestamptz[]) as w(slot)
        join runs r on r.started_at >= w.slot and r.started_at < w.slot + interval '1 hour'
        join jobs j on j.run_id = r.run_id`.execute(hub.db)
    ).rows[0]!.n;
    // The demo's runs cluster in working hours: at 08:00 the hour ahead was quiet in earlier weeks.
    // (The counts, durations and warm runners of a busy slot are checked in the scheduler's hub tests.)
    expect(Number(jobs)).toBe(0);
    expect(await page.locator('[data-testid="table-scheduler-prewarm"]').innerText()).toContain('No job started in this hour of the last 4 weeks.');
    expect(await page.locator('[data-testid="chart-predicted-actual"] canvas').count()).toBe(1);
  });

  it('Reproducible builds: the rate, check count and drifting artifacts equal SQL over repro_results; the chart and latest verdicts are drawn', async () => {
    await page.goto(`${base}/?page=determinism`);
    await loaded(page);
    const since = new Date(NOW.getTime() - 90 * 86_400_000);
    const all = (
      await sql<{ n: string; ok: string; artifacts: string }>`
        select count(*) as n, count(*) filter (where verdict = 'reproducible') as ok, count(distinct (repo, artifact)) as artifacts
        from repro_results where checked_at >= ${since}`.execute(hub.db)
    ).rows[0]!;
    expect(Number(all.n), 'the demo has reproducibility checks').toBeGreaterThan(0);
    // The latest check per artifact that did not reproduce.
    const drifting = Number(
      (
        await sql<{ n: string }>`
          select count(*) as n from (
            select distinct on (repo, artifact) verdict from repro_results where checked_at >= ${since}
            order by repo, artifact, checked_at desc, commit desc) l
          where verdict <> 'reproducible'`.execute(hub.db)
      ).rows[0]!.n,
    );
    expect(drifting, 'the demo has drift that lasts').toBeGreaterThan(0);
    expect(await page.locator('[data-testid="kpi-determinism-rate"] .value').innerText()).toBe(pct(Math.round((1000 * Number(all.ok)) / Number(all.n)) / 1000));
    expect(await page.locator('[data-testid="kpi-determinism-checks"] .value').innerText()).toBe(String(Number(all.n)));
    expect(await page.locator('[data-testid="kpi-determinism-drifting"] .value').innerText()).toBe(String(drifting));
    expect(await page.locator('[data-testid="chart-determinism-rate"] canvas').count()).toBe(1);
    const rows = page.locator('[data-testid="table-determinism-artifacts"] tbody tr');
    expect(await rows.count()).toBe(Number(all.artifacts));
    // A drifting artifact's row names the classes of its latest check and the commit its drift began at.
    const first = (
      await sql<{ repo: string; artifact: string; classes: Record<string, number> }>`
        select distinct on (repo, artifact) repo, artifact, classes from repro_results where checked_at >= ${since}
        order by repo, artifact, checked_at desc, commit desc`.execute(hub.db)
    ).rows.find((r) => Object.keys(r.classes).length)!;
    const row = rows.filter({ has: page.locator(`td[data-col="repo"][data-value="${first.repo}"]`) }).filter({
      has: page.locator(`td[data-col="artifact"][data-value="${first.artifact}"]`),
    });
    expect(await row.locator('td[data-col="latest"]').innerText()).toBe('not reproducible');
    for (const c of Object.keys(first.classes)) expect(await row.locator('td[data-col="classes"]').innerText()).toContain(c);
    expect(await row.locator('td[data-col="first_drift_commit"]').innerText()).toMatch(/^[0-9a-f]{12}$/);
  });

  it('a failed run: a click on the root cause pages its long, coloured log to the evidence line, marked', async () => {
    const { run_id: runId, job } = extras.autopsy.at(-1)!;
    const token = (await createToken(hub.db, { repoPatterns: ['**'], scopes: ['read', 'ingest'], expiresAt: null })).token;
    const auth = { authorization: `Bearer ${token}` };
    const stored = await ui.app.inject({ method: 'GET', url: `/api/v1/runs/${runId}/jobs/${job}/logs`, headers: auth });
    expect(stored.statusCode).toBe(200);
    // The same log behind 2,400 coloured lines, as a second job of the run: its evidence lands on page 3.
    const filler = Array.from({ length: FILLER }, (_, i) => `\x1b[32m✓\x1b[0m step ${i + 1} done`).join('\n');
    const big = ui.app.inject({
      method: 'POST',
      url: `/api/v1/runs/${runId}/jobs/build-long/logs?failed=true`,
      headers: { ...auth, 'content-type': 'text/plain', 'content-encoding': 'gzip' },
      payload: gzipSync(Buffer.from(`${filler}\n${stored.body}`)),
    });
    const up = await big;
    expect(up.statusCode, up.body).toBe(200);
    const cause = up.json().root_causes[0] as { evidence: { line: number } };
    expect(cause.evidence.line).toBeGreaterThan(FILLER);

    await page.goto(`${base}/?page=run&id=${runId}`);
    await loaded(page);
    const log = page.locator('[data-testid="log-build-long"]');
    // The first cause's page is shown, its evidence line marked.
    expect(await log.locator(`.log-line.evidence[data-line="${cause.evidence.line}"]`).count()).toBe(1);
    expect(await log.locator('.log-line').count()).toBeLessThanOrEqual(1000);
    await log.getByRole('button', { name: '← earlier' }).click();
    await log.getByRole('button', { name: '← earlier' }).click();
    expect(await log.locator('.log-line[data-line="1"] .ansi-fg-2').innerText()).toBe('✓');
    await page.locator('[data-testid="cause-link-build-long-0"]').click();
    await page.waitForURL((u) => u.searchParams.get('line') === String(cause.evidence.line) && u.searchParams.get('job') === 'build-long');
    const row = log.locator(`.log-line[data-line="${cause.evidence.line}"]`);
    expect(await row.getAttribute('class')).toContain('focus');
    expect(await row.getAttribute('class')).toContain('evidence');
    expect(await row.isVisible()).toBe(true);
    // The URL alone opens the log at that line.
    await page.reload();
    await loaded(page);
    expect(await page.locator(`[data-testid="log-build-long"] .log-line.focus[data-line="${cause.evidence.line}"]`).count()).toBe(1);
  });

  it('a released run: its page shows the evidence bundle the hub stored — verdict, checks, pinned files by SHA-256, the JSON', async () => {
    const token = (await createToken(hub.db, { repoPatterns: ['**'], scopes: ['read', 'ingest'], expiresAt: null })).token;
    const runId = (await sql<{ run_id: string }>`select run_id::text from runs where status = 'success' order by run_id limit 1`.execute(hub.db)).rows[0]!
      .run_id;
    const prov = (f: string) => path.join(path.dirname(fileURLToPath(import.meta.url)), '../pillars/supply-chain/fixtures/provenance', f);
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-run-evidence-'));
    try {
      // The signed npm release of the supply-chain fixtures, built into a bundle for this run and uploaded by the CLI.
      const b = await capturingCli({ now: () => NOW, cwd: tmp })([
        ...['evidence', 'build', '--run', runId, '--out', path.join(tmp, 'evidence.json'), '--artifact', prov('shop-api-1.0.0.tgz')],
        ...['--bundle', prov('shop-api-1.0.0.sigstore.json'), '--trusted-root', prov('trusted_root.json'), '--source-uri', 'github.com/shop/shop-api'],
        ...[
          '--certificate-identity',
          '^https://github\\.com/shop/shop-api/',
          '--certificate-oidc-issuer',
          '^https://token\\.actions\\.githubusercontent\\.com$',
        ],
        ...['--hub', base, '--token', token],
      ]);
      expect(b.code, b.err).toBe(0);
      const written = readFileSync(path.join(tmp, 'evidence.json'), 'utf8');
      const doc = JSON.parse(written) as { verification: { checks: { check: string; reason: string }[] }; files: { role: string; sha256: string }[] };

      await page.goto(`${base}/?page=run&id=${runId}`);
      await loaded(page);
      const card = page.locator('[data-testid="evidence"]');
      expect(await card.locator('[data-testid="kpi-evidence-verified"] .value').innerText()).toBe('pass');
      expect(await card.locator('[data-testid="kpi-evidence-sha256"] .value').getAttribute('data-value')).toBe(
        createHash('sha256').update(written).digest('hex'),
      );
      const col = (table: string, c: string) =>
        card.locator(`[data-testid="table-${table}"] td[data-col="${c}"]`).evaluateAll((tds) => tds.map((td) => td.textContent));
      expect(await col('evidence-checks', 'check')).toEqual(doc.verification.checks.map((c) => c.check));
      expect(await col('evidence-checks', 'pass')).toEqual(doc.verification.checks.map(() => 'pass'));
      expect(await col('evidence-checks', 'reason')).toEqual(doc.verification.checks.map((c) => c.reason));
      expect(await col('evidence-files', 'role')).toEqual(['artifact', 'signature', 'trusted_root']);
      expect(
        await card.locator('[data-testid="table-evidence-files"] td[data-col="sha256"]').evaluateAll((tds) => tds.map((td) => td.getAttribute('data-value'))),
      ).toEqual(doc.files.map((f) => f.sha256));
      expect(await card.locator('[data-testid="evidence-rekor"]').innerText()).toMatch(/^Transparency log entry \d+ \([0-9a-f]{16}…\), integrated /);
      // The JSON link saves the bundle as stored, byte for byte.
      const [file] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="link-evidence-json"]')]);
      expect(file.suggestedFilename()).toBe(`evidence-${runId}.json`);
      expect(readFileSync((await file.path())!, 'utf8')).toBe(written);
      expect(await rawNumbers(page)).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('Scorecard: a row per service with DORA bands, policy results and trends, exported as CSV and as printable HTML', async () => {
    await page.goto(`${base}/?page=scorecard`);
    await loaded(page);
    const repos = (await sql<{ repo: string }>`select distinct repo from runs order by 1`.execute(hub.db)).rows.map((r) => r.repo);
    const shown = await page
      .locator('[data-testid="table-scorecard"] td[data-col="repo"]')
      .evaluateAll((tds) => tds.map((td) => td.getAttribute('data-value')));
    expect(shown).toEqual(repos);
    expect(await page.locator('[data-testid="table-scorecard"] td[data-col="deployment_frequency"] [data-band]').count()).toBe(repos.length);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="scorecard-csv"]')]);
    const lines = readFileSync((await csv.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(lines[0]).toMatch(/^service,deployment_frequency_per_day,deployment_frequency_band,/);
    // The compliance snapshot: policy decisions per service, in the table and the export.
    expect(lines[0]).toContain(',security_score,policy_deny,policy_warn,security_sarif_errors,');
    expect(await page.locator('[data-testid="table-scorecard"] td[data-col="security"]').first().innerText()).toMatch(/^\d+ deny · \d+ warn|^–$/);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(repos);
    const [html] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="scorecard-html"]')]);
    const doc = readFileSync((await html.path())!, 'utf8');
    expect(doc).toMatch(/^<!doctype html>/);
    for (const r of repos) expect(doc).toContain(r);
  });

  it('Scoreboard: the week ranks the teams as the store scores them; the previous-week link moves one week back', async () => {
    // serve --demo with no scoreboard.teams: every owner takes part as a team.
    const board = await scoreboard(hub, parseWeek('2026-W13'));
    expect(board.teams.length).toBeGreaterThan(1);
    await page.goto(`${base}/?page=scoreboard&week=2026-W13`);
    await loaded(page);
    expect(await page.locator('h1').innerText()).toBe('Scoreboard, week 2026-W13');
    const cells = (col: string, id = 'scoreboard-teams') =>
      page.locator(`[data-testid="table-${id}"] td[data-col="${col}"]`).evaluateAll((tds) => tds.map((td) => td.getAttribute('data-value')));
    expect(await cells('name')).toEqual(board.teams.map((t) => t.name));
    expect((await cells('points')).map(Number)).toEqual(board.teams.map((t) => t.points));
    expect(await cells('name', 'scoreboard-people')).toEqual(board.people.map((p) => p.name));
    expect(await page.locator('[data-testid="table-scoreboard-awards"] tbody tr').count()).toBe(board.awards.length);
    expect(await page.locator('[data-testid="how"] li').count()).toBe(7);
    await page.click('[data-testid="week-previous"]');
    await loaded(page);
    expect(await page.locator('h1').innerText()).toBe('Scoreboard, week 2026-W12');
  });

  it('Commit to deploy: the waterfall of a change shows the API’s segments (bars to scale), DORA lead time, cost and CO2e', async () => {
    const inPage = (url: string): Promise<any> => page.evaluate(async (u) => (await fetch(u)).json(), url);
    // The metrics pillar materializes lead times in the background under serve: wait for them.
    await expect.poll(async () => (await inPage('/api/v1/changes')).changes.length, { timeout: 120_000 }).toBeGreaterThan(0);
    await page.goto(`${base}/?page=change`);
    await loaded(page);
    const first = page.locator('[data-testid="table-changes"] tbody tr').first();
    const sha = await first.locator('td[data-col="sha"]').getAttribute('data-value');
    await first.click();
    await page.waitForURL((u) => u.searchParams.get('sha') === sha);
    await loaded(page);
    const repo = new URL(page.url()).searchParams.get('repo')!;
    const c = await inPage(`/api/v1/repos/${repo}/changes/${sha}/trace`);
    expect(c.segments.length).toBeGreaterThanOrEqual(3);
    const rows = page.locator('[data-testid="waterfall"] .wf-row');
    expect(await rows.evaluateAll((rs) => rs.map((r) => [r.getAttribute('data-testid'), Number(r.getAttribute('data-seconds'))]))).toEqual(
      c.segments.map((s: { id: string; seconds: number }) => [`segment-${s.id}`, s.seconds]),
    );
    expect(await rows.locator('.wf-dur').allInnerTexts()).toEqual(c.segments.map((s: { seconds: number }) => dur(s.seconds * 1000)));
    // Each bar's width on screen is its share of author → production (to a pixel; bars are at least 1 px).
    const track = (await rows.first().locator('.wf-track').boundingBox())!;
    const widths = await rows.locator('.wf-bar').evaluateAll((bs) => bs.map((b) => b.getBoundingClientRect().width));
    c.segments.forEach((s: { seconds: number }, i: number) =>
      expect(Math.abs(widths[i]! - Math.max(1, (s.seconds / c.total_s) * track.width))).toBeLessThan(1.5),
    );
    expect(await page.locator('[data-testid="kpi-lead-time"] .value').getAttribute('data-value')).toBe(String(c.lead_time_s));
    expect(await page.locator('[data-testid="kpi-lead-time"] .value').innerText()).toBe(dur(c.lead_time_s * 1000));
    expect(await page.locator('[data-testid="kpi-total"] .value').innerText()).toBe(dur(c.total_s * 1000));
    expect(await page.locator('[data-testid="kpi-cost"] .value').getAttribute('data-value')).toBe(String(c.cost.usd));
    expect(await page.locator('[data-testid="kpi-co2e"] .value').getAttribute('data-value')).toBe(String(c.cost.co2e_g));
    expect(await page.locator('[data-testid="table-change-runs"] tbody tr').count()).toBe(c.runs.length);
  });

  it('Data quality: a freshness breach of a `fail` gate after a load shows on the page, as on /metrics', async () => {
    // Gates as ci-intel.yml would declare them: the newest run at most a minute old.
    hub.config.pillars = {
      ...hub.config.pillars,
      dataQuality: {
        contractTests: { uniqueRunId: 'fail', acceptedStatus: 'fail', releaseEvidence: 'warn' },
        gates: [{ name: 'runs-fresh', target: 'pipeline_runs_all', kind: 'freshness', column: 'ended_at', max: 60, window: '1d', severity: 'fail' }],
      },
    };
    const token = (await createToken(hub.db, { repoPatterns: ['**'], scopes: ['read', 'ingest'], expiresAt: null })).token;
    const [rec] = synthesize({ repos: 1, days: 1, runsPerDay: 1, seed: 25, end: new Date(NOW.getTime() - 3_600_000) }).records;
    const res = await ui.app.inject({
      method: 'POST',
      url: '/api/v1/runs',
      payload:
        JSON.stringify({ ...rec, ended_at: new Date(NOW.getTime() - 3_600_000).toISOString(), started_at: new Date(NOW.getTime() - 3_700_000).toISOString() }) +
        '\n',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${token}` },
    });
    const breach = res.json().data_quality.breaches.find((b: { check: string }) => b.check === 'runs-fresh');
    expect(breach).toMatchObject({ severity: 'fail', passed: false, threshold: 60 });
    const metrics = (await ui.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } })).body;
    expect(metrics).toContain('ci_intel_data_quality_breach{check="runs-fresh",target="pipeline_runs_all",severity="fail"} 1');

    await page.goto(`${base}/?page=data-quality`);
    await loaded(page);
    const panel = page.locator('[data-testid="panel-dq-checks"]');
    expect(await panel.locator('[data-testid="kpi-dq-checks-failing"] .value').innerText()).toBe('1');
    const row = panel.locator('[data-testid="table-dq-checks-checks"] tbody tr', { hasText: 'runs-fresh' });
    expect(await row.count()).toBe(1);
    expect(await row.locator('td[data-col="passed"]').innerText()).toBe('no');
    expect(await row.locator('td[data-col="message"]').innerText()).toBe(breach.message);
    expect(await rawNumbers(page)).toEqual([]);
  });
  it('SQL: a query typed and run shows the rows the API answers, a refused statement shows the refusal, a saved query opens by its link', async () => {
    const ask = (sqlText: string) => ui.app.inject({ method: 'POST', url: '/api/v1/sql', payload: { sql: sqlText } });
    const query = 'SELECT repo, count(*) AS runs FROM sql_runs GROUP BY repo ORDER BY repo';
    const answer = (await ask(query)).json() as { rows: Array<{ repo: string; runs: number | string }> };
    expect(answer.rows.length).toBeGreaterThan(1);
    const shown = async () => {
      await page.locator('[data-testid="sql-result"][data-state="done"]').waitFor();
      return page
        .locator('[data-testid="table-sql-rows"] tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    };
    const expected = answer.rows.map((r) => [r.repo, String(r.runs)]);

    await page.goto(`${base}/?page=sql`);
    await loaded(page);
    expect(await page.locator('[data-testid="sql-view-sql_runs"]').count()).toBe(1);
    await page.locator('[data-testid="sql-editor"]').fill(query);
    await page.locator('[data-testid="sql-run"]').click();
    expect(await shown()).toEqual(expected);
    expect(await page.locator('[data-testid="sql-count"]').innerText()).toBe(`${answer.rows.length} rows`);

    const refused = await ask('SELECT 1; DROP TABLE runs');
    expect(refused.statusCode).toBe(403);
    await page.locator('[data-testid="sql-editor"]').fill('SELECT 1; DROP TABLE runs');
    await page.locator('[data-testid="sql-run"]').click();
    await page.locator('[data-testid="sql-result"][data-state="done"]').waitFor();
    expect(await page.locator('[data-testid="sql-error"]').innerText()).toBe(refused.json().error.message);

    const saved = (await ui.app.inject({ method: 'POST', url: '/api/v1/sql/saved', payload: { sql: query, title: 'Runs per repository' } })).json() as {
      url: string;
    };
    await page.goto(`${base}${saved.url}`);
    await loaded(page);
    expect(await page.locator('h1').innerText()).toBe('SQL · Runs per repository');
    expect(await shown()).toEqual(expected);
  });
});
