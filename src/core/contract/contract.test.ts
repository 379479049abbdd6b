import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkLine, checkRecord, migrateV11, SCHEMA_V11, type PipelineRun } from './index.js';
import { findJsonSyntaxError } from './json-syntax.js';
import { synthesize } from '../synth/generate.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8').trim();
const sample = (): PipelineRun => JSON.parse(fixture('seed-example.fixed.v1.2.ndjson'));

describe('pipeline_run contract', () => {
  it('rejects the seed example: its image_digest has 62 hex digits, the schema wants 64', () => {
    const r = checkLine(fixture('seed-example.v1.2.ndjson'));
    expect(r.record).toBeUndefined();
    expect(r.issues).toEqual([{ pointer: '/image_digest', reason: 'must match ^sha256:[0-9a-fA-F]{64}$', code: 'E_CONTRACT_INVALID' }]);
  });

  it('accepts the corrected example', () => {
    const r = checkLine(fixture('seed-example.fixed.v1.2.ndjson'));
    expect(r.issues).toEqual([]);
    expect(r.record?.run_id).toBe('1b7c2e4a-6b54-4e3b-9f1e-4e0d9ea9b1a1');
  });

  it('points required and additionalProperties errors at the property itself', () => {
    const rec = sample() as unknown as Record<string, any>;
    delete rec.branch;
    rec.jobs[0].foo = 1;
    delete rec.jobs[1].name;
    rec.tests.resilience.extra = true;
    const pointers = checkRecord(rec).issues.map((i) => i.pointer);
    expect(pointers).toEqual(['/branch', '/jobs/0/foo', '/jobs/1/name', '/tests/resilience/extra']);
  });

  it('checks formats (uuid, date-time, uri) and enums', () => {
    const rec = sample() as unknown as Record<string, any>;
    rec.run_id = 'not-a-uuid';
    rec.started_at = 'yesterday';
    rec.sbom_uri = 'not a uri';
    rec.status = 'passed';
    const issues = checkRecord(rec).issues;
    expect(issues.map((i) => i.pointer)).toEqual(['/run_id', '/sbom_uri', '/started_at', '/status']);
    expect(issues.find((i) => i.pointer === '/status')?.reason).toBe('must be one of "success", "failed", "canceled", "skipped"');
  });

  it('rejects an unknown schema version with one clear error', () => {
    const rec = { ...sample(), schema: 'pipeline_run.v2' };
    expect(checkRecord(rec).issues).toEqual([
      {
        pointer: '/schema',
        reason: 'unknown schema "pipeline_run.v2": must be "pipeline_run.v1.2" (or "pipeline_run.v1.1", migrated on ingest)',
        code: 'E_SCHEMA_UNKNOWN',
      },
    ]);
  });

  it('migrates v1.1: flakiness_index moves from tests.resilience to the top level', () => {
    const v12 = sample();
    const { flakiness_index, ...rest } = v12;
    const v11 = { ...rest, schema: SCHEMA_V11, tests: { ...v12.tests, resilience: { ...v12.tests.resilience, flakiness_index } } };
    const r = checkRecord(v11);
    expect(r.issues).toEqual([]);
    expect(r.declaredSchema).toBe(SCHEMA_V11);
    expect(r.record).toEqual(v12);
  });

  it('migrates v1.1 with both places set: the top-level value wins', () => {
    const v12 = sample();
    const v11 = { ...v12, schema: SCHEMA_V11, flakiness_index: 0.5, tests: { ...v12.tests, resilience: { ...v12.tests.resilience, flakiness_index: 0.9 } } };
    const r = checkRecord(v11);
    expect(r.record?.flakiness_index).toBe(0.5);
    expect((r.record?.tests.resilience as Record<string, unknown>).flakiness_index).toBeUndefined();
  });

  it('reports a bad v1.1 flakiness_index where the producer wrote it', () => {
    const v12 = sample();
    const { flakiness_index: _f, ...rest } = v12;
    const v11 = { ...rest, schema: SCHEMA_V11, tests: { ...v12.tests, resilience: { ...v12.tests.resilience, flakiness_index: 7 } } };
    expect(checkRecord(v11).issues.map((i) => i.pointer)).toEqual(['/tests/resilience/flakiness_index']);
  });

  it('a v1.2 record with flakiness_index under tests.resilience is invalid (canonical is top-level)', () => {
    const v12 = sample() as unknown as Record<string, any>;
    v12.tests.resilience.flakiness_index = 0.1;
    expect(checkRecord(v12).issues.map((i) => i.pointer)).toEqual(['/tests/resilience/flakiness_index']);
  });

  it('names the column of malformed JSON', () => {
    expect(checkLine('{"a":tru}').issues).toEqual([
      { pointer: '', reason: 'malformed JSON at column 6: unexpected character "t"', code: 'E_JSON_MALFORMED', column: 6 },
    ]);
    expect(checkLine('{"a":1').issues[0]!.column).toBe(7);
    expect(checkLine('[1,]').issues[0]!.column).toBe(4);
  });

  it('keeps TypeScript types in lockstep with the schema', () => {
    execFileSync(process.execPath, ['scripts/gen-contract-types.mjs', '--check'], { stdio: 'pipe' });
  });

  it('every synthetic record is valid', () => {
    const { records } = synthesize({ repos: 4, days: 5, runsPerDay: 10, seed: 7, end: new Date('2026-06-01T00:00:00Z') });
    expect(records.length).toBeGreaterThan(150);
    for (const r of records) expect(checkRecord(JSON.parse(JSON.stringify(r))).issues).toEqual([]);
  });
});

describe('contract: property-based', () => {
  it('never throws on hostile text; issues are sorted by pointer', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          const r = checkLine(text);
          const ptrs = r.issues.map((i) => i.pointer);
          expect([...ptrs].sort()).toEqual(ptrs);
          if (r.record) expect(r.issues).toEqual([]);
          else expect(r.issues.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the syntax locator agrees with JSON.parse on what is valid', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.json().map((s) => s.slice(0, Math.max(0, s.length - 1))),
        ),
        (text) => {
          let ok = true;
          try {
            JSON.parse(text);
          } catch {
            ok = false;
          }
          const err = findJsonSyntaxError(text);
          expect(err === null).toBe(ok);
          if (err) expect(err.offset).toBeLessThanOrEqual(text.length);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('v1.1 -> v1.2 migration round-trips any valid record', () => {
    const { records } = synthesize({ repos: 2, days: 3, runsPerDay: 6, seed: 3, end: new Date('2026-06-01T00:00:00Z') });
    fc.assert(
      fc.property(fc.constantFrom(...records), fc.double({ min: 0, max: 1, noNaN: true }), (rec, f) => {
        const v12 = { ...rec, flakiness_index: f };
        const { flakiness_index, ...rest } = v12;
        const v11 = { ...rest, schema: SCHEMA_V11, tests: { ...rest.tests, resilience: { ...rest.tests.resilience, flakiness_index } } };
        expect(migrateV11(v11).record).toEqual(v12);
        expect(checkRecord(v11).record).toEqual(v12);
      }),
      { numRuns: 200 },
    );
  });

  it('mutating one required field of a valid record always yields an error at that field', () => {
    const base = sample();
    const required = ['run_id', 'repo', 'commit_sha', 'branch', 'started_at', 'ended_at', 'status', 'jobs', 'tests', 'cost'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...required), fc.oneof(fc.constant(undefined), fc.integer(), fc.constant(null), fc.constant('')), (field, value) => {
        const rec = structuredClone(base) as unknown as Record<string, unknown>;
        if (value === undefined) delete rec[field];
        else rec[field] = value;
        const issues = checkRecord(rec).issues;
        // branch accepts any string, including ''.
        if (field === 'branch' && value === '') return;
        expect(issues.some((i) => i.pointer === `/${field}` || i.pointer.startsWith(`/${field}/`))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
