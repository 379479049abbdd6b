// The DR drill gate as data (pure verdicts), then end to end: `drill record` into a PGlite store and
// `gate drill --max-age 7d` passing on a fresh good drill, failing on an old, failed or slow one.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pillars, runCli } from '../../../test/support/assembled.js';
import { drillIdOf, drillVerdict, type Drill } from './drills.js';

const NOW = new Date('2026-12-06T12:00:00Z');
const T = { rpoTargetS: 60, rtoTargetS: 300 };
const WEEK = 7 * 86_400_000;
const drill = (over: Partial<Drill>): Drill => {
  const base = {
    type: 'restore' as const,
    environment: 'prod',
    repo: null,
    result: 'pass' as const,
    rpo_s: 30,
    rto_s: 120,
    performed_at: '2026-12-04T12:00:00.000Z',
    ...over,
  };
  return { ...base, drill_id: drillIdOf(base), recorded_by: null, evidence: null };
};

describe('drill verdicts', () => {
  it('passes a recent, passed drill within RPO/RTO; blocks without one, when old, failed or slow', () => {
    expect(drillVerdict([drill({})], T, NOW, WEEK)).toMatchObject({ pass: true, age_days: 2 });
    expect(drillVerdict([], T, NOW, WEEK)).toMatchObject({ pass: false, reason: 'no DR drill recorded' });
    expect(drillVerdict([drill({ performed_at: '2026-11-28T12:00:00.000Z' })], T, NOW, WEEK).reason).toMatch(/is 8 days old, over 7$/);
    expect(drillVerdict([drill({ result: 'fail' })], T, NOW, WEEK).reason).toMatch(/failed$/);
    expect(drillVerdict([drill({ rpo_s: 61, rto_s: 301 })], T, NOW, WEEK).reason).toMatch(/missed its targets: RPO 61 s over 60 s, RTO 301 s over 300 s/);
    // The latest counts: an older failure does not block a newer pass.
    expect(drillVerdict([drill({ result: 'fail', performed_at: '2026-12-01T00:00:00.000Z' }), drill({})], T, NOW, WEEK).pass).toBe(true);
  });
});

describe('ci-intel drill record / gate drill', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-drill-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const db = path.join(tmp, 'db');
  const cli = async (args: string[], now = NOW) => {
    let out = '';
    let err = '';
    const code = await runCli(
      [...args, '--db', db, '--data-dir', tmp],
      { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, now: () => now, cwd: tmp },
      pillars,
    );
    return { code, out, err };
  };

  it('no drill blocks; a recorded good drill passes; it expires after 7 days', async () => {
    expect((await cli(['gate', 'drill'])).out).toMatch(/^FAIL gate=drill value=none max=7 .*reason="no DR drill recorded"/);
    const log = path.join(tmp, 'restore.log');
    writeFileSync(log, 'restored 2 GiB in 180 s\n');
    const rec = await cli(['drill', 'record', '--type', 'restore', '--rpo-s', '42', '--rto-s', '180', '--result', 'pass', '--evidence', log, '--at', '1d']);
    expect(rec.out).toBe('recorded: restore drill in prod at 2026-12-05T12:00:00.000Z, pass, RPO 42 s, RTO 180 s\n');
    const ok = await cli(['gate', 'drill', '--max-age', '7d']);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^PASS gate=drill value=1 max=7 environment=prod reason="last drill \(restore, 2026-12-05 12:00 UTC\) passed 1 days ago/);
    const late = await cli(['gate', 'drill', '--max-age', '7d'], new Date('2026-12-13T12:00:01Z'));
    expect(late.code).toBe(1);
    expect(late.out).toContain('is 8 days old, over 7');
    const list = await cli(['drill', 'list', '--json']);
    expect(JSON.parse(list.out) as Drill).toMatchObject({ type: 'restore', rpo_s: 42, evidence: { file: log, bytes: 24 } });
  });

  it('bad input exits 2 naming the option', async () => {
    const r = await cli(['drill', 'record', '--type', 'backup', '--rpo-s', '1', '--rto-s', '1', '--result', 'pass']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--type "backup" is not one of rollback, restore');
    expect((await cli(['drill', 'record', '--type', 'restore', '--rpo-s', '-1', '--rto-s', '1', '--result', 'pass'])).err).toContain(
      '--rpo-s "-1" is not valid',
    );
  });
});
