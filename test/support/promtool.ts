// promtool for the tests of alert rules: where it is, and a rules file checked and unit-tested
// (`promtool check rules`, `promtool test rules`) in a temporary folder. CI installs it (.ci/run).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
if (!promtool && process.env.CI === 'true') throw new Error('promtool is missing: .ci/run installs the prometheus package');

/** Checks `rules` and runs the rule tests `tests` (a promtool test file's `tests:` list, as YAML) on them. */
export function promtoolRun(rules: string, tests: string): { checked: string; status: number | null; output: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'promtool-'));
  writeFileSync(path.join(dir, 'rules.yml'), rules);
  const checked = execFileSync(promtool!, ['check', 'rules', 'rules.yml'], { cwd: dir, encoding: 'utf8' });
  writeFileSync(path.join(dir, 'test.yml'), `rule_files: [rules.yml]\nevaluation_interval: 1m\ntests:\n${tests}`);
  const r = spawnSync(promtool!, ['test', 'rules', 'test.yml'], { cwd: dir, encoding: 'utf8' });
  return { checked, status: r.status, output: r.stdout + r.stderr };
}
