// The hub side on PGlite AND PostgreSQL: log upload (gzip, streamed, stored redacted), root causes
// in GET /api/v1/runs/:id (contract shape), failure_signatures counts and first/last seen, the
// report, and reclassify after a rule-pack change.
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createToken } from '../../core/tokens.js';
import { checkRecord } from '../../core/contract/index.js';
import { describeEachStore, type TestHub } from '../../../test/support/stores.js';
import { HELDOUT_DIR } from './corpus.js';
import { shippedClassifier } from './classify.js';
import { reclassifyLogs } from './reclassify.js';
import { autopsy } from './index.js';
import { ruleSet } from './rules.js';
import { db } from './tables.js';
import { createApp } from '../../../test/support/assembled.js';

const log = (id: string) => readFileSync(path.join(HELDOUT_DIR, 'logs', `${id}.log`));
const RUN1 = '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d';
const RUN2 = '1b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d';
let clock = new Date('2026-11-20T10:00:00Z');

describeEachStore(
  'autopsy hub',
  (get) => {
    let app: FastifyInstance;
    let hub: TestHub;
    let token: string;
    beforeAll(async () => {
      hub = get();
      app = await createApp(hub, [autopsy]);
      token = (await createToken(hub.db, { repoPatterns: ['acme/*'], scopes: ['ingest', 'read'], expiresAt: null })).token;
    });
    afterAll(async () => app?.close());

    const upload = (run: string, job: string, body: Buffer, query = '') =>
      app.inject({
        method: 'POST',
        url: `/api/v1/runs/${run}/jobs/${job}/logs${query}`,
        payload: gzipSync(body),
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain', 'content-encoding': 'gzip', 'x-ci-intel-repo': 'acme/app' },
      });

    it('stores the log redacted and answers its root causes', async () => {
      clock = new Date('2026-11-20T10:00:00Z');
      const res = await upload(RUN1, 'deploy', log('ho-secrets-deploy'), '?failed=true');
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ run_id: RUN1, job: 'deploy', failed: true, lines: 30 });
      expect(body.root_causes[0]).toMatchObject({ category: 'network', tool: 'ssh', decided_by: { rule_id: 'ssh.resolve' } });
      const stored = await app.inject({ method: 'GET', url: `/api/v1/runs/${RUN1}/jobs/deploy/logs`, headers: { authorization: `Bearer ${token}` } });
      expect(stored.statusCode).toBe(200);
      for (const secret of ['xoxb-234328289551', 'yvorcsq2McQMLuUL4l9x', 'glpat-7JCka09oD2rbZ0KN76up', 'MIICXAIBAAKBgQCflX', 'c2AEDBb8ef6bsamHGqqGcR8y'])
        expect(stored.body).not.toContain(secret);
      expect(stored.body).toContain('ssh: connect to host 127.0.0.1 port 2: Connection refused');
      expect(stored.body.split('\n')).toHaveLength(body.lines + 1);
    });

    it("shows the root causes in GET /api/v1/runs/:id in the contract's autopsy.root_causes shape", async () => {
      const res = await app.inject({ method: 'GET', url: `/api/v1/runs/${RUN1}`, headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(200);
      const a = res.json().analyses.autopsy;
      expect(a.root_causes[0]).toEqual(
        expect.objectContaining({ tool: 'ssh', pattern: expect.any(String), suggestion: expect.any(String), severity: 'error' }),
      );
      expect(a.jobs[0]).toMatchObject({ job: 'deploy', job_failed: true });
      const record = JSON.parse(readFileSync(new URL('../../core/contract/fixtures/seed-example.fixed.v1.2.ndjson', import.meta.url), 'utf8').split('\n')[0]!);
      record.autopsy = { root_causes: a.root_causes };
      expect(checkRecord(record).issues).toEqual([]);
    });

    it('counts a failure signature once per job log, across runs, with first and last seen', async () => {
      clock = new Date('2026-11-21T10:00:00Z');
      expect((await upload(RUN2, 'deploy', log('ho-ssh-refused'))).statusCode).toBe(200);
      // Uploading the same job again replaces its analysis: no double count.
      expect((await upload(RUN2, 'deploy', log('ho-ssh-refused'))).statusCode).toBe(200);
      const res = await app.inject({ method: 'GET', url: '/api/v1/autopsy/signatures?repo=acme/app', headers: { authorization: `Bearer ${token}` } });
      const sig = res.json().signatures.find((s: { tool: string; category: string }) => s.tool === 'ssh' && s.category === 'network');
      expect(sig).toMatchObject({ count: 2, repo: 'acme/app', last_run_id: RUN2 });
      expect(new Date(sig.first_seen).toISOString()).toBe('2026-11-20T10:00:00.000Z');
      expect(new Date(sig.last_seen).toISOString()).toBe('2026-11-21T10:00:00.000Z');
      const report = await db(hub).selectFrom('autopsy_reports').selectAll().where('run_id', '=', RUN2).executeTakeFirst();
      expect(report?.markdown).toContain('## 🚨 Build');
    });

    it('a job known to have passed has no root cause; bad job ids and unknown runs are refused', async () => {
      const ok = await upload(RUN2, 'lint', log('ho-eslint-errors'), '?failed=false');
      expect(ok.json()).toMatchObject({ failed: false, root_causes: [] });
      expect((await upload(RUN2, 'bad job', Buffer.from('x'))).statusCode).toBe(400);
      const unknown = await app.inject({
        method: 'POST',
        url: '/api/v1/runs/2b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d/jobs/x/logs',
        payload: 'x',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      });
      expect(unknown.statusCode).toBe(404);
    });

    it('reclassify re-runs stored logs with new rules and reports what moved; signatures follow', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'autopsy-rc-'));
      writeFileSync(
        path.join(dir, 'team.yml'),
        `- id: acme.deploy-host-down\n  tool: ssh\n  category: infra_unavailable\n  match: 'connect to host 127\\.0\\.0\\.1 port 2: Connection refused'\n  hint: 'The deploy bastion is down: check the bastion status page.'\n  priority: 99\n`,
      );
      const r = await reclassifyLogs(hub, ruleSet([dir]), shippedClassifier(), null);
      expect(r.reclassified).toBe(3);
      expect(r.changes.map((c) => `${c.run_id}/${c.job}: ${c.from} -> ${c.to}`).sort()).toEqual([
        `${RUN1}/deploy: network (rule ssh.resolve) -> infra_unavailable (rule acme.deploy-host-down)`,
        `${RUN2}/deploy: network (rule ssh.resolve) -> infra_unavailable (rule acme.deploy-host-down)`,
      ]);
      // The shared top cause moved: its old signature lost both jobs, the new one has them.
      const sigs = await db(hub).selectFrom('failure_signatures').selectAll().where('tool', '=', 'ssh').execute();
      expect(sigs.filter((s) => s.category === 'infra_unavailable').map((s) => s.count)).toEqual([2]);
      expect(sigs.filter((s) => s.category === 'network' && s.count > 1)).toEqual([]);
      // Run again with the same rules: nothing moves.
      expect((await reclassifyLogs(hub, ruleSet([dir]), shippedClassifier(), null)).changes).toEqual([]);
    });
  },
  { pillars: [autopsy], now: () => clock },
);
