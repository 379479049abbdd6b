// The release evidence bundle carries the determinism verdicts stored for the run's commit (seed
// 000 pillar 4: "attach binary diff summary to ... Evidence Bundle"): `evidence build` from the
// store (SQL on the determinism pillar's table) or from the hub (its commit-verdicts route) lists the
// artifacts compared, those reproducible, and those not with their classes; none stored, the entry
// says so; `evidence verify` still passes. Real verdicts: `repro diff --record` of two gcc builds
// with __DATE__ and the build folder in the debug info, and of the fixed build.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { gccPair } from '../src/pillars/determinism/fixtures/builds.js';
import { capturingCli, listeningHub } from './support/hub-app.js';
import { pillars } from './support/assembled.js';
import { openTestHub, type TestHub } from './support/stores.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const seedFile = path.join(here, '..', 'src/core/contract/fixtures/seed-example.fixed.v1.2.ndjson');
const seed = JSON.parse(readFileSync(seedFile, 'utf8').split('\n')[0]!) as { run_id: string; repo: string; commit_sha: string };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-evidence-repro-'));
const cli = capturingCli({ now: () => new Date('2026-12-06T06:00:00Z'), cwd: tmp });

/** Two build folders: `hello` built twice as it drifts, `hello-fixed` built twice reproducibly. */
let a: string;
let b: string;
let classes: Record<string, number>;
let hub: TestHub;
beforeAll(async () => {
  a = path.join(tmp, 'a');
  b = path.join(tmp, 'b');
  mkdirSync(a);
  mkdirSync(b);
  for (const [fixed, name] of [
    [false, 'hello'],
    [true, 'hello-fixed'],
  ] as const) {
    const p = gccPair(tmp, fixed);
    copyFileSync(p.a, path.join(a, name));
    copyFileSync(p.b, path.join(b, name));
  }
  // What repro diff itself says of the drifting build: the bundle must carry the same classes.
  const d = await cli(['repro', 'diff', a, b, '--json']);
  const lines = d.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { artifact: string; verdict: string; classes: Record<string, number> });
  expect(lines.map((l) => `${l.artifact} ${l.verdict}`)).toEqual(['hello not reproducible', 'hello-fixed reproducible']);
  classes = lines[0]!.classes;
  expect(Object.keys(classes)).toEqual(expect.arrayContaining(['timestamp', 'build-path']));
  hub = await openTestHub('pglite', { pillars });
}, 300_000);
afterAll(async () => {
  await hub?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const expected = () => ({
  commit: seed.commit_sha,
  compared: 2,
  reproducible: ['hello-fixed'],
  not_reproducible: [{ artifact: 'hello', classes: Object.fromEntries(Object.entries(classes).sort(([x], [y]) => (x < y ? -1 : 1))) }],
  note: null,
});

it('from the store: none recorded says so; after repro diff --record, the commit’s verdicts; verify passes', async () => {
  const db = ['--db', path.join(tmp, 'db')];
  const store = [...db, '--data-dir', tmp];
  expect((await cli(['ingest', seedFile, ...store])).code).toBe(0);
  const out = path.join(tmp, 'store-evidence.json');
  expect((await cli(['evidence', 'build', '--run', seed.run_id, '--out', out, ...store])).code).toBe(0);
  expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({
    reproducible: {
      commit: seed.commit_sha,
      compared: 0,
      reproducible: [],
      not_reproducible: [],
      note: `no reproducibility verdicts recorded for commit ${seed.commit_sha}`,
    },
  });
  const rec = await cli(['repro', 'diff', a, b, '--record', '--repo', seed.repo, '--commit', seed.commit_sha, ...db]);
  expect(rec.err).toContain('recorded 2 artifact verdicts');
  // Another commit's verdicts are not this release's.
  expect((await cli(['repro', 'diff', a, b, '--record', '--repo', seed.repo, '--commit', 'b'.repeat(40), ...db])).code).toBe(1);
  const b2 = await cli(['evidence', 'build', '--run', seed.run_id, '--out', out, ...store]);
  expect(b2.err).toBe('');
  expect(JSON.parse(readFileSync(out, 'utf8')).reproducible).toEqual(expected());
  expect((await cli(['evidence', 'verify', out])).code).toBe(0);
}, 300_000);

it('from the hub: the commit-verdicts route gives the same entry, and the hub accepts the bundle', async () => {
  const { app, url, tokens } = await listeningHub(hub, { org: { repos: ['org/*'], scopes: ['ingest', 'read'] } });
  try {
    const ing = await app.inject({
      method: 'POST',
      url: '/api/v1/runs',
      payload: `${JSON.stringify(seed)}\n`,
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${tokens.org}` },
    });
    expect(ing.statusCode, ing.body).toBe(200);
    const hubArgs = ['--hub', url, '--token', tokens.org];
    const out = path.join(tmp, 'hub-evidence.json');
    expect((await cli(['evidence', 'build', '--run', seed.run_id, '--out', out, ...hubArgs])).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).reproducible).toMatchObject({
      compared: 0,
      note: `no reproducibility verdicts recorded for commit ${seed.commit_sha}`,
    });
    const rec = await cli(['repro', 'diff', a, b, '--record', '--repo', seed.repo, '--commit', seed.commit_sha, ...hubArgs]);
    expect(rec.err).toContain('recorded 2 artifact verdicts');
    const built = await cli(['evidence', 'build', '--run', seed.run_id, '--out', out, ...hubArgs]);
    expect(built.err).toMatch(/^uploaded: /m);
    expect(JSON.parse(readFileSync(out, 'utf8')).reproducible).toEqual(expected());
    expect((await cli(['evidence', 'verify', out])).code).toBe(0);
  } finally {
    await app.close();
  }
}, 300_000);
