// `policy check --format junit` is read back by the tests pillar's own JUnit parser (the same code
// that ingests test reports), so a compliance run shows up on test dashboards as it should.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parseReportCases } from '../src/parsers.js';
import { policyCheck } from '../src/pillars/compliance/check.js';
import { renderJunit } from '../src/pillars/compliance/render.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-policy-junit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('JUnit output parses with the tests pillar parser: one failing case per finding, one passing case per clean file', async () => {
  const root = path.join(import.meta.dirname, '..', 'src', 'pillars', 'compliance', 'fixtures', 'repos', 'gh-pr-target');
  const r = policyCheck(root);
  const file = path.join(tmp, 'policy.xml');
  writeFileSync(file, renderJunit(r));
  const { summary, cases } = await parseReportCases(file, { format: 'junit' });
  expect(summary.format).toBe('junit');
  const failed = cases.filter((c) => c.status === 'failed');
  expect(failed).toHaveLength(r.findings.length);
  expect(failed.map((c) => c.name).sort()).toEqual(r.findings.map((f) => `${f.rule} at line ${f.line}`).sort());
  expect(failed.every((c) => c.message && c.message.length > 0)).toBe(true);
  // labeler.yml and nightly.yml have no findings: a passing case each
  expect(cases.filter((c) => c.status === 'passed').map((c) => c.classname)).toEqual(['.github/workflows/labeler.yml', '.github/workflows/nightly.yml']);
});
