import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createToken } from '../../../core/tokens.js';
import { describeEachStore, type TestHub } from '../../../../test/support/stores.js';
import { sourcesPillar } from '../index.js';
import { cli, git, listen } from '../../../../test/support/webhooks.js';
import { createApp } from '../../../../test/support/assembled.js';

/** A history with a merge: A <- B <- M -> C <- A, then D on M. */
function makeRepo(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-git-'));
  git(dir, ['init', '-q']);
  git(dir, ['commit', '-q', '--allow-empty', '-m', 'A'], '2026-01-01T00:00:00Z');
  git(dir, ['checkout', '-q', '-b', 'feature']);
  git(dir, ['commit', '-q', '--allow-empty', '-m', 'C'], '2026-01-02T00:00:00Z');
  git(dir, ['checkout', '-q', 'main']);
  git(dir, ['commit', '-q', '--allow-empty', '-m', 'B'], '2026-01-03T00:00:00Z');
  git(dir, ['merge', '-q', '--no-ff', '-m', 'M', 'feature'], '2026-01-04T00:00:00Z');
  git(dir, ['commit', '-q', '--allow-empty', '-m', 'D'], '2026-01-05T00:00:00Z');
  return dir;
}

/** `git log` parsed here, independently of the code under test. */
function graph(dir: string, range = 'HEAD'): Array<[string, string[]]> {
  return git(dir, ['log', '--format=%H %P', range])
    .split('\n')
    .map((l) => l.split(' '))
    .map(([h, ...p]) => [h!, p.filter(Boolean)] as [string, string[]])
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

describeEachStore(
  'commits',
  (get) => {
    let app: FastifyInstance;
    let hub: TestHub;
    let url: string;
    let token: string;
    let repoDir: string;
    const tmp: string[] = [];
    beforeAll(async () => {
      hub = get();
      app = await createApp(hub, [sourcesPillar]);
      url = await listen(app);
      token = (await createToken(hub.db, { repoPatterns: ['org/**', 'group/**'], scopes: ['ingest', 'read'], expiresAt: null })).token;
      repoDir = makeRepo();
      tmp.push(repoDir);
    });
    afterAll(async () => {
      await app?.close();
      for (const d of tmp) rmSync(d, { recursive: true, force: true });
    });

    const stored = async (repo: string) =>
      (await hub.db.selectFrom('commits').select(['sha', 'parents']).where('repo', '=', repo).orderBy('sha').execute()).map(
        (c) => [c.sha, c.parents] as [string, string[]],
      );

    it('`commits upload` sends git log with exact parents (a merge keeps both)', async () => {
      const r = await cli(['commits', 'upload', '--repo', 'Org/App', '--dir', repoDir, '--hub', url, '--token', token, '--json'], [sourcesPillar]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ repo: 'org/app', read: 5, uploaded: 5, skipped_shallow: 0 });
      const want = graph(repoDir);
      expect(await stored('org/app')).toEqual(want);
      expect(want.filter(([, p]) => p.length === 2)).toHaveLength(1);
      const again = await cli(
        ['commits', 'upload', '--repo', 'org/app', '--dir', repoDir, '--hub', url, '--token', token, '--since', 'HEAD~1'],
        [sourcesPillar],
      );
      expect(again.out).toBe(`commits: uploaded 1 of 1 for org/app to ${url}\n`);
      expect(await stored('org/app')).toEqual(want); // idempotent
    });

    it('leaves out the boundary of a shallow clone instead of storing it as a root commit', async () => {
      const shallow = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-shallow-'));
      tmp.push(shallow);
      rmSync(shallow, { recursive: true });
      git(os.tmpdir(), ['clone', '-q', '--depth', '2', `file://${repoDir}`, shallow]);
      const r = await cli(['commits', 'upload', '--repo', 'org/shallow', '--dir', shallow, '--hub', url, '--token', token, '--json'], [sourcesPillar]);
      expect(r.code).toBe(0);
      const res = JSON.parse(r.out);
      expect(res.skipped_shallow).toBeGreaterThan(0);
      expect(r.err).toMatch(/shallow clone/);
      const full = new Map(graph(repoDir));
      const got = await stored('org/shallow');
      expect(got.length).toBe(res.read - res.skipped_shallow);
      for (const [sha, parents] of got) expect(parents).toEqual(full.get(sha)); // never a truncated parent list
    });

    it('POST /api/v1/repos/:owner/:repo/commits stores good lines, reports bad ones by line and pointer, and takes nested groups', async () => {
      const [a, b] = graph(repoDir);
      const body = [
        JSON.stringify({ sha: a![0], parents: a![1], authored_at: '2026-01-01T00:00:00Z', committed_at: '2026-01-01T00:00:00Z' }),
        '{"sha": "nope", "parents": []}',
        JSON.stringify({ sha: b![0] }),
        JSON.stringify({ sha: b![0], parents: ['xyz'] }),
        '',
        JSON.stringify({ sha: b![0], parents: b![1], authored_at: 'yesterday' }),
      ].join('\n');
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/repos/group%2Fsub/project/commits',
        payload: body,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        repo: 'group/sub/project',
        accepted: 1,
        rejected: [
          { line: 2, pointer: '/sha', reason: 'must be a full commit SHA (40 or 64 hex digits)' },
          { line: 3, pointer: '/parents', reason: 'is required: an array of parent SHAs ([] for a root commit)' },
          { line: 4, pointer: '/parents/0', reason: 'must be a full commit SHA' },
          { line: 6, pointer: '/authored_at', reason: 'must be an RFC 3339 date-time, e.g. 2026-05-01T12:00:00Z' },
        ],
      });
      expect(await stored('group/sub/project')).toEqual([[a![0], a![1]]]);
      const forbidden = await app.inject({
        method: 'POST',
        url: '/api/v1/repos/other/app/commits',
        payload: body,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      });
      expect(forbidden.statusCode).toBe(403);
      const none = await app.inject({
        method: 'POST',
        url: '/api/v1/repos/org/app/commits',
        payload: '{"sha":1}\n',
        headers: { authorization: `Bearer ${token}` },
      });
      expect([none.statusCode, none.json().error.code]).toEqual([400, 'E_NOTHING_ACCEPTED']);
    });

    it('says what to do when the repository or the hub is missing, and when git fails', async () => {
      const noRemote = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-git-'));
      tmp.push(noRemote);
      mkdirSync(noRemote, { recursive: true });
      git(noRemote, ['init', '-q']);
      const r = await cli(['commits', 'upload', '--dir', noRemote, '--hub', url, '--token', token], [sourcesPillar]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/E_USAGE: --repo: cannot tell which repository/);
      const noHub = await cli(['commits', 'upload', '--repo', 'org/app', '--dir', repoDir], [sourcesPillar]);
      expect(noHub.err).toMatch(/no hub to upload to/);
      const badRef = await cli(['commits', 'upload', '--repo', 'org/app', '--dir', repoDir, '--since', 'no-such-tag', '--dry-run'], [sourcesPillar]);
      expect([badRef.code, badRef.err]).toEqual([2, expect.stringMatching(/E_GIT_FAILED/)]);
    });
  },
  { pillars: [sourcesPillar] },
);
