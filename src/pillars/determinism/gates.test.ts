// `ci-intel gate determinism` over the JSON of `repro diff` and `repro`, and `--record` feeding
// the store, through the assembled CLI.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/assembled.js';
import { determinismPillar } from './index.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-repro-gate-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = path.join(tmp, name);
  writeFileSync(p, text);
  return p;
};

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(
    args,
    { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, now: () => new Date('2026-12-06T06:00:00Z'), cwd: tmp },
    [determinismPillar],
  );
  return { code, out, err };
}

describe('ci-intel gate determinism', () => {
  it('fails on any drift by default, names the artifacts and classes; passes when all reproduce or above --min', async () => {
    const [a1, a2, b2] = [file('a1.txt', 'built 05:00:01\n'), file('a2.txt', 'same\n'), file('b2.txt', 'same\n')];
    const b1 = file('b1.txt', 'built 05:00:09\n');
    const drift = await cli(['repro', 'diff', a1, b1, '--json']);
    const same = await cli(['repro', 'diff', a2, b2, '--json']);
    const report = file('diff.json', drift.out + same.out);
    const fail = await cli(['gate', 'determinism', report]);
    expect(fail.code).toBe(1);
    expect(fail.out).toBe(
      'FAIL gate=determinism value=50 min=100 artifacts=2 not_compared=0 reason="1 of 2 artifacts not reproducible (a1.txt vs b1.txt): timestamp"\n',
    );
    const pass = await cli(['gate', 'determinism', report, '--min', '50']);
    expect(pass.code).toBe(0);
    expect(pass.out).toMatch(/^PASS gate=determinism value=50 min=50/);
    // the one-object output of `repro -- BUILD`
    const run = file('run.json', JSON.stringify({ verdicts: [JSON.parse(same.out) as unknown] }) + '\n');
    expect((await cli(['gate', 'determinism', run])).out).toMatch(
      /^PASS gate=determinism value=100 min=100 artifacts=1 not_compared=0 reason="all 1 artifact reproducible"/,
    );
  });

  it('a file that is not a report is named with its line', async () => {
    const bad = file('bad.json', '{"artifact":"x","verdict":"reproducible"}\nnot json\n');
    const r = await cli(['gate', 'determinism', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/E_JSON_MALFORMED: .*bad\.json:2: not a JSON line — pass the output of ci-intel repro --json/);
  });

  it('--record stores the verdicts of a commit', async () => {
    const [a, b] = [file('r1.txt', 'x 2026-11-01\n'), file('r2.txt', 'x 2026-11-02\n')];
    const db = path.join(tmp, 'db');
    const r = await cli(['repro', 'diff', a, b, '--record', '--repo', 'acme/app', '--commit', 'abc123', '--db', db]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('recorded 1 artifact verdict for acme/app@abc123');
    const none = await cli(['repro', 'diff', a, b, '--record']);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/E_USAGE: --record: --record needs --repo and --commit/);
  });
});
