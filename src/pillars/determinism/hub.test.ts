// `repro diff --record --hub` uploads the verdicts of a commit to the hub, which stores them in
// repro_results for a token allowed on the repository only; the rate API shows them; a body that is
// not a verdict upload is refused with the JSON pointer of its first problem, nothing stored.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeEachStore } from '../../../test/support/stores.js';
import { capturingCli } from '../../../test/support/hub-app.js';
import { twoTeamHub } from './fixtures/hub.js';
import { pillars } from '../../../test/support/assembled.js';

const NOW = new Date('2026-12-06T12:00:00Z');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-repro-hub-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = path.join(tmp, name);
  writeFileSync(p, text);
  return p;
};

describeEachStore(
  'reproducibility verdicts uploaded to the hub',
  (getHub) => {
    const h = twoTeamHub(getHub);
    const cli = capturingCli({ now: () => NOW, cwd: tmp });
    const record = (a: string, b: string, commit: string, token: string) =>
      cli(['repro', 'diff', a, b, '--record', '--hub', h.url, '--token', token, '--repo', 'acme/app', '--commit', commit]);
    const artifacts = async (token: string) =>
      (await h.app.inject({ url: '/api/v1/determinism/artifacts?days=30', headers: { authorization: `Bearer ${token}` } })).json<{
        artifacts: { artifact: string; checks: number; latest: string; first_drift_commit: string | null }[];
      }>();

    it('stores the verdicts of each commit on the hub; the rate per artifact follows', async () => {
      const [same1, same2] = [file('same-1.txt', 'v1\n'), file('same-2.txt', 'v1\n')];
      const [d1, d2] = [file('d-1.txt', 'built 2026-12-06T05:00:01Z\n'), file('d-2.txt', 'built 2026-12-06T05:00:09Z\n')];
      const ok = await record(same1, same2, 'c1c1c1c1', h.tokens.acme);
      expect(ok.code, ok.err).toBe(0);
      expect(ok.err).toContain(`recorded 1 artifact verdict for acme/app@c1c1c1c1 on ${h.url}`);
      const drift = await record(d1, d2, 'c2c2c2c2', h.tokens.acme);
      expect(drift.code, drift.err).toBe(1);
      expect(drift.err).toContain('recorded 1 artifact verdict for acme/app@c2c2c2c2');
      const body = await artifacts(h.tokens.acme);
      expect(body.artifacts.map((a) => [a.artifact, a.checks, a.latest, a.first_drift_commit])).toEqual([
        ['d-1.txt vs d-2.txt', 1, 'not reproducible', 'c2c2c2c2'],
        ['same-1.txt vs same-2.txt', 1, 'reproducible', null],
      ]);
    });

    it('a token of another repository is refused and stores nothing; it does not see the records either', async () => {
      const r = await record(file('x-1.txt', 'a\n'), file('x-2.txt', 'b\n'), 'c3c3c3c3', h.tokens.other);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/E_FORBIDDEN_REPO.*not valid for repository acme\/app/);
      expect((await artifacts(h.tokens.acme)).artifacts.map((a) => a.artifact)).not.toContain('x-1.txt vs x-2.txt');
      expect((await artifacts(h.tokens.other)).artifacts).toEqual([]);
    });

    it('a body that is not a verdict upload is named by its JSON pointer', async () => {
      const post = (payload: string) =>
        h.app.inject({
          method: 'POST',
          url: '/api/v1/repos/acme/app/repro-results?commit=c4c4c4c4',
          headers: { authorization: `Bearer ${h.tokens.acme}`, 'content-type': 'application/json' },
          payload,
        });
      const v = { artifact: 'a.tar', verdict: 'not reproducible', size: [1, 1], sha256: ['a'.repeat(64), 'b'.repeat(64)], differences: [], notes: [] };
      let res = await post(JSON.stringify({ verdicts: [{ ...v, classes: { timestamp: 1, weather: 2 } }] }));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'E_REPORT_INVALID', where: 'body: /verdicts/0/classes/weather' } });
      res = await post(JSON.stringify({ verdicts: [{ ...v, classes: {}, sha256: ['x', 'y'] }] }));
      expect(res.json()).toMatchObject({ error: { where: 'body: /verdicts/0/sha256/0' } });
      res = await post(JSON.stringify({ verdicts: [{ ...v, classes: {}, identity: [{ sha256: 'a'.repeat(64), contentSha256: 'nope' }, null] }] }));
      expect(res.json()).toMatchObject({ error: { where: 'body: /verdicts/0/identity/0/contentSha256' } });
      res = await post('{"verdicts": 1}');
      expect(res.json()).toMatchObject({ error: { where: 'body: /verdicts' } });
      expect((await artifacts(h.tokens.acme)).artifacts.map((a) => a.artifact)).not.toContain('a.tar');
    });
  },
  { pillars },
);
