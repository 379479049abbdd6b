// The scoreboard through the assembled hub and CLI: authors sent to POST /api/v1/scoreboard/commits,
// `ci-intel scoreboard --hub` as text, JSON and Markdown, `scoreboard export` as a static site, the
// achievement badges, a caller seeing only its repositories, and bad input named.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ingestNdjson } from '../../core/runs/ingest.js';
import { pillars } from '../../../test/support/assembled.js';
import { capturingCli, listeningHub, type ListeningHub } from '../../../test/support/hub-app.js';
import { describeEachStore } from '../../../test/support/stores.js';

const NOW = new Date('2026-12-04T12:00:00Z');
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

const run = (repo: string, sha: string, status: 'success' | 'failed', start: string) => ({
  schema: 'pipeline_run.v1.2',
  run_id: crypto.randomUUID(),
  repo,
  commit_sha: sha,
  branch: 'main',
  started_at: start,
  ended_at: new Date(Date.parse(start) + 600_000).toISOString(),
  status,
  jobs: [{ id: 'build', name: 'build', status, attempt: 1, duration_ms: 600_000 }],
  tests: { total: 0, failed: 0, duration_ms: 0, resilience: { mutants_total: 0, killed: 0, equiv: 0, timeout: 0, score: 0 } },
  cost: { usd: 0.1 },
});

describeEachStore(
  'the scoreboard through the hub and the CLI',
  (get) => {
    let h: ListeningHub<'all' | 'org' | 'ingest'>;
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-scoreboard-'));
    const cli = capturingCli({ now: () => NOW, cwd: tmp });
    const via = (token: string) => ['--hub', h.url, '--token', token];
    beforeAll(async () => {
      const hub = get();
      const records = [
        run('org/app', A, 'failed', '2026-12-01T09:00:00Z'),
        run('org/app', B, 'success', '2026-12-01T10:00:00Z'),
        run('secret/app', A, 'failed', '2026-12-01T09:00:00Z'),
        run('secret/app', B, 'success', '2026-12-01T09:30:00Z'),
      ];
      async function* lines() {
        for (const r of records) yield JSON.stringify(r) + '\n';
      }
      await ingestNdjson(hub, lines(), { source: 'test' });
      h = await listeningHub(hub, {
        all: { repos: ['**'], scopes: ['read'] },
        org: { repos: ['org/*'], scopes: ['read'] },
        ingest: { repos: ['**'], scopes: ['ingest'] },
      });
    });
    afterAll(async () => {
      await h?.app.close();
      rmSync(tmp, { recursive: true, force: true });
    });

    const post = (body: unknown) =>
      h.app.inject({ method: 'POST', url: '/api/v1/scoreboard/commits', headers: { authorization: `Bearer ${h.tokens.ingest}` }, payload: body as object });

    it('takes commit authors, and names a bad field by its JSON pointer', async () => {
      const ok = await post({
        commits: [
          { repo: 'Org/App', sha: B, author: 'Bob' },
          { repo: 'secret/app', sha: B, author: 'sam', reverts: A },
        ],
      });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toEqual({ stored: 2 });
      const bad = await post({ commits: [{ repo: 'org/app', sha: 'abc', author: 'x' }] });
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toContain('/commits/0/sha');
    });

    it('ranks the teams that opted in, with people and the legend (JSON through the hub)', async () => {
      const r = await cli(['scoreboard', '--week', '2026-W49', '--json', ...via(h.tokens.all)]);
      expect(r.err).toBe('');
      const b = JSON.parse(r.out);
      expect(b.week).toBe('2026-W49');
      // core: red for 1 h (10 × (1 − 1/24) = 9.6); vault: red for 0.5 h (9.8): sam's revert of a commit of no known author scores.
      expect(b.teams.map((t: { name: string; points: number; rank: number }) => [t.rank, t.name, t.points])).toEqual([
        [1, 'vault', 9.8],
        [2, 'core', 9.6],
      ]);
      expect(b.people.map((p: { name: string; points: number }) => [p.name, p.points])).toEqual([
        ['sam', 9.8],
        ['bob', 9.6],
      ]);
      expect(b.legend).toHaveLength(7);
    });

    it('shows a caller only the outcomes of its repositories', async () => {
      const r = await cli(['scoreboard', '--week', '2026-W49', '--json', ...via(h.tokens.org)]);
      const b = JSON.parse(r.out);
      expect(b.awards.map((a: { repo: string }) => a.repo)).toEqual(['org/app']);
    });

    it('prints a table and Markdown, each with how points are earned', async () => {
      const text = await cli(['scoreboard', '--week', '2026-W49', ...via(h.tokens.all)]);
      expect(text.out).toMatch(/^1 +vault +9\.8 /m);
      expect(text.out).toContain('how points are earned');
      const md = await cli(['scoreboard', '--week', '2026-W49', '--md', ...via(h.tokens.all)]);
      expect(md.out).toContain('| 1 | vault | 9.8 |');
      expect(md.out).toContain('<summary>How points are earned</summary>');
    });

    it('writes a static site for GitHub Pages', async () => {
      const out = path.join(tmp, 'site');
      const r = await cli(['scoreboard', 'export', '--week', '2026-W49', '--out', out, ...via(h.tokens.all)]);
      expect(r.err).toBe('');
      expect(r.out).toBe(`week 2026-W49: 4 files written to ${out} (badges/core.svg, badges/vault.svg, index.html, scoreboard.json)\n`);
      const html = readFileSync(path.join(out, 'index.html'), 'utf8');
      expect(html).toContain('<td>vault</td><td>9.8</td>');
      expect(html).not.toContain('<script');
      expect(readFileSync(path.join(out, 'badges/vault.svg'), 'utf8')).toContain('#1 · 9.8 pts');
      expect(JSON.parse(readFileSync(path.join(out, 'scoreboard.json'), 'utf8')).week).toBe('2026-W49');
    });

    it('answers achievement badges for this week', async () => {
      const badge = async (metric: string) => {
        const res = await h.app.inject({ method: 'GET', url: `/badge/org/app/${metric}.svg`, headers: { authorization: `Bearer ${h.tokens.all}` } });
        expect(res.statusCode, res.body).toBe(200);
        return res.body;
      };
      expect(await badge('scoreboard')).toContain('9.6 pts this week');
      expect(await badge('scoreboard-red-fixed')).toContain('1 this week');
      expect(await badge('scoreboard-coverage')).toContain('0 this week');
    });

    it('names a bad week and what to write', async () => {
      const r = await cli(['scoreboard', '--week', '2026-49', ...via(h.tokens.all)]);
      expect(r.code).toBe(2);
      expect(r.err).toContain('--week 2026-49 is not an ISO week');
      expect(r.err).toContain('2026-W49');
    });
  },
  {
    pillars,
    now: () => NOW,
    config: (c) => {
      c.auth.teams = [
        { name: 'core', repos: ['org/*'], members: [], groups: [] },
        { name: 'vault', repos: ['secret/*'], members: [], groups: [] },
      ];
      c.pillars = { ...c.pillars, scoreboard: { teams: ['core', 'vault'] } };
    },
  },
);
