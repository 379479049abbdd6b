// Compliance in the hub: `policy check --record --hub` sends a commit's findings over HTTP; the hub
// opens, keeps and closes violations per commit, refuses bad lines by line and JSON pointer (and then
// closes nothing), answers the Compliance page's reads for visible repositories only, and the open
// violations lower the repository's release readiness.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createToken } from '../../core/tokens.js';
import { describeEachStore, type TestHub } from '../../../test/support/stores.js';
import { createApp, pillars, runCli } from '../../../test/support/assembled.js';
import { parseFindingLine } from './routes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const NOW = new Date('2026-12-06T12:00:00Z');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-compliance-hub-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describeEachStore(
  'compliance on the hub',
  (getHub) => {
    let hub: TestHub;
    let app: FastifyInstance;
    let url: string;
    let token: string;
    let other: string;
    beforeAll(async () => {
      hub = getHub();
      app = await createApp(hub, pillars);
      url = await app.listen({ port: 0, host: '127.0.0.1' });
      token = (await createToken(hub.db, { repoPatterns: ['acme/*'], scopes: ['ingest', 'read'], expiresAt: null })).token;
      other = (await createToken(hub.db, { repoPatterns: ['globex/*'], scopes: ['read'], expiresAt: null })).token;
    });
    afterAll(async () => app?.close());
    const get = (u: string, t = token) => app.inject({ method: 'GET', url: u, headers: { authorization: `Bearer ${t}` } });
    const cli = async (args: string[]) => {
      let out = '';
      let err = '';
      const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, now: () => NOW, cwd: tmp }, pillars);
      return { code, out, err };
    };

    it('records commit after commit through the CLI: opened, still open, fixed; the page reads agree', async () => {
      const repo = mkdtempSync(path.join(tmp, 'repo-'));
      cpSync(path.join(here, 'fixtures', 'repos', 'gh-node-lib'), repo, { recursive: true });
      const first = await cli(['policy', 'check', repo, '--record', '--hub', url, '--token', token, '--repo', 'acme/lib', '--commit', 'c1c1c1c1']);
      expect(first.err).toMatch(new RegExp(`^recorded acme/lib@c1c1c1c1 on ${url}: (\\d+) new, 0 still open, 0 fixed$`, 'm'));
      const opened = Number(/: (\d+) new/.exec(first.err)![1]);
      expect(opened).toBeGreaterThan(3);
      // Commit 2: the triage workflow's injection fixed by hand.
      const triage = path.join(repo, '.github/workflows/triage.yml');
      writeFileSync(triage, readFileSync(triage, 'utf8').replace('echo "New issue: ${{ github.event.issue.title }}"', 'echo "New issue: $TITLE"'));
      const second = await cli(['policy', 'check', repo, '--record', '--hub', url, '--token', token, '--repo', 'acme/lib', '--commit', 'c2c2c2c2']);
      expect(second.err).toContain(`: 0 new, ${opened - 1} still open, 1 fixed`);

      const v = await get('/api/v1/repos/acme/lib/policy-violations?state=all');
      expect(v.statusCode, v.body).toBe(200);
      const rows = v.json().violations as Array<{ rule: string; file: string; fixed_in: string | null; first_seen_commit: string }>;
      expect(rows).toHaveLength(opened);
      expect(rows.filter((r) => r.fixed_in === 'c2c2c2c2').map((r) => `${r.rule} ${r.file}`)).toEqual(['template-injection .github/workflows/triage.yml']);
      expect(v.json().checks.map((c: { commit: string }) => c.commit)).toEqual(['c1c1c1c1', 'c2c2c2c2']);
      const sum = await get('/api/v1/compliance/summary');
      const lib = (sum.json().repos as Array<Record<string, unknown>>).find((r) => r.repo === 'acme/lib')!;
      const open = rows.filter((r) => r.fixed_in === null);
      expect(lib).toMatchObject({ fixed_recently: 1, last_checked_commit: 'c2c2c2c2' });
      expect(Number(lib.open_errors) + Number(lib.open_warnings) + Number(lib.open_notes)).toBe(open.length);

      // Another team's token sees nothing of acme's.
      expect((await get('/api/v1/repos/acme/lib/policy-violations', other)).statusCode).toBe(403);
      expect((await get('/api/v1/compliance/summary', other)).json().repos).toEqual([]);

      // Release readiness: the open violations are in the security part, with their penalty.
      const ready = await get('/api/v1/metrics/readiness?repo=acme/lib');
      const sec = (
        ready.json().items as Array<{ repo: string; components: Array<{ id: string; score: number; inputs: Record<string, number>; explanation: string }> }>
      )
        .find((i) => i.repo === 'acme/lib')!
        .components.find((c) => c.id === 'security')!;
      expect(sec.inputs.open_violation_errors).toBe(Number(lib.open_errors));
      expect(sec.inputs.open_violation_warnings).toBe(Number(lib.open_warnings));
      expect(sec.score).toBe(Math.max(0, 100 - 10 * Number(lib.open_errors) - 2 * Number(lib.open_warnings)));
      expect(sec.explanation).toContain('open compliance errors');
    });

    it('stores the good lines of a batch with bad ones, names each bad line and pointer, and then closes nothing', async () => {
      const good = {
        rule: 'unpinned-action',
        severity: 'error',
        file: '.github/workflows/ci.yml',
        line: 3,
        message: 'action x/y is pinned to "v1"',
        fix: 'pin it',
      };
      const post = (body: string, commit: string) =>
        app.inject({
          method: 'POST',
          url: `/api/v1/repos/acme/batch/policy-violations?commit=${commit}`,
          payload: body,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
        });
      const other = { ...good, rule: 'unpinned-image', line: 9, message: 'image postgres:16 is not pinned' };
      expect((await post(`${JSON.stringify(good)}\n${JSON.stringify(other)}\n`, 'aaaa1111')).json()).toMatchObject({ opened: 2 });
      const res = await post(
        `${JSON.stringify(good)}\n{"rule":"x","severity":"fatal"}\nnot json\n${JSON.stringify({ ...good, file: '../../etc/passwd' })}\n`,
        'bbbb2222',
      );
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ accepted: 1, seen: 1, fixed: 0 });
      expect(res.json().rejected).toEqual([
        { line: 2, pointer: '/severity', reason: 'one of error, warning, note' },
        { line: 3, pointer: '', reason: expect.stringMatching(/^not JSON/) },
        { line: 4, pointer: '/file', reason: 'a path relative to the repository, without ..' },
      ]);
      // The unpinned image was not in the partial upload, and is still open.
      const open = (await get('/api/v1/repos/acme/batch/policy-violations')).json().violations as Array<{ rule: string }>;
      expect(open.map((r) => r.rule).sort()).toEqual(['unpinned-action', 'unpinned-image']);
      const none = await post('garbage\n', 'cccc3333');
      expect(none.statusCode).toBe(400);
      expect(none.json().error.code).toBe('E_NOTHING_ACCEPTED');
      // Without the ingest scope for the repository: refused.
      const foreign = await app.inject({
        method: 'POST',
        url: '/api/v1/repos/globex/app/policy-violations?commit=dddd4444',
        payload: JSON.stringify(good) + '\n',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      });
      expect(foreign.statusCode).toBe(403);
    });
  },
  { pillars, now: () => NOW },
);

it('a finding line is checked field by field', () => {
  expect(parseFindingLine('{"rule":"Bad Rule"}', 7)).toEqual({ line: 7, pointer: '/rule', reason: 'a rule id (lower case, digits and -)' });
  expect(parseFindingLine('{"rule":"r","severity":"error","file":"a.yml","line":1.5,"message":"m"}', 1)).toMatchObject({ pointer: '/line' });
  expect(parseFindingLine('{"rule":"r","severity":"note","file":"a.yml","line":2,"message":"m"}', 1)).toEqual({
    rule: 'r',
    severity: 'note',
    file: 'a.yml',
    line: 2,
    message: 'm',
    fix: '',
  });
});
