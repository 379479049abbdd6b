// The PII ban list through the real ingest routes, on PGlite and PostgreSQL: a run record
// (POST /api/v1/runs), a job log (POST …/jobs/:job/logs) and a static-analysis finding
// (POST …/sarif-findings) and a test report (POST …/tests, JUnit) each carrying every kind (email, phone, US SSN, UK NI, IBAN, a custom
// pattern), once with every pattern on `redact` and once on `reject`. Redact: stored with the
// marker. Reject: refused with its place (line + JSON pointer, job.log:line), the good records of
// the batch stored. Both counted on /metrics by pattern and action.
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { synthesize } from '../../core/synth/generate.js';
import { readRecord } from '../../core/runs/ingest.js';
import type { PiiPolicy, PiiSetting } from '../../core/redact/pii.js';
import { describeEachStore } from '../../../test/support/stores.js';
import { pillars } from '../../../test/support/assembled.js';
import { ingestingApp } from '../../../test/support/hub-app.js';

const KINDS: Array<{ id: string; text: string }> = [
  { id: 'email', text: 'jane.doe@acme-corp.io' },
  { id: 'phone', text: '+44 20 7946 0958' },
  { id: 'us-ssn', text: '078-05-1120' },
  { id: 'uk-ni', text: 'JG 10 37 59 A' },
  { id: 'iban', text: 'GB82 WEST 1234 5698 7654 32' },
  { id: 'employee-id', text: 'EMP-004217' },
];
const settings = (policy: PiiPolicy): PiiSetting[] =>
  KINDS.map(({ id }) =>
    id === 'employee-id' ? { id, regex: 'EMP-\\d{6}', keywords: ['emp-'], label: 'an employee number', policy } : ({ builtin: id, policy } as PiiSetting),
  );

const records = synthesize({ repos: 1, days: 1, runsPerDay: KINDS.length + 1, seed: 4, end: new Date('2026-06-01T00:00:00Z') }).records;
const REPO = records[0]!.repo;
// Record i+1 carries kind i in a job's name (free text a workflow author writes); record 0 is clean.
const lines = records
  .slice(0, KINDS.length + 1)
  .map((r, i) => (i === 0 ? r : { ...r, jobs: r.jobs.map((j, k) => (k === 0 ? { ...j, name: `${j.name} (owner ${KINDS[i - 1]!.text})` } : j)) }));
const LOG = ['##[group]Run make test', ...KINDS.map((k) => `contact: ${k.text}`), 'make: *** [test] Error 2', ''].join('\n');
const finding = (message: string, line: number) => ({
  tool: 'semgrep',
  tool_version: '1.90.0',
  rule_id: 'python.lang.security.audit.hardcoded-password',
  cwes: [798],
  severity: 'high',
  file: 'app/settings.py',
  line,
  message,
  line_hash: String(line).padStart(64, '0'),
  hash_from: 'line',
});
// A JUnit report: one passing test, and one failing test per kind whose failure message holds it.
const JUNIT = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  `<testsuite name="app" tests="${KINDS.length + 1}" failures="${KINDS.length}">`,
  '  <testcase classname="app.Settings" name="test_defaults" time="0.01"/>',
  ...KINDS.map(
    (k, i) =>
      `  <testcase classname="app.Users" name="test_user_${i}" time="0.02"><failure message="expected owner ${k.text}">AssertionError</failure></testcase>`,
  ),
  '</testsuite>',
].join('\n');
const FINDINGS = [finding('Hardcoded password', 1), ...KINDS.map((k, i) => finding(`Hardcoded password; reviewer ${k.text}`, i + 2))];

for (const policy of ['redact', 'reject'] as const)
  describeEachStore(
    `PII ban list on ingest, every pattern ${policy}`,
    (get) => {
      const t = ingestingApp(get, pillars);
      const post = (url: string, payload: string, type: string, extra: Record<string, string> = {}) =>
        t.app.inject({ method: 'POST', url, payload, headers: { 'content-type': type, ...t.auth(), ...extra } });
      const read = async (url: string) => (await t.app.inject({ url, headers: t.auth() })).body;

      it('run records: each kind redacted in the stored record, or the record refused with its line and pointer', async () => {
        const res = await t.post(lines);
        expect(res.statusCode, res.body).toBe(200);
        const answer = res.json();
        if (policy === 'redact') {
          expect(answer).toMatchObject({ accepted: KINDS.length + 1, rejected: [] });
          for (const [i, k] of KINDS.entries()) {
            const stored = JSON.stringify(await readRecord(t.hub, records[i + 1]!.run_id));
            expect(stored).not.toContain(k.text);
            expect(stored).toContain(`(owner [REDACTED:${k.id}])`);
          }
        } else {
          expect(answer.accepted).toBe(1);
          expect(answer.rejected).toEqual(
            KINDS.map((k, i) => ({
              line: i + 2,
              pointer: '/jobs/0/name',
              code: 'E_PII_REFUSED',
              reason: expect.stringMatching(
                new RegExp(`^holds .+ \\(PII pattern ${k.id}\\), policy reject: the record is not stored; remove it at the source$`),
              ),
            })),
          );
          expect(answer.rejected.map((r: { reason: string }) => r.reason).join('\n')).not.toMatch(/jane|7946|078-05|JG 10|WEST|EMP-0/);
          for (const [i] of KINDS.entries()) expect(await readRecord(t.hub, records[i + 1]!.run_id)).toBeNull();
        }
        // The clean record of the batch is stored either way.
        expect(await readRecord(t.hub, records[0]!.run_id)).toMatchObject({ run_id: records[0]!.run_id });
      });

      it('job logs: each kind redacted in the stored log, or its line refused by file:line and stored as a marker', async () => {
        const run = records[0]!.run_id;
        const res = await post(`/api/v1/runs/${run}/jobs/test/logs`, LOG, 'text/plain', { 'x-ci-intel-repo': REPO });
        expect(res.statusCode, res.body).toBe(200);
        const stored = await read(`/api/v1/runs/${run}/jobs/test/logs`);
        const storedLines = stored.split('\n');
        expect(storedLines).toHaveLength(LOG.split('\n').length);
        for (const k of KINDS) expect(stored).not.toContain(k.text);
        if (policy === 'redact') {
          expect(res.json().refused).toBeUndefined();
          expect(storedLines.slice(1, 1 + KINDS.length)).toEqual(KINDS.map((k) => `contact: [REDACTED:${k.id}]`));
        } else {
          expect(res.json().refused).toEqual(
            KINDS.map((k, i) => ({
              where: `test.log:${i + 2}`,
              line: i + 2,
              patterns: [k.id],
              code: 'E_PII_REFUSED',
              reason: expect.stringContaining(`(PII pattern ${k.id}), policy reject: the line is stored as [REFUSED:${k.id}]`),
            })),
          );
          expect(storedLines.slice(1, 1 + KINDS.length)).toEqual(KINDS.map((k) => `[REFUSED:${k.id}]`));
        }
        expect(storedLines[KINDS.length + 1]).toBe('make: *** [test] Error 2');
      });

      it('findings (a report): each kind redacted in the stored issue, or the finding refused with its line and pointer', async () => {
        const res = await post(
          `/api/v1/repos/${REPO}/sarif-findings?commit=c0ffee01`,
          FINDINGS.map((f) => JSON.stringify(f)).join('\n') + '\n',
          'application/x-ndjson',
        );
        expect(res.statusCode, res.body).toBe(200);
        const issues = JSON.parse(await read(`/api/v1/repos/${REPO}/sarif-issues?commit=c0ffee01`)).issues as Array<{ line: number; message: string }>;
        const messages = issues.sort((a, b) => a.line - b.line).map((i) => i.message);
        if (policy === 'redact') {
          expect(res.json().rejected).toEqual([]);
          expect(messages).toEqual(['Hardcoded password', ...KINDS.map((k) => `Hardcoded password; reviewer [REDACTED:${k.id}]`)]);
        } else {
          expect(res.json().rejected).toEqual(
            KINDS.map((k, i) => ({
              line: i + 2,
              pointer: '/message',
              reason: expect.stringContaining(`(PII pattern ${k.id}), policy reject: the finding is not stored`),
            })),
          );
          expect(messages).toEqual(['Hardcoded password']);
        }
      });

      it('test reports: each kind redacted in the stored failure message, or the message stored as its marker and the case named', async () => {
        const run = records[0]!.run_id;
        const res = await post(`/api/v1/runs/${run}/tests?format=junit`, JUNIT, 'application/xml');
        expect(res.statusCode, res.body).toBe(200);
        // The results are kept either way: the run's counts do not change.
        expect(res.json()).toMatchObject({ tests: KINDS.length + 1, failed: KINDS.length, passed: 1 });
        const stored = await sql<{ message: string }>`select message from tests_messages order by message`.execute(t.hub.db);
        const messages = stored.rows.map((r) => r.message);
        for (const k of KINDS) expect(messages.join('\n')).not.toContain(k.text);
        if (policy === 'redact') {
          expect(res.json().refused).toBeUndefined();
          expect(messages).toEqual(expect.arrayContaining(KINDS.map((k) => expect.stringContaining(`expected owner [REDACTED:${k.id}]`))));
        } else {
          expect(res.json().refused).toEqual(
            KINDS.map((k, i) => ({
              where: `request body: test case ${i + 2}`,
              pointer: '/message',
              patterns: [k.id],
              code: 'E_PII_REFUSED',
              reason: expect.stringContaining(`(PII pattern ${k.id}), policy reject: the text is stored as [REFUSED:${k.id}]`),
            })),
          );
          expect(messages).toEqual(expect.arrayContaining(KINDS.map((k) => `[REFUSED:${k.id}]`)));
        }
      });

      it('counts every match on /metrics by pattern and action', async () => {
        const metrics = await read('/metrics');
        // One match per kind in the records, the log, the findings and the test report.
        for (const k of KINDS) expect(metrics).toContain(`ci_intel_pii_matches_total{pattern="${k.id}",action="${policy}"} 4`);
      });
    },
    { pillars, config: (c) => (c.redact.pii = settings(policy)) },
  );
