// The release evidence bundle carries what the delivery pillar judged about the release (seed 000:
// "Canary scorer decision and inputs embedded in Evidence Bundle"): `evidence build --run` from the
// store puts the latest canary verdict of the run's deployment (with its inputs' sha256) and the last
// DR drill of its environment in the bundle. Assembled CLI: two pillars' records in one store.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { capturingCli } from './support/hub-app.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const src = (...p: string[]) => path.join(here, '..', 'src', ...p);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-evidence-delivery-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const RUN = '1b7c2e4a-6b54-4e3b-9f1e-4e0d9ea9b1a1';

const cli = capturingCli({ now: () => new Date('2026-12-06T06:00:00Z'), cwd: tmp });

it('evidence build from the store embeds the canary verdict with its inputs hash and the last DR drill', async () => {
  const db = path.join(tmp, 'db');
  const store = ['--db', db, '--data-dir', tmp];
  expect((await cli(['ingest', src('core/contract/fixtures/seed-example.fixed.v1.2.ndjson'), ...store])).code).toBe(0);
  const out = path.join(tmp, 'evidence.json');
  // Before anything was judged or drilled: both null.
  expect((await cli(['evidence', 'build', '--run', RUN, '--out', out, ...store])).code).toBe(0);
  expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ canary: null, dr_drill: null });

  const canary = src('pillars/delivery/canary/fixtures');
  const judged = await cli([
    'canary',
    'judge',
    '--baseline',
    path.join(canary, 'recorded/baseline.json'),
    '--canary',
    path.join(canary, 'recorded/canary-healthy.json'),
    '--config',
    path.join(canary, 'analysis.yml'),
    '--record',
    '--repo',
    'org/app',
    '--environment',
    'staging',
    '--deployment',
    'deploy-20251023-1200',
    ...store,
  ]);
  expect(judged.err).toMatch(/^recorded: decision [0-9a-f]{12} for org\/app staging deploy-20251023-1200$/m);
  // A drill of another environment does not count for this release; one of staging does.
  for (const env of ['prod', 'staging'])
    expect(
      (
        await cli([
          'drill',
          'record',
          '--type',
          'restore',
          '--rpo-s',
          env === 'prod' ? '5' : '42',
          '--rto-s',
          '180',
          '--result',
          'pass',
          '--environment',
          env,
          '--at',
          '1d',
          ...store,
        ])
      ).code,
    ).toBe(0);

  const b = await cli(['evidence', 'build', '--run', RUN, '--out', out, ...store]);
  expect(b.err).toBe('');
  const doc = JSON.parse(readFileSync(out, 'utf8')) as { canary: Record<string, unknown>; dr_drill: Record<string, unknown> };
  expect(doc.canary).toMatchObject({ verdict: 'promote', score: 100, template: 'success-rate+latency-p95' });
  expect(doc.canary.inputs_sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(doc.dr_drill).toEqual({ type: 'restore', result: 'pass', rpo_s: 42, rto_s: 180, performed_at: '2026-12-05T06:00:00.000Z' });
  // The bundle still verifies (no files pinned here, nothing to re-hash but itself).
  expect((await cli(['evidence', 'verify', out])).code).toBe(0);
});
