// README badges on PGlite and PostgreSQL, with every pillar registered: each metric's SVG from
// data sent the way CI sends it (NDJSON records, JUnit uploads), colours by threshold, "unknown"
// without data, public repositories vs tokens, the same 404 for invisible and missing ones, and
// escaping of a hostile repository name.
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../core/tokens.js';
import { BADGE_FILL, escapeXml, percentText, renderBadge, thresholdColour } from '../../core/badge.js';
import { describeEachStore, type TestHub } from '../../../test/support/stores.js';
import { createApp, pillars } from '../../../test/support/assembled.js';

const runId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const HOSTILE = `acme/x<svg onload=alert(1)>&"'`;
const started = new Date(Date.now() - 3_600_000);

interface Seed {
  status?: 'success' | 'failed';
  coverage?: number;
  mutants?: [total: number, killed: number];
}

function record(n: number, repo: string, s: Seed) {
  const [total, killed] = s.mutants ?? [0, 0];
  return {
    schema: 'pipeline_run.v1.2',
    run_id: runId(n),
    repo,
    commit_sha: String(n % 10).repeat(40),
    branch: 'main',
    started_at: new Date(started.getTime() + n * 1000).toISOString(),
    ended_at: new Date(started.getTime() + n * 1000 + 60_000).toISOString(),
    status: s.status ?? 'success',
    jobs: [{ id: 'test', name: 'test', status: s.status ?? 'success', duration_ms: 60_000 }],
    tests: {
      total: 10,
      failed: s.status === 'failed' ? 1 : 0,
      duration_ms: 50_000,
      ...(s.coverage === undefined ? {} : { coverage: { lines_pct: s.coverage } }),
      resilience: { mutants_total: total, killed, equiv: 0, timeout: 0, score: total ? killed / total : 0 },
    },
    cost: {},
  };
}

const junit = (failing: boolean) =>
  `<?xml version="1.0"?><testsuite name="unit" tests="2" failures="${failing ? 1 : 0}">` +
  `<testcase classname="app.Cart" name="adds"/>` +
  `<testcase classname="app.Cart" name="totals">${failing ? '<failure message="expected 3, got 2">boom</failure>' : ''}</testcase>` +
  `</testsuite>`;

describe('badge SVG', () => {
  it('colours by thresholds either way round', () => {
    const up = { green: 0.8, yellow: 0.6, higherIsBetter: true };
    expect([0.8, 0.79, 0.6, 0.59].map((v) => thresholdColour(v, up))).toEqual(['green', 'yellow', 'yellow', 'red']);
    const down = { green: 0.005, yellow: 0.02, higherIsBetter: false };
    expect([0, 0.005, 0.01, 0.02, 0.021].map((v) => thresholdColour(v, down))).toEqual(['green', 'green', 'yellow', 'yellow', 'red']);
    expect([percentText(0.85), percentText(0.0025), percentText(0.123), percentText(0)]).toEqual(['85%', '0.25%', '12.3%', '0%']);
  });

  it('escapes every text and drops characters XML refuses', () => {
    expect(escapeXml(`<a href="x">'&'</a>\u0000`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const svg = renderBadge('<b>', '"1"', 'green', `t</title><script>alert(1)</script>`);
    expect(svg).not.toMatch(/<script|<b>|<\/title><s/);
    expect(svg).toContain('&lt;script&gt;');
  });
});

describeEachStore(
  'badges',
  (get) => {
    let app: FastifyInstance;
    let hub: TestHub;
    let ingest: string;
    let readAcme: string;
    beforeAll(async () => {
      hub = get();
      app = await createApp(hub, pillars);
      ingest = (await createToken(hub.db, { repoPatterns: ['**'], scopes: ['ingest', 'read'], expiresAt: null })).token;
      readAcme = (await createToken(hub.db, { repoPatterns: ['acme/*'], scopes: ['read'], expiresAt: null })).token;
      const records = [
        record(1, 'acme/public', { coverage: 0.92, mutants: [100, 85] }),
        record(2, 'acme/mid', { coverage: 0.7, mutants: [100, 65] }),
        record(3, 'acme/low', { status: 'failed', coverage: 0.4, mutants: [100, 30] }),
        record(4, 'acme/bare', {}),
        record(5, 'secret/app', { coverage: 0.9, mutants: [10, 9] }),
        record(6, HOSTILE, { coverage: 0.5 }),
      ];
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/runs',
        payload: records.map((r) => JSON.stringify(r)).join('\n') + '\n',
        headers: { authorization: `Bearer ${ingest}`, 'content-type': 'application/x-ndjson' },
      });
      expect(res.json()).toMatchObject({ accepted: records.length, rejected: [] });
      // Test reports: on acme/public a failure a later pass on the same commit contradicts (one flaky
      // run of two); on acme/mid a clean run.
      const upload = async (n: number, repo: string, failing: boolean) => {
        const r = await app.inject({
          method: 'POST',
          url: `/api/v1/runs/${runId(n)}/tests`,
          payload: junit(failing),
          headers: {
            authorization: `Bearer ${ingest}`,
            'content-type': 'application/xml',
            'x-ci-intel-repo': repo,
            'x-ci-intel-commit': 'c'.repeat(40),
            'x-ci-intel-branch': 'feature',
          },
        });
        expect(r.statusCode, r.body).toBe(200);
      };
      await upload(11, 'acme/public', true);
      await upload(12, 'acme/public', false);
      await upload(13, 'acme/mid', false);
      // The mutation pillar scores records' resilience counts from the bus: wait for the three.
      for (let i = 0; i < 200; i++) {
        const n = await sql<{ n: number }>`select count(*)::int as n from mutation_runs where score is not null`.execute(hub.db);
        if (n.rows[0]!.n >= 4) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    afterAll(async () => app?.close());

    const badge = (path: string, token?: string) => app.inject({ url: path, headers: token ? { authorization: `Bearer ${token}` } : {} });
    /** The value text and fill of a badge answer. */
    const read = (svg: string) => {
      const texts = [...svg.matchAll(/<text x="[\d.]+" y="14">([^<]*)<\/text>/g)].map((m) => m[1]);
      const fill = /<rect x="\d+" width="\d+" height="20" fill="([^"]+)"/.exec(svg)![1];
      return { label: texts[0], value: texts[1], fill };
    };

    it('serves each metric as an SVG for a public repository without a token, cached five minutes', async () => {
      const res = await badge('/badge/acme/public/coverage.svg');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
      expect(res.headers['cache-control']).toBe('public, max-age=300');
      expect(res.body).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(read(res.body)).toEqual({ label: 'coverage', value: '92%', fill: BADGE_FILL.green });
      expect(read((await badge('/badge/acme/public/resilience.svg')).body)).toEqual({ label: 'resilience', value: '85%', fill: BADGE_FILL.green });
      expect(read((await badge('/badge/acme/public/flake-index.svg')).body)).toEqual({ label: 'flake index', value: '50%', fill: BADGE_FILL.red });
      const rd = read((await badge('/badge/acme/public/readiness.svg')).body);
      expect(rd.label).toBe('readiness');
      expect(rd.value).toMatch(/^\d+\/100( partial)?$/);
    });

    it('colours by the thresholds: green, yellow, red', async () => {
      const v = async (repo: string, metric: string) => read((await badge(`/badge/${repo}/${metric}.svg`, readAcme)).body);
      expect(await v('acme/mid', 'coverage')).toMatchObject({ value: '70%', fill: BADGE_FILL.yellow });
      expect(await v('acme/low', 'coverage')).toMatchObject({ value: '40%', fill: BADGE_FILL.red });
      // scoreWarn 0.7 and scoreFail 0.6 (the mutation pillar's defaults).
      expect(await v('acme/mid', 'resilience')).toMatchObject({ value: '65%', fill: BADGE_FILL.yellow });
      expect(await v('acme/low', 'resilience')).toMatchObject({ value: '30%', fill: BADGE_FILL.red });
      expect(await v('acme/mid', 'flake-index')).toMatchObject({ value: '0%', fill: BADGE_FILL.green });
      // A failed last run and 40 % coverage: poor readiness.
      expect((await v('acme/low', 'readiness')).fill).toBe(BADGE_FILL.red);
      expect((await v('acme/bare', 'readiness')).fill).toBe(BADGE_FILL.green);
    });

    it('says unknown in grey for a repository without data for the metric', async () => {
      for (const metric of ['coverage', 'resilience', 'flake-index']) {
        const res = await badge(`/badge/acme/bare/${metric}.svg`, readAcme);
        expect(res.statusCode).toBe(200);
        expect(res.headers['cache-control']).toBe('private, max-age=300');
        expect(read(res.body)).toMatchObject({ value: 'unknown', fill: BADGE_FILL.grey });
      }
    });

    it('needs a read token for other repositories and answers an invisible one like a missing one', async () => {
      expect((await badge('/badge/acme/mid/coverage.svg')).statusCode).toBe(404);
      expect((await badge('/badge/acme/mid/coverage.svg', readAcme)).statusCode).toBe(200);
      const hidden = await badge('/badge/secret/app/coverage.svg', readAcme);
      const missing = await badge('/badge/acme/nothing/coverage.svg', readAcme);
      expect(hidden.statusCode).toBe(404);
      expect(missing.statusCode).toBe(404);
      const strip = (b: string) => ({ ...JSON.parse(b).error, request_id: null });
      expect(strip(hidden.body)).toEqual(strip(missing.body));
      expect(hidden.body).not.toContain('secret');
      // A token for every repository sees it; a bad metric names the ones there are.
      expect(read((await badge('/badge/secret/app/coverage.svg', ingest)).body).value).toBe('90%');
      const bad = await badge('/badge/acme/mid/speed.svg', readAcme);
      expect(bad.statusCode).toBe(404);
      for (const m of ['resilience', 'flake-index', 'readiness', 'coverage']) expect(bad.json().error.hint).toContain(m);
      expect((await badge('/badge/acme/mid/coverage.svg', 'cit_' + 'x'.repeat(32))).statusCode).toBe(401);
    });

    it('is listed in the OpenAPI document as public', async () => {
      const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json();
      expect(doc.paths['/badge/{owner}/{repo}/{file}'].get['x-scope']).toBe('public');
    });

    it('escapes a hostile repository name', async () => {
      const [owner, name] = HOSTILE.toLowerCase().split('/');
      const res = await badge(`/badge/${encodeURIComponent(owner!)}/${encodeURIComponent(name!)}/coverage.svg`, readAcme);
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain('<svg onload');
      expect(res.body).not.toMatch(/"'|'"/);
      expect(res.body).toContain('acme/x&lt;svg onload=alert(1)&gt;&amp;&quot;&#39; coverage: 50%');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    });
  },
  { pillars, config: (c) => void (c.badges.publicRepos = ['acme/public']) },
);
