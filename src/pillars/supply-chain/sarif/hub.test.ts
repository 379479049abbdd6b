// Static analysis on the hub: `sarif report --record --hub` sends each commit's normalised findings;
// uploads of different tools for one commit merge into the same issues (Flawfinder's and clang's
// strcpy), the base → change comparison names exactly the issues the change brought in, a
// partial batch stores its good lines and closes nothing, suppressions need a reason and at most
// 30 days and stop counting when they expire, and another team's token sees nothing.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachStore } from '../../../../test/support/stores.js';
import { capturingCli, listeningHub } from '../../../../test/support/hub-app.js';
import { pillars } from '../../../../test/support/assembled.js';
import type { HubIssue } from './store.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = (...p: string[]) => path.join(here, '..', 'fixtures', 'sarif', ...p);
const log = (commit: string, tool: string) => fx(commit, `${tool}.sarif`);
const allLogs = (commit: string) =>
  readdirSync(fx(commit))
    .filter((f) => f.endsWith('.sarif'))
    .sort()
    .map((f) => fx(commit, f));
let clock = new Date('2026-12-06T12:00:00Z');
const DAY = 86_400_000;

describeEachStore(
  'static analysis on the hub',
  (getHub) => {
    let app: FastifyInstance;
    let url: string;
    let token: string;
    let other: string;
    beforeAll(async () => {
      const h = await listeningHub(getHub(), {
        acme: { repos: ['acme/*'], scopes: ['ingest', 'read'] },
        globex: { repos: ['globex/*'], scopes: ['read', 'ingest'] },
      });
      ({ app, url } = h);
      ({ acme: token, globex: other } = h.tokens);
    });
    afterAll(async () => app?.close());
    const call = (method: 'GET' | 'POST', u: string, body?: unknown, t = token, type = 'application/json') =>
      app.inject({
        method,
        url: u,
        headers: { authorization: `Bearer ${t}`, ...(body !== undefined ? { 'content-type': type } : {}) },
        ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
    const cli = capturingCli({ now: () => clock, cwd: here });
    const record = (commit: string, sha: string, files: string[]) =>
      cli(['sarif', 'report', ...files, '--root', fx(`app-${commit}`), '--record', '--hub', url, '--token', token, '--repo', 'acme/app', '--commit', sha]);
    const issues = async (q: string, t = token) => {
      const r = await call('GET', `/api/v1/repos/acme/app/sarif-issues?${q}`, undefined, t);
      expect(r.statusCode, r.body).toBe(200);
      return r.json() as { issues: HubIssue[]; suppressions: { issue_id: string; reason: string; created_by: string }[] };
    };
    const brief = (xs: HubIssue[]) => xs.map((i) => `${i.file}:${i.line} ${i.rules.join('+')}`).sort();

    it('merges uploads of several tools per commit and names exactly what the change brought in', async () => {
      const base = await record('base', 'b1b1b1b1', allLogs('base'));
      expect(base.err).toMatch(/^recorded acme\/app@b1b1b1b1 on .*: 11 findings, 8 issues: 8 new, 0 known, 0 fixed$/m);
      // The change, one tool per upload (as separate CI jobs would send them).
      const ff = await record('head', 'h2h2h2h2', [log('head', 'flawfinder')]);
      expect(ff.err).toMatch(/: 8 findings, 8 issues: 4 new, 4 known, 1 fixed$/m);
      const clang = await record('head', 'h2h2h2h2', [log('head', 'clang')]);
      expect(clang.err).toMatch(/: 1 findings, 1 issues: 0 new, 1 known, 0 fixed$/m);
      const rest = await record('head', 'h2h2h2h2', [log('head', 'eslint8'), log('head', 'eslint9'), log('head', 'ci-intel')]);
      expect(rest.err).toMatch(/: 8 findings, 5 issues: 2 new, 3 known, 0 fixed$/m);

      const fresh = await issues('commit=h2h2h2h2&base=b1b1b1b1');
      expect(brief(fresh.issues)).toEqual([
        'src/util.c:19 FF1019',
        'src/util.c:24 FF1013',
        'src/util.c:25 FF1019',
        'src/util.c:26 FF1044',
        'web/legacy.js:6 no-eval',
        'web/render.js:16 no-implied-eval',
      ]);
      const open = await issues('state=open');
      const strcpy = open.issues.find((i) => i.rules.includes('FF1001'))!;
      expect(strcpy).toMatchObject({ line: 13, tools: ['Flawfinder', 'clang'], first_seen_commit: 'b1b1b1b1', last_seen_commit: 'h2h2h2h2' });
      const fixed = await issues('state=fixed');
      expect(fixed.issues.map((i) => `${i.rules.join('+')} ${i.fixed_in}`)).toEqual(['FF1015 h2h2h2h2']);
      // The in-source suppression counts for 30 days from when the hub first saw it.
      const legacy = open.issues.find((i) => i.file === 'web/legacy.js')!;
      expect(legacy.suppression).toMatchObject({ source: 'sarif', active: true, expires_at: new Date(clock.getTime() + 30 * DAY).toISOString() });
    });

    it('stores the good lines of a batch with bad ones, names the bad ones, and closes nothing then', async () => {
      const good = (await cli(['sarif', 'report', log('head', 'clang'), '--root', fx('app-head'), '--json'])).out;
      expect(JSON.parse(good).counts.open).toBe(1);
      const findings = (await import('./normalize.js')).readSarif(readFileSync(log('head', 'flawfinder')), 'f', { root: fx('app-head') });
      const body = [JSON.stringify(findings[0]), JSON.stringify({ ...findings[1], severity: 'urgent' }), '{"tool":', ''].join('\n');
      const r = await call('POST', '/api/v1/repos/acme/app/sarif-findings?commit=p3p3p3p3', body, token, 'application/x-ndjson');
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toMatchObject({ findings: 1, fixed: 0 });
      expect(r.json().rejected).toEqual([
        { line: 2, pointer: '/severity', reason: 'one of critical, high, medium, low' },
        { line: 3, pointer: '', reason: expect.stringMatching(/^not JSON/) as unknown },
      ]);
      expect((await issues('state=fixed')).issues).toHaveLength(1);
    });

    it('takes a SARIF log as the scanner wrote it, identified by its snippets', async () => {
      const r = await call(
        'POST',
        '/api/v1/repos/acme/raw/sarif?commit=r1r1r1r1',
        readFileSync(log('base', 'flawfinder'), 'utf8'),
        token,
        'application/octet-stream',
      );
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toMatchObject({ findings: 5, issues: 5, opened: 5 });
      const bad = await call(
        'POST',
        '/api/v1/repos/acme/raw/sarif?commit=r1r1r1r1',
        '{"version":"2.1.0","runs":[{"tool":{}}]}',
        token,
        'application/octet-stream',
      );
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.where).toBe('body: /runs/0/tool/driver/name');
    });

    it('suppressions need a reason and at most 30 days, are audited, and stop counting when they expire', async () => {
      const target = (await issues('state=open')).issues.find((i) => i.rules.includes('FF1044'))!;
      const post = (body: unknown) => call('POST', '/api/v1/repos/acme/app/sarif-suppressions', body);
      expect((await post({ issue_id: target.id })).statusCode).toBe(400);
      const long = await post({ issue_id: target.id, reason: 'accepted for the demo', expires: '45d' });
      expect(long.statusCode).toBe(400);
      expect(long.json().error.where, long.body).toBe('/expires');
      expect((await post({ issue_id: '0000000000000000', reason: 'accepted for the demo' })).statusCode).toBe(404);
      const ok = await post({ issue_id: target.id, reason: 'the file name comes from our own menu', by: 'alice', expires: '14d' });
      expect(ok.statusCode, ok.body).toBe(200);
      let now = await issues('state=open');
      expect(now.issues.find((i) => i.id === target.id)!.suppression).toMatchObject({ source: 'hub', by: 'alice', active: true });
      expect(now.suppressions).toEqual([
        expect.objectContaining({ issue_id: target.id, reason: 'the file name comes from our own menu', created_by: 'alice' }),
      ]);
      clock = new Date(clock.getTime() + 15 * DAY);
      now = await issues('state=open');
      expect(now.issues.find((i) => i.id === target.id)!.suppression).toMatchObject({ active: false });
      // Kept as the audit trail after expiry.
      expect(now.suppressions).toHaveLength(1);
    });

    it("another team's token can neither read nor write this repository", async () => {
      expect((await call('GET', '/api/v1/repos/acme/app/sarif-issues', undefined, other)).statusCode).toBe(403);
      expect((await call('POST', '/api/v1/repos/acme/app/sarif?commit=x1x1x1x1', '{}', other, 'application/octet-stream')).statusCode).toBe(403);
    });
  },
  { now: () => clock, pillars },
);
