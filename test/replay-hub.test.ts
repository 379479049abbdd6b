// Infrastructure records on the hub: `replay record --hub` uploads real Terraform and Ansible
// outputs; the hub parses them (errors name the field and JSON pointer), redacts sensitive values
// before storage, keeps one row per record per repository, answers reads for visible repositories
// only; applies count as deployments in DORA (a failed apply raises the change failure rate, the
// next good apply of the environment restores it) and drift checks show per environment.
// In test/ because it reads the metrics pillar's refresh directly (the hub runs it on a timer).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { refresh } from '../src/pillars/metrics/refresh.js';
import { describeEachStore, type TestHub } from './support/stores.js';
import { pillars, runCli } from './support/assembled.js';
import { listeningHub } from './support/hub-app.js';

const fx = path.join(import.meta.dirname, '..', 'src', 'pillars', 'replay', 'fixtures');
const tf = (f: string) => path.join(fx, 'terraform', f);
const NOW = new Date('2026-12-06T12:00:00Z');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-replay-hub-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const SECRET = 'hunter2-not-real';

describeEachStore(
  'replay records on the hub',
  (getHub) => {
    let hub: TestHub;
    let app: FastifyInstance;
    let url: string;
    let token: string;
    let other: string;
    let readOnly: string;
    beforeAll(async () => {
      hub = getHub();
      const h = await listeningHub(hub, {
        acme: { repos: ['acme/*'], scopes: ['ingest', 'read'] },
        globex: { repos: ['globex/*'], scopes: ['ingest', 'read'] },
        reader: { repos: ['acme/*'], scopes: ['read'] },
      });
      ({ app, url } = h);
      ({ acme: token, globex: other, reader: readOnly } = h.tokens);
    });
    afterAll(async () => app?.close());
    const get = (u: string, t = token) => app.inject({ method: 'GET', url: u, headers: { authorization: `Bearer ${t}` } });
    const post = (u: string, body: unknown, t = token) =>
      app.inject({
        method: 'POST',
        url: u,
        payload: typeof body === 'string' ? body : JSON.stringify(body),
        headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      });
    const cli = async (args: string[]) => {
      let out = '';
      let err = '';
      const code = await runCli(
        [...args, '--data-dir', path.join(tmp, 'local')],
        { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, now: () => NOW },
        pillars,
      );
      return { code, out, err };
    };
    const record = (env: string, commit: string, files: string[]) =>
      cli(['replay', 'record', ...files, '--env', env, '--commit', commit, '--hub', url, '--token', token, '--repo', 'acme/infra', '--json']);

    /** Every stored byte of the hub's records and rows. */
    async function storedText(): Promise<string> {
      const parts: string[] = [];
      for await (const b of hub.blob.list('replay/')) parts.push((await hub.blob.getBuffer(b.key)).toString('utf8'));
      const rows = await hub.db.withTables<{ replay_records: Record<string, unknown> }>().selectFrom('replay_records').selectAll().execute();
      return parts.join('\n') + JSON.stringify(rows);
    }

    it('uploads a real Terraform plan+apply; once per record; secrets never stored; listed and shown', async () => {
      const a = await record('staging', 'a'.repeat(40), ['--plan', tf('plan-create.json'), '--apply', tf('apply-create.ndjson')]);
      expect(a.code, a.err).toBe(0);
      const ra = JSON.parse(a.out);
      expect(ra).toMatchObject({ repo: 'acme/infra', created: true, tool: 'terraform', kind: 'apply', env: 'staging', failed: false });
      expect(a.err).toContain(`recorded on ${url} for acme/infra`);
      const again = await record('staging', 'a'.repeat(40), ['--plan', tf('plan-create.json'), '--apply', tf('apply-create.ndjson')]);
      expect(JSON.parse(again.out)).toMatchObject({ id: ra.id, created: false });
      const b = await record('staging', 'b'.repeat(40), ['--plan', tf('plan-update.json'), '--apply', tf('apply-update.ndjson')]);
      expect(b.code, b.err).toBe(0);
      // Nothing went to the local data folder: the hub holds the records.
      expect(existsSync(path.join(tmp, 'local', 'blobs'))).toBe(false);

      const list = await get('/api/v1/repos/acme/infra/replay-records?env=staging');
      expect(list.statusCode, list.body).toBe(200);
      const recs = list.json().records as Array<{ id: string; commit: string; kind: string; changes: number }>;
      expect(recs.map((r) => [r.commit[0], r.kind, r.changes])).toEqual([
        ['a', 'apply', 2],
        ['b', 'apply', 2],
      ]);
      const one = await get(`/api/v1/repos/acme/infra/replay-records/${ra.id.slice(0, 8)}`);
      expect(one.statusCode, one.body).toBe(200);
      expect(one.json().terraform.changes.map((c: { address: string }) => c.address)).toEqual(['terraform_data.app', 'terraform_data.migrate']);
      expect(one.json().terraform.variables.db_password).toBe('(sensitive)');
      // The secret was in the uploaded plan (Terraform writes it there) and is nowhere in the store.
      expect(readFileSync(tf('plan-create.json'), 'utf8')).toContain(SECRET);
      const stored = await storedText();
      expect(stored).toContain('terraform_data.migrate');
      expect(stored).not.toContain(SECRET);
    });

    it('refuses bad uploads with the field and JSON pointer; other repositories and read-only tokens are refused', async () => {
      const plan = JSON.parse(readFileSync(tf('plan-create.json'), 'utf8'));
      plan.resource_changes[1].change.actions = 'create';
      const bad = await post('/api/v1/repos/acme/infra/replay-records', { env: 'prod', plan: JSON.stringify(plan) });
      expect(bad.statusCode, bad.body).toBe(400);
      expect(bad.json().error).toMatchObject({ code: 'E_REPLAY_INVALID', where: 'plan' });
      expect(bad.json().error.message).toContain('/resource_changes/1/change/actions must be an array');
      const badField = await post('/api/v1/repos/acme/infra/replay-records', { env: 'prod', apply: 42 });
      expect(badField.statusCode).toBe(400);
      expect(badField.json().error.message).toContain('/apply must be a string');
      const badEnv = await post('/api/v1/repos/acme/infra/replay-records', { env: '../x', plan: '{}' });
      expect(badEnv.json().error.message).toMatch(/^\/env must be an environment name/);
      const notJson = await post('/api/v1/repos/acme/infra/replay-records', '{"env": "prod",\n"plan": }');
      expect(notJson.statusCode).toBe(400);
      expect(notJson.json().error).toMatchObject({ code: 'E_REPLAY_INVALID', where: expect.stringMatching(/^request body/) });
      const badLine = await post('/api/v1/repos/acme/infra/replay-records', { env: 'prod', apply: '{"type":"version"}\nnot json\n' });
      expect(badLine.json().error).toMatchObject({ code: 'E_REPLAY_INVALID', where: 'apply:2' });
      const nothing = await post('/api/v1/repos/acme/infra/replay-records', { env: 'prod' });
      expect(nothing.statusCode).toBe(400);

      const body = { env: 'prod', plan: readFileSync(tf('plan-create.json'), 'utf8') };
      expect((await post('/api/v1/repos/acme/infra/replay-records', body, other)).statusCode).toBe(403);
      expect((await post('/api/v1/repos/acme/infra/replay-records', body, readOnly)).statusCode).toBe(403);
      expect((await get('/api/v1/repos/acme/infra/replay-records', other)).statusCode).toBe(403);
      const drift = await get('/api/v1/replay/drift', other);
      expect(drift.json().environments).toEqual([]);
    });

    it('a failed apply raises the change failure rate; the next good apply of the environment restores it', async () => {
      const t = (n: number) => ['--plan', tf(`failing/plan-${n}.json`), '--apply', tf(`failing/apply-${n}.ndjson`)];
      const r1 = JSON.parse((await record('prod', '1'.repeat(40), t(1))).out);
      const r2 = JSON.parse((await record('prod', '2'.repeat(40), t(2))).out);
      expect(r1.failed).toBe(false);
      expect(r2).toMatchObject({ failed: true, kind: 'apply' });
      await refresh(hub, { full: true });
      const before = (await get('/api/v1/metrics/dora?repo=acme/infra&environment=prod&window=30')).json();
      expect(before.total).toMatchObject({ deployments: 2, successful: 1, failed: 1, change_failure_rate: 0.5, incidents_open: 1, incidents_restored: 0 });

      const r3 = JSON.parse((await record('prod', '3'.repeat(40), t(3))).out);
      expect(r3.failed).toBe(false);
      await refresh(hub, { full: true });
      const after = (await get('/api/v1/metrics/dora?repo=acme/infra&environment=prod&window=30')).json();
      expect(after.total).toMatchObject({ deployments: 3, successful: 2, failed: 1, incidents_open: 0, incidents_restored: 1 });
      expect(after.total.change_failure_rate).toBeCloseTo(1 / 3, 6);
      // Restored by the v3 apply, timed from the failed v2 apply (the runs' own timestamps).
      const restore = (Date.parse(r3.observed) - Date.parse(r2.observed)) / 1000;
      expect(restore).toBeGreaterThan(0);
      expect(after.total.time_to_restore_median_s).toBeCloseTo(restore, 3);
      expect(after.incidents).toEqual([expect.objectContaining({ failed_deployment_id: `infra-${r2.id}`, restored_by: `infra-${r3.id}`, failures: 1 })]);
    });

    it('drift checks per environment: the streak, persistence, the items and the trend', async () => {
      const clean = await record('prod', 'c'.repeat(40), ['--drift', '--plan', tf('refresh-only.ndjson')]);
      expect(JSON.parse(clean.out)).toMatchObject({ kind: 'drift', drift: [] });
      for (const c of ['d', 'e']) {
        const d = await record('prod', c.repeat(40), ['--drift', '--plan', tf('refresh-only-drift-local-file.ndjson')]);
        expect(d.code, d.err).toBe(0);
      }
      const r = await get('/api/v1/replay/drift?repo=acme/infra');
      expect(r.statusCode, r.body).toBe(200);
      const envs = r.json().environments as Array<Record<string, unknown>>;
      expect(envs).toHaveLength(1);
      expect(envs[0]).toMatchObject({
        repo: 'acme/infra',
        environment: 'prod',
        checks: 3,
        drifted_checks: 2,
        streak: 2,
        persists: true,
        persistent_items: ['local_file.motd', 'random_pet.server'],
      });
      expect(envs[0]!.trend).toEqual([{ day: '2026-12-06', checks: 3, drifted_items: 2 }]);
      const sum = (await get('/api/v1/replay/drift/summary?window=30')).json();
      expect(sum).toMatchObject({ environments_checked: 1, drift_persists_in: 1, drifted_items_now: 2 });
      expect(sum.environments[0]).toMatchObject({ repository: 'acme/infra', environment: 'prod', state: 'drift persists', drifted_checks_in_a_row: 2 });
      // Every run of the window, newest first; another team's token sees none of them.
      const recent = (await get('/api/v1/replay/records?window=30&environment=prod')).json().records as Array<{ kind: string; failed: boolean }>;
      expect(recent.map((r) => `${r.kind}${r.failed ? ' failed' : ''}`)).toEqual(['apply', 'apply failed', 'apply', 'drift', 'drift', 'drift']);
      expect((await get('/api/v1/replay/records?window=30', other)).json().records).toEqual([]);
    });
  },
  { pillars, now: () => NOW },
);
