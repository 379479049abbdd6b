// The light CLI path (src/cli/light.ts) must behave exactly like the full registry for the commands
// it serves: same output, same configuration checks.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { pillars } from '../pillars/index.js';
import { CONFIG_SECTIONS } from './config-sections.js';
import { fullPillars, lightPillars } from './light.js';
import { makeCliContext, runCli } from './program.js';

const LOG = path.resolve('src/pillars/autopsy/fixtures/heldout/logs/ho-py-assert-list.log');
const REPORT = path.resolve('src/pillars/test-reports/fixtures/reports/pytest/report.xml');

/** Runs the CLI as main.ts does: a light program (`core: false`) or the full registry. */
async function run(argv: string[], ps: typeof pillars, cwd?: string) {
  let out = '';
  let err = '';
  const code = await runCli(
    argv,
    { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, cwd, now: () => new Date('2026-11-22T00:00:00Z') },
    ps,
    fullPillars,
    { core: ps === pillars },
  );
  return { code, out, err };
}

describe('light CLI path', () => {
  it('knows every pillar configuration section of the full registry', () => {
    const full = pillars.flatMap((p) => (p.config ? [p.config.key] : [])).sort();
    expect(CONFIG_SECTIONS.map((s) => s.key).sort()).toEqual(full);
  });

  it('serves the agent commands autopsy, tests, policy, canary, sbom, verify and datalab; everything else loads the full registry', async () => {
    expect((await lightPillars(['autopsy', 'x.log']))?.map((p) => p.id).sort()).toEqual([
      'autopsy',
      'cache',
      'chatops',
      'compliance',
      'dataQuality',
      'datalab',
      'delivery',
      'metrics',
      'mutation',
      'scheduler',
      'scoreboard',
      'sql',
      'tests',
      'traces',
    ]);
    expect((await lightPillars(['tests', 'parse', 'f']))?.find((p) => p.commands)?.id).toBe('tests');
    expect((await lightPillars(['policy', 'check', '.']))?.find((p) => p.commands)?.id).toBe('policy');
    expect((await lightPillars(['canary', 'judge']))?.find((p) => p.commands)?.id).toBe('canary');
    expect((await lightPillars(['datalab', 'up']))?.find((p) => p.commands)?.id).toBe('datalab');
    expect((await lightPillars(['sbom', 'diff']))?.find((p) => p.commands)?.id).toBe('sbom');
    for (const argv of [['ingest', 'f'], ['--help'], [], ['gate', 'coverage'], ['mutation', 'report', 'f'], ['constructor'], ['__proto__'], ['--version', 'x']])
      expect(await lightPillars(argv)).toBeNull();
    // `--version` needs no command; `tests split` only its own, and no configuration section.
    expect(await lightPillars(['--version'])).toEqual([]);
    expect(await lightPillars(['-V'])).toEqual([]);
    const split = (await lightPillars(['tests', 'split', '--shards', '2']))!;
    expect(split.map((p) => [p.id, Boolean(p.commands), Boolean(p.config)])).toEqual([['tests', true, false]]);
  });

  it('a store opened from the light program runs every pillar migrations (the full registry)', async () => {
    const light = (await lightPillars(['autopsy']))!;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-light-db-'));
    const ctx = makeCliContext({ out: () => {}, err: () => {}, env: {}, isTTY: false, cwd: dir }, light, fullPillars);
    const hub = await ctx.openHub({ db: path.join(dir, 'db') });
    try {
      for (const t of ['metrics_run_daily', 'mutation_runs', 'autopsy_logs']) await sql.raw(`select count(*) from ${t}`).execute(hub.db);
    } finally {
      await hub.close();
    }
  });

  it('prints what the full registry prints, and exits the same', async () => {
    const light = (await lightPillars(['autopsy']))!;
    const tests = (await lightPillars(['tests']))!;
    const split = (await lightPillars(['tests', 'split']))!;
    const version = (await lightPillars(['--version']))!;
    for (const [argv, ps] of [
      [['autopsy', '--json', LOG], light],
      [['autopsy', '--md', LOG], light],
      [['autopsy', '--help'], light],
      [['tests', 'parse', '--json', REPORT], tests],
      [['tests', 'flaky', REPORT], tests],
      [['tests', 'split', '--shards', '2', '--timings', REPORT, '--json'], split],
      [['tests', 'split', '--shards', '3', '--index', '1', '--by', 'case', '--timings', REPORT], split],
      [['tests', 'split', '--shards', '0', '--timings', REPORT], split],
      [['tests', 'split', '--shards', '2', '--bogus'], split],
      [['tests', 'split', '--help'], split],
      [['--version'], version],
      [['-V'], version],
    ] as const) {
      const a = await run([...argv], ps);
      const b = await run([...argv], pillars);
      expect(a).toEqual(b);
    }
    expect((await run(['autopsy', '--json', LOG], light)).code).toBe(1);
    expect(JSON.parse((await run(['tests', 'parse', '--json', REPORT], tests)).out)).toMatchObject({ format: 'junit', tests: 11, failed: 2 });
  });

  it('validates ci-intel.yml whole: other pillars sections pass, unknown keys and bad values fail', async () => {
    const light = (await lightPillars(['autopsy']))!;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-light-'));
    writeFileSync(path.join(dir, 'ci-intel.yml'), 'metrics:\n  productionEnvironments: [prod]\ntests:\n  {}\n');
    expect((await run(['autopsy', '--json', LOG], light, dir)).code).toBe(1);
    writeFileSync(path.join(dir, 'ci-intel.yml'), 'metrics:\n  productionEnvironments: []\n');
    const bad = await run(['autopsy', '--json', LOG], light, dir);
    const full = await run(['autopsy', '--json', LOG], pillars, dir);
    expect(bad.code).toBe(2);
    expect(bad).toEqual(full);
  });
});
