// The schema registry over the assembled hub: core's contracts and every pillar's (upload payloads,
// documents) checked against their released versions, so a breaking change to any cannot land unnoticed.
import { describe, expect, it } from 'vitest';
import { CORE_SCHEMAS, registryProblems, schemaSet } from '../src/core/contract/registry.js';
import { createApp, pillars } from './support/assembled.js';
import { openTestHub } from './support/stores.js';

// Our own JSON upload payloads, registered by the pillars that own them: those checked by their schema
// file, and the route bodies Fastify validates with their schema.
const PAYLOADS = [
  'chaos_trial_upload',
  'repro_verdicts_upload',
  'sbom_scan_upload',
  'compliance_finding',
  'commit_line',
  'replay_record_upload',
  'sarif_finding',
  'sarif_suppression_request',
  'scoreboard_commits_upload',
  'dr_drill_upload',
  'budget_check_request',
];

const set = schemaSet([CORE_SCHEMAS, ...pillars.flatMap((p) => (p.schemas ? [p.schemas] : []))]);

describe('the schema registry of the assembled hub', () => {
  it('every live schema, the pillars’ included, accepts exactly what its released version accepts', () => {
    const r = registryProblems({}, set);
    expect(r.map((x) => x.subject)).toEqual(expect.arrayContaining(['pipeline_run', 'bus_event', 'budget_override_request', 'release_evidence', ...PAYLOADS]));
    expect(r.flatMap((x) => x.problems.map((p) => `${x.subject}${p.pointer}: ${p.message}`))).toEqual([]);
  });

  it('a field added as required to the release evidence bundle fails the check with the pointer', () => {
    const live = set.live.release_evidence!.schema() as { required: string[]; properties: Record<string, unknown> };
    live.properties.reproducible = { type: 'object' };
    live.required.push('reproducible');
    const r = registryProblems({ release_evidence: live }, set).find((x) => x.subject === 'release_evidence')!;
    expect(r.mode).toBe('full');
    expect(r.problems.map((p) => [p.pointer, p.kind])).toEqual(expect.arrayContaining([[`/required/${live.required.length - 1}`, 'required-added']]));
  });

  it('a narrowed limit in an upload payload fails the check with the pointer', () => {
    const live = set.live.chaos_trial_upload!.schema() as { properties: { trial: { properties: Record<string, Record<string, unknown>> } } };
    live.properties.trial.properties.seed!.maximum = 1000;
    const r = registryProblems({ chaos_trial_upload: live }, set).find((x) => x.subject === 'chaos_trial_upload')!;
    expect(r.problems.map((p) => [p.pointer, p.kind])).toEqual([['/properties/trial/properties/seed/maximum', 'bound-tightened']]);
  });

  it('GET /api/v1/schemas lists every payload subject with its owner', async () => {
    // The route reads no table: one store (PGlite) is enough.
    const hub = await openTestHub('pglite', { pillars, start: false });
    const app = await createApp(hub, hub.pillars);
    try {
      const r = (await app.inject({ url: '/api/v1/schemas' })).json() as {
        schemas: Array<{ subject: string; version: string; live: boolean; owner: string; schema: unknown }>;
      };
      for (const subject of PAYLOADS)
        expect(
          r.schemas.find((s) => s.subject === subject),
          subject,
        ).toMatchObject({ version: '1.0.0', live: true, owner: expect.stringContaining('pillar'), schema: set.live[subject]!.schema() });
    } finally {
      await app.close();
      await hub.close();
    }
  });

  it('each registered version names its owner, and a subject is registered once', () => {
    for (const v of set.versions) expect(v.owner, `${v.subject} ${v.version}`).toMatch(/\(src\//);
    expect(() => schemaSet([CORE_SCHEMAS, CORE_SCHEMAS])).toThrow(/registered twice/);
  });
});
