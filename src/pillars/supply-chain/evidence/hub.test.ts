// The hub keeps and serves a run's release evidence bundle: `evidence build --hub` (the record read
// from the hub) uploads the bundle it wrote for the signed npm release of fixtures/provenance; GET
// /api/v1/runs/:id/evidence gives the same bytes to a token of the run's repository and 404 to
// another team's; a bundle that is not the build's shape is refused by JSON pointer, one over the cap
// by size, a secret in it is redacted; the record's release_evidence_uri pointing at the hub's copy
// (with its sha256) shows on the run; a successful staging run without one is a warning in the ingest
// answer (the data-quality pillar's contract test), the record still stored.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pillars } from '../../../../test/support/assembled.js';
import { capturingCli, listeningHub } from '../../../../test/support/hub-app.js';
import { describeEachStore } from '../../../../test/support/stores.js';
import { MAX_EVIDENCE_BYTES } from './hub.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = (...p: string[]) => path.join(here, '..', 'fixtures', ...p);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-evidence-hub-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const NOW = new Date('2026-12-06T12:00:00Z');

// The seed's example record (org/app, a successful staging run) with the run ids each test needs.
const seed = JSON.parse(readFileSync(path.join(here, '../../../core/contract/fixtures/seed-example.fixed.v1.2.ndjson'), 'utf8').split('\n')[0]!) as Record<
  string,
  unknown
>;
const RUN = seed.run_id as string;
const OTHER_RUN = '2c8d3f5b-7c65-4f4c-8a2f-5f1eab0bc2b2';

/** The release's files, copied where a pipeline keeps them. */
function release(name: string): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const [from, to] of [
    [fx('provenance', 'shop-api-1.0.0.tgz'), 'shop-api-1.0.0.tgz'],
    [fx('provenance', 'shop-api-1.0.0.sigstore.json'), 'shop-api-1.0.0.sigstore.json'],
    [fx('provenance', 'trusted_root.json'), 'trusted_root.json'],
    [fx('sbom', 'head.cdx-1.6.json'), 'sbom.cdx.json'],
  ] as const)
    copyFileSync(from, path.join(dir, to));
  return dir;
}

describeEachStore(
  'the release evidence bundle on the hub',
  (getHub) => {
    let app: FastifyInstance;
    let url: string;
    let tokens: Record<'org' | 'other', string>;
    beforeAll(async () => {
      ({ app, url, tokens } = await listeningHub(getHub(), {
        org: { repos: ['org/*'], scopes: ['ingest', 'read'] },
        other: { repos: ['other/*'], scopes: ['ingest', 'read'] },
      }));
    });
    afterAll(async () => app?.close());
    const cli = capturingCli({ now: () => NOW, cwd: tmp });
    const auth = (t: 'org' | 'other') => ({ authorization: `Bearer ${tokens[t]}` });
    const ingest = async (records: Record<string, unknown>[]) => {
      const r = await app.inject({
        method: 'POST',
        url: '/api/v1/runs',
        payload: records.map((x) => JSON.stringify(x)).join('\n') + '\n',
        headers: { 'content-type': 'application/x-ndjson', ...auth('org') },
      });
      expect(r.statusCode, r.body).toBe(200);
      return r.json() as { accepted: number; data_quality: { status: string; breaches: { check: string; severity: string; value: number }[] } };
    };
    const upload = (run: string, body: string, who: 'org' | 'other' = 'org') =>
      app.inject({ method: 'POST', url: `/api/v1/runs/${run}/evidence`, payload: body, headers: { 'content-type': 'application/json', ...auth(who) } });
    const build = (dir: string, ...extra: string[]) =>
      cli([
        'evidence',
        'build',
        '--run',
        RUN,
        '--out',
        path.join(dir, 'evidence.json'),
        '--artifact',
        path.join(dir, 'shop-api-1.0.0.tgz'),
        '--sbom',
        path.join(dir, 'sbom.cdx.json'),
        '--bundle',
        path.join(dir, 'shop-api-1.0.0.sigstore.json'),
        '--trusted-root',
        path.join(dir, 'trusted_root.json'),
        '--certificate-identity',
        '^https://github\\.com/shop/shop-api/',
        '--certificate-oidc-issuer',
        '^https://token\\.actions\\.githubusercontent\\.com$',
        '--source-uri',
        'github.com/shop/shop-api',
        '--hub',
        url,
        ...extra,
      ]);

    it('evidence build --hub reads the record from the hub, uploads the bundle; GET serves the same bytes to the repository only', async () => {
      await ingest([seed]);
      const dir = release('upload');
      const b = await build(dir, '--token', tokens.org);
      expect(b.code, b.err).toBe(0);
      expect(b.out).toMatch(/^PASS evidence build run=1b7c2e4a-6b54-4e3b-9f1e-4e0d9ea9b1a1 .* files=4 verified=true\n$/);
      const written = readFileSync(path.join(dir, 'evidence.json'), 'utf8');
      const sha = (await import('node:crypto')).createHash('sha256').update(written).digest('hex');
      expect(b.err).toContain(`uploaded: ${url}/api/v1/runs/${RUN}/evidence (sha256 ${sha})\n`);
      // The seed's record names another place for its evidence: the command says how to point it here.
      expect(b.err).toContain(
        `note: the run's release_evidence_uri is https://gcs.example.com/evidence/manifest.json; set it to ${url}/api/v1/runs/${RUN}/evidence#sha256=${sha} in the record`,
      );

      const got = await app.inject({ url: `/api/v1/runs/${RUN}/evidence`, headers: auth('org') });
      expect(got.statusCode).toBe(200);
      expect(got.headers['content-type']).toMatch(/^application\/json/);
      expect(got.headers.etag).toBe(`"${sha}"`);
      expect(got.body).toBe(written);
      expect(JSON.parse(got.body)).toMatchObject({ run_id: RUN, verification: { pass: true }, sbom: { uri: 'https://gcs.example.com/sbom/aaaa.json' } });

      // Another team's token sees neither the bundle nor the run, and cannot replace it.
      const hidden = await app.inject({ url: `/api/v1/runs/${RUN}/evidence`, headers: auth('other') });
      expect(hidden.statusCode).toBe(404);
      expect(hidden.body).not.toContain('org/app');
      expect((await upload(RUN, written, 'other')).statusCode).toBe(404);
      expect((await app.inject({ url: `/api/v1/runs/${RUN}/evidence`, headers: auth('org') })).body).toBe(written);
    });

    it("the record's release_evidence_uri pointing at the hub's copy (its sha256 pinned) shows on the run", async () => {
      const written = readFileSync(path.join(tmp, 'upload', 'evidence.json'), 'utf8');
      const sha = (await import('node:crypto')).createHash('sha256').update(written).digest('hex');
      await ingest([{ ...seed, release_evidence_uri: `${url}/api/v1/runs/${RUN}/evidence#sha256=${sha}` }]);
      const run = (await app.inject({ url: `/api/v1/runs/${RUN}`, headers: auth('org') })).json() as {
        analyses: Record<string, { evidence: Record<string, unknown> }>;
      };
      const e = run.analyses['supply-chain']!.evidence;
      expect(e).toMatchObject({
        uri: `/api/v1/runs/${RUN}/evidence`,
        sha256: sha,
        points_here: true,
        pin: 'matches',
        verification: { pass: true },
        image_digest: seed.image_digest,
      });
      expect((e.verification as { checks: { check: string; pass: boolean }[] }).checks.map((c) => `${c.check} ${c.pass}`)).toEqual([
        'certificate-chain true',
        'certificate-identity true',
        'signature true',
        'transparency-log true',
        'provenance true',
      ]);
      expect((e.files as { role: string }[]).map((f) => f.role)).toEqual(['artifact', 'sbom', 'signature', 'trusted_root']);
      // Re-uploading the same bytes is answered with the link confirmed.
      const again = await upload(RUN, written);
      expect(again.json()).toMatchObject({ sha256: sha, points_here: true, pin: 'matches', verified: true, created: false });
    });

    it('refuses a bundle that is not the build shape, by JSON pointer; another run; one over the size cap', async () => {
      const doc = JSON.parse(readFileSync(path.join(tmp, 'upload', 'evidence.json'), 'utf8')) as Record<string, unknown> & {
        files: { sha256: string }[];
      };
      const refused = async (body: string, run = RUN) => {
        const r = await upload(run, body);
        expect(r.statusCode, r.body).toBe(400);
        return (r.json() as { error: { code: string; message: string } }).error;
      };
      let e = await refused(JSON.stringify({ ...doc, files: [{ ...doc.files[0], sha256: 'abc' }] }));
      expect(e.code).toBe('E_EVIDENCE_INVALID');
      expect(e.message).toContain('body#/files/0/sha256: must match ^[0-9a-f]{64}$');
      e = await refused(JSON.stringify({ ...doc, schema: 'ci-intel/release-evidence/v0', extra: 1 }));
      expect(e.message).toContain('body#/extra: is not a field of a release evidence bundle');
      expect(e.message).toContain('body#/schema: must be "ci-intel/release-evidence/v1"');
      e = await refused(JSON.stringify({ ...doc, rekor: { uuid: 'x' } }));
      expect(e.message).toMatch(/body#\/rekor\/integrated_time: required property is missing/);
      e = await refused('{"schema": ');
      expect(e.message).toMatch(/^the evidence bundle is not JSON/);
      await ingest([{ ...seed, run_id: OTHER_RUN }]);
      e = await refused(JSON.stringify(doc), OTHER_RUN);
      expect(e.code).toBe('E_EVIDENCE_INVALID');
      expect(e.message).toBe(`the evidence bundle is for run ${RUN}, not run ${OTHER_RUN}`);
      const big = await upload(RUN, JSON.stringify({ ...doc, policies: [{ id: 'x', reason: 'y'.repeat(MAX_EVIDENCE_BYTES) }] }));
      expect(big.statusCode).toBe(413);
      expect((big.json() as { error: { code: string } }).error.code).toBe('E_BODY_TOO_LARGE');
    });

    it('a secret in the bundle is redacted before it is stored', async () => {
      const doc = JSON.parse(readFileSync(path.join(tmp, 'upload', 'evidence.json'), 'utf8')) as Record<string, unknown>;
      const secret = `ghp_${'a1B2c3D4e5'.repeat(4)}`;
      const r = await upload(
        OTHER_RUN,
        JSON.stringify({ ...doc, run_id: OTHER_RUN, policies: [{ id: 'deploy', result: 'allow', reason: `token ${secret}` }] }),
      );
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toMatchObject({ redacted: true, points_here: false });
      const got = await app.inject({ url: `/api/v1/runs/${OTHER_RUN}/evidence`, headers: auth('org') });
      expect(got.body).not.toContain(secret);
      expect(JSON.parse(got.body)).toMatchObject({ policies: [{ reason: 'token [REDACTED:github-token]' }] });
    });

    it('a successful staging run without release_evidence_uri is a warning in the ingest answer; the record is stored', async () => {
      const bare: Record<string, unknown> = { ...seed, run_id: '3d9e4a6c-8d76-4a5d-9b3a-6a2fbc1cd3c3' };
      delete bare.release_evidence_uri;
      const answer = await ingest([bare]);
      expect(answer.accepted).toBe(1);
      expect(answer.data_quality.status).toBe('warn');
      expect(answer.data_quality.breaches).toEqual([expect.objectContaining({ check: 'release_evidence_present', severity: 'warn', value: 1 })]);
      const none = await app.inject({ url: `/api/v1/runs/3d9e4a6c-8d76-4a5d-9b3a-6a2fbc1cd3c3/evidence`, headers: auth('org') });
      expect(none.statusCode).toBe(404);
      expect(none.json()).toMatchObject({ error: { message: 'run 3d9e4a6c-8d76-4a5d-9b3a-6a2fbc1cd3c3 has no release evidence bundle' } });
    });
  },
  { pillars },
);
