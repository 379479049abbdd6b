// The light CLI path (src/cli/light.ts) must behave exactly like the full registry for the commands
// it serves: same output, same configuration checks.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pillars } from '../pillars/index.js';
import { CONFIG_SECTIONS, lightPillars } from './light.js';
import { runCli } from './program.js';

const LOG = path.resolve('src/pillars/autopsy/fixtures/heldout/logs/ho-py-assert-list.log');

async function run(argv: string[], ps: typeof pillars, cwd?: string) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, cwd, now: () => new Date('2026-11-22T00:00:00Z') }, ps);
  return { code, out, err };
}

describe('light CLI path', () => {
  it('knows every pillar configuration section of the full registry', () => {
    const full = pillars.flatMap((p) => (p.config ? [p.config.key] : [])).sort();
    expect(CONFIG_SECTIONS.map((s) => s.key).sort()).toEqual(full);
  });

  it('serves the offline autopsy commands only', async () => {
    expect((await lightPillars(['autopsy', 'x.log']))?.map((p) => p.id).sort()).toEqual(['autopsy', 'cache', 'metrics', 'mutation', 'tests']);
    expect(await lightPillars(['autopsy', 'eval', 'dir'])).not.toBeNull();
    for (const argv of [['autopsy', 'reclassify'], ['ingest', 'f'], ['--help'], [], ['tests', 'parse', 'f']]) expect(await lightPillars(argv)).toBeNull();
  });

  it('prints what the full registry prints, and exits the same', async () => {
    const light = (await lightPillars(['autopsy']))!;
    for (const argv of [['autopsy', '--json', LOG], ['autopsy', '--md', LOG], ['autopsy', '--help']]) {
      const a = await run(argv, light);
      const b = await run(argv, pillars);
      expect(a).toEqual(b);
    }
    expect((await run(['autopsy', '--json', LOG], light)).code).toBe(1);
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
