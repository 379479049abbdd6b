// The schema registry over the assembled hub: core's contracts and every pillar's (upload payloads,
// documents) checked against their released versions, so a breaking change to any cannot land unnoticed.
import { describe, expect, it } from 'vitest';
import { CORE_SCHEMAS, registryProblems, schemaSet } from '../src/core/contract/registry.js';
import { pillars } from './support/assembled.js';

const set = schemaSet([CORE_SCHEMAS, ...pillars.flatMap((p) => (p.schemas ? [p.schemas] : []))]);

describe('the schema registry of the assembled hub', () => {
  it('every live schema, the pillars’ included, accepts exactly what its released version accepts', () => {
    const r = registryProblems({}, set);
    expect(r.map((x) => x.subject)).toEqual(expect.arrayContaining(['pipeline_run', 'bus_event', 'budget_override_request', 'release_evidence']));
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

  it('each registered version names its owner, and a subject is registered once', () => {
    for (const v of set.versions) expect(v.owner, `${v.subject} ${v.version}`).toMatch(/\(src\//);
    expect(() => schemaSet([CORE_SCHEMAS, CORE_SCHEMAS])).toThrow(/registered twice/);
  });
});
