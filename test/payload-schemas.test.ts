// Our own JSON upload payloads, each checked by its registered JSON Schema through the function its
// route calls: a planted bad field is refused with its JSON pointer and the route's error code, the
// limits the hand-written checks had still hold (and no tighter: fields not listed pass, only the
// first 20 differences of a verdict are checked, lengths count UTF-16 units), and the schemas'
// enums are the code's lists.
import { describe, expect, it } from 'vitest';
import type { PayloadContract } from '../src/core/contract/payload.js';
import { CORE_SCHEMAS, schemaSet } from '../src/core/contract/registry.js';
import { CiError } from '../src/core/errors.js';
import { FAULTS } from '../src/pillars/chaos/faults.js';
import { parseTrialUpload, trialUploadContract } from '../src/pillars/chaos/store.js';
import { findingContract, parseFindingLine } from '../src/pillars/compliance/routes.js';
import { parseVerdictUpload, verdictUploadContract } from '../src/pillars/determinism/ingest.js';
import { DIFF_CLASSES } from '../src/pillars/determinism/model.js';
import { parseUpload, replayUploadContract } from '../src/pillars/replay/routes.js';
import { commitLineContract, parseCommitLine } from '../src/pillars/sources/commits/parse.js';
import { parseScan, SCAN_SEVERITIES, scanUploadContract } from '../src/pillars/supply-chain/scans.js';
import { SEVERITIES } from '../src/pillars/supply-chain/sarif/normalize.js';
import { parseSarifFindingLine, sarifFindingContract } from '../src/pillars/supply-chain/sarif/routes.js';
import { pillars } from './support/assembled.js';

/** The error a parse function throws: code, where, message. */
function refusal(f: () => unknown): { code: string; where?: string; message: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof CiError) return { code: e.code, where: e.where, message: e.message };
    throw e;
  }
  throw new Error('accepted');
}

const trial = { fault: 'kill_job', target: 'build', seed: 7, started_at: '2026-12-06T10:00:00Z', outcome: 'recovered' };
const verdict = {
  artifact: 'a.tar',
  verdict: 'not reproducible',
  size: [1, 2],
  sha256: ['a'.repeat(64), 'b'.repeat(64)],
  classes: { timestamp: 1 },
  differences: [{ class: 'timestamp', where: 'a.tar!x', detail: 'mtime' }],
  notes: [],
};
const scan = { components: 3, vulnerabilities: { critical: 0, high: 1, medium: 0, low: 0, unknown: 0 }, vex_cleared: 0 };
const finding = { rule: 'unpinned-action', severity: 'error', file: '.github/workflows/ci.yml', line: 3, message: 'pin it' };
const SHA = 'c'.repeat(40);

describe('chaos trial upload (chaos_trial_upload 1.0.0)', () => {
  it('refuses a planted bad field with its pointer and E_CHAOS_TRIAL_INVALID; every problem is listed', () => {
    expect(refusal(() => parseTrialUpload(JSON.stringify({ trial: { ...trial, seed: -1 } })))).toMatchObject({
      code: 'E_CHAOS_TRIAL_INVALID',
      where: '/trial/seed',
    });
    const r = refusal(() => parseTrialUpload(JSON.stringify({ trial: { ...trial, rate: 2, outcome: 'exploded' }, added_ms: 1.5 })));
    expect(r.where).toBe('/trial/rate');
    expect(r.message).toBe(
      '/trial/rate: the rate must be a number 0..1; /trial/outcome: the outcome must be one of recovered, degraded, failed; /added_ms: added_ms must be a whole number ≥ 0',
    );
    expect(refusal(() => parseTrialUpload('{}'))).toMatchObject({ where: '/trial' });
    expect(refusal(() => parseTrialUpload(JSON.stringify({ trial: { ...trial, fault: undefined } })))).toMatchObject({ where: '/trial/fault' });
  });

  it('keeps the date check the schema cannot say (any date Date.parse reads), and accepts fields it does not list', () => {
    expect(refusal(() => parseTrialUpload(JSON.stringify({ trial: { ...trial, ended_at: 'soon' } })))).toMatchObject({ where: '/trial/ended_at' });
    expect(parseTrialUpload(JSON.stringify({ trial: { ...trial, note: 'x' }, added_ms: 40, extra: 1 }))).toEqual({
      trial: { ...trial, note: 'x' },
      added_ms: 40,
    });
  });
});

describe('reproducibility verdicts upload (repro_verdicts_upload 1.0.0)', () => {
  const upload = (v: object) => JSON.stringify({ verdicts: [v] });
  it('refuses a planted bad field with its pointer and E_REPORT_INVALID', () => {
    expect(refusal(() => parseVerdictUpload(upload({ ...verdict, size: [1, -2] })))).toMatchObject({
      code: 'E_REPORT_INVALID',
      where: 'body: /verdicts/0/size/1',
    });
    expect(refusal(() => parseVerdictUpload(upload({ ...verdict, differences: [{ class: 'weather', where: 'x', detail: 'y' }] })))).toMatchObject({
      where: 'body: /verdicts/0/differences/0/class',
    });
    expect(refusal(() => parseVerdictUpload(upload({ ...verdict, classes: { 'umask/permissions': 'two' } })))).toMatchObject({
      where: 'body: /verdicts/0/classes/umask~1permissions',
    });
  });

  it('checks the first 20 differences (the ones kept), counts lengths in UTF-16 units, and stores only the listed fields', () => {
    const differences = [...Array.from({ length: 20 }, () => verdict.differences[0]!), { class: 'weather' }];
    const [v] = parseVerdictUpload(upload({ ...verdict, differences, extra: true }));
    expect(v!.differences).toHaveLength(20);
    expect(v).not.toHaveProperty('extra');
    // 600 characters outside the BMP are 1,200 UTF-16 units: over the artifact's 1,000.
    expect(refusal(() => parseVerdictUpload(upload({ ...verdict, artifact: '𝔸'.repeat(600) })))).toMatchObject({ where: 'body: /verdicts/0/artifact' });
    expect(parseVerdictUpload(upload({ ...verdict, artifact: '𝔸'.repeat(500) }))[0]!.artifact).toHaveLength(1000);
  });
});

describe('SBOM scan upload (sbom_scan_upload 1.0.0)', () => {
  it('refuses a planted bad count with its pointer (E_USAGE, as before) and keeps the 10,000,000 limit', () => {
    expect(refusal(() => parseScan(JSON.stringify({ ...scan, vulnerabilities: { ...scan.vulnerabilities, high: -1 } })))).toMatchObject({
      code: 'E_USAGE',
      where: 'body: /vulnerabilities/high',
    });
    expect(refusal(() => parseScan(JSON.stringify({ ...scan, components: 10_000_001 })))).toMatchObject({ where: 'body: /components' });
    expect(parseScan(JSON.stringify({ ...scan, components: 10_000_000, tool: 'grype' }))).toEqual({ ...scan, components: 10_000_000 });
  });
});

describe('NDJSON lines: a compliance finding (compliance_finding 1.0.0), a commit (commit_line 1.0.0), a static analysis finding (sarif_finding 1.0.0)', () => {
  it('names the first problem of a bad line in field order, with its line number', () => {
    expect(parseFindingLine(JSON.stringify({ ...finding, file: 'C:/work/ci.yml', line: -1 }), 4)).toEqual({
      line: 4,
      pointer: '/file',
      reason: 'a path relative to the repository, without ..',
    });
    expect(parseFindingLine(JSON.stringify({ ...finding, message: '' }), 2)).toMatchObject({ pointer: '/message' });
    expect(parseFindingLine(JSON.stringify({ ...finding, column: 'x', fix: 'f' }), 1)).toEqual({ ...finding, fix: 'f' });
    expect(parseCommitLine(JSON.stringify({ sha: SHA, parents: [SHA, 'abc'] }), 9, 'o/r', 'api')).toEqual({
      line: 9,
      pointer: '/parents/1',
      reason: 'must be a full commit SHA',
    });
    // The schema's pattern is the shape; the date itself is the check after it.
    expect(parseCommitLine(JSON.stringify({ sha: SHA, parents: [], committed_at: '2026-13-45T00:00:00Z' }), 1, 'o/r', 'api')).toMatchObject({
      pointer: '/committed_at',
    });
    const sarif = {
      tool: 'semgrep',
      tool_version: '',
      rule_id: 'r1',
      cwes: [79],
      severity: 'high',
      file: '',
      line: 0,
      message: '',
      line_hash: 'd'.repeat(64),
      hash_from: 'line',
    };
    expect(parseSarifFindingLine(JSON.stringify({ ...sarif, cwes: [79, 0] }), 5)).toEqual({ line: 5, pointer: '/cwes/1', reason: 'a list of CWE numbers' });
    expect(parseSarifFindingLine(JSON.stringify({ ...sarif, suppressed: { justification: ' \n ' } }), 6)).toMatchObject({
      pointer: '/suppressed/justification',
    });
    expect(parseSarifFindingLine(JSON.stringify({ ...sarif, suppressed: { justification: ' ok ' } }), 7)).toEqual({
      ...sarif,
      suppressed: { justification: 'ok' },
    });
    expect(parseCommitLine(JSON.stringify({ sha: SHA.toUpperCase(), parents: [], authored_at: null }), 1, 'o/r', 'api')).toMatchObject({
      sha: SHA,
      authored_at: null,
    });
  });
});

describe('replay record upload (replay_record_upload 1.0.0)', () => {
  it('refuses a planted bad field with its pointer and E_REPLAY_INVALID', () => {
    const r = refusal(() => parseUpload(JSON.stringify({ env: 'prod', drift: 'yes', commit: 'a b' }), new Date()));
    expect(r).toMatchObject({ code: 'E_REPLAY_INVALID', where: 'request body' });
    expect(r.message).toBe('/commit must be a commit id (4 to 64 letters and digits); /drift must be true or false');
    expect(parseUpload(JSON.stringify({ env: null, plan: '{}', other: 1 }), new Date(0))).toMatchObject({ env: 'default', commit: null, drift: false });
  });
});

describe('the payload schemas and the code', () => {
  const enumAt = (c: PayloadContract, ...path: string[]) => path.reduce<any>((o, k) => o[k], c.schema).enum as string[];
  it("the schemas' lists are the code's", () => {
    expect(enumAt(trialUploadContract, 'properties', 'trial', 'properties', 'fault')).toEqual([...FAULTS]);
    expect(enumAt(verdictUploadContract, '$defs', 'difference', 'properties', 'class')).toEqual([...DIFF_CLASSES]);
    expect(enumAt(verdictUploadContract, '$defs', 'verdict', 'properties', 'classes', 'propertyNames')).toEqual([...DIFF_CLASSES]);
    expect((scanUploadContract.schema as any).properties.vulnerabilities.required).toEqual([...SCAN_SEVERITIES]);
    expect(enumAt(sarifFindingContract, 'properties', 'severity')).toEqual([...SEVERITIES]);
  });

  it('each is registered by its pillar at 1.0.0 with its owner and no deprecation date', () => {
    const set = schemaSet([CORE_SCHEMAS, ...pillars.flatMap((p) => (p.schemas ? [p.schemas] : []))]);
    for (const c of [
      trialUploadContract,
      verdictUploadContract,
      scanUploadContract,
      findingContract,
      commitLineContract,
      replayUploadContract,
      sarifFindingContract,
    ]) {
      expect(set.live[c.subject]?.version, c.subject).toBe('1.0.0');
      expect(set.live[c.subject]!.schema(), c.subject).toEqual(c.schema);
      expect(set.versions.find((v) => v.subject === c.subject)).toMatchObject({
        version: '1.0.0',
        deprecatedAfter: null,
        owner: expect.stringMatching(/pillar \(src\/pillars\//),
      });
    }
  });
});
