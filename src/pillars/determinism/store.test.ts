// Reproducibility records on PGlite and PostgreSQL: rate per artifact over commits, the first
// commit of the current drift, re-checks replacing a commit's verdict; the API behind the panel
// shows only repositories the token may read.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createToken } from '../../core/tokens.js';
import { describeEachStore, type TestHub } from '../../../test/support/stores.js';
import { createApp, pillars } from '../../../test/support/assembled.js';
import { determinismPillar } from './index.js';
import type { ArtifactVerdict } from './model.js';
import { artifactRates, recordResults } from './store.js';
import type { DeterminismTables } from './tables.js';

const v = (artifact: string, ok: boolean): ArtifactVerdict => ({
  artifact,
  verdict: ok ? 'reproducible' : 'not reproducible',
  size: [1, 1],
  sha256: ['a', ok ? 'a' : 'b'],
  classes: ok ? {} : { timestamp: 2 },
  differences: ok ? [] : [{ class: 'timestamp', where: artifact, detail: 'mtime' }],
  notes: [],
});
const t = (d: number) => new Date(Date.UTC(2026, 10, d, 12));

describeEachStore(
  'repro_results',
  (getHub) => {
    let hub: TestHub;
    let app: FastifyInstance;
    let token: string;
    beforeAll(async () => {
      hub = getHub();
      app = await createApp(hub, pillars);
      token = (await createToken(hub.db, { repoPatterns: ['acme/*'], scopes: ['read'], expiresAt: null })).token;
    });
    afterAll(async () => app?.close());

    it('rates per artifact and the commit where the current drift began', async () => {
      const db = hub.db.withTables<DeterminismTables>();
      await recordResults(db, { repo: 'Acme/App', commit: 'c1', at: t(1), verdicts: [v('app.jar', true), v('hello', true)] });
      await recordResults(db, { repo: 'acme/app', commit: 'c2', at: t(2), verdicts: [v('app.jar', true), v('hello', false)] });
      await recordResults(db, { repo: 'acme/app', commit: 'c3', at: t(3), verdicts: [v('app.jar', false), v('hello', false)] });
      // c3 checked again after a fix of the jar: the verdict is replaced, not added
      await recordResults(db, { repo: 'acme/app', commit: 'c3', at: t(3), verdicts: [v('app.jar', true)] });
      await recordResults(db, { repo: 'other/lib', commit: 'x1', at: t(3), verdicts: [v('lib.tgz', false)] });
      const rates = await artifactRates(db, { repo: 'acme/app' });
      expect(rates.map((r) => [r.artifact, r.checks, r.reproducible, r.latest, r.firstDriftCommit])).toEqual([
        ['app.jar', 3, 3, 'reproducible', null],
        ['hello', 3, 1, 'not reproducible', 'c2'],
      ]);
      expect(rates[1]!.rate).toBeCloseTo(1 / 3);

      const res = await app.inject({ method: 'GET', url: '/api/v1/determinism/artifacts?days=400', headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(200);
      const body = res.json<{
        reproducible_rate: number;
        drifting: number;
        artifacts: { repo: string; artifact: string; rate_percent: number; first_drift_commit: string | null }[];
      }>();
      expect(body.artifacts.map((a) => a.repo)).toEqual(['acme/app', 'acme/app']);
      expect(body).toMatchObject({ reproducible_rate: 66.7, drifting: 1 });
      expect(body.artifacts[1]).toMatchObject({ artifact: 'hello', rate_percent: 33.3, first_drift_commit: 'c2' });
    });
  },
  { pillars: [determinismPillar] },
);
