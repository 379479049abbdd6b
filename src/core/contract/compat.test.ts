// Schema compatibility on the real pipeline_run v1.2 schema: the registry's rule holds for the live
// schema; each planted breaking change is found with its pointer (and a real record the old schema
// accepts is refused by the changed one, checked with ajv); widenings pass backward and fail forward.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { checkCompatibility, SchemaError } from './compat.js';
import { registryProblems, requiredMode } from './registry.js';

const live = JSON.parse(readFileSync(new URL('./pipeline_run.v1.2.schema.json', import.meta.url), 'utf8')) as any;
const record = JSON.parse(readFileSync(new URL('./fixtures/seed-example.fixed.v1.2.ndjson', import.meta.url), 'utf8').split('\n')[0]!);
const changed = (edit: (s: any) => void) => {
  const s = structuredClone(live);
  edit(s);
  return s;
};
const accepts = (schema: unknown, doc: unknown) => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  return ajv.validate(schema as object, doc);
};

describe('the schema registry', () => {
  it('each live core schema accepts exactly what its released version accepts', () => {
    const r = registryProblems();
    expect(r.map((x) => [x.subject, x.from, x.to, x.mode])).toEqual([
      ['pipeline_run', '1.2.0', '1.2.0', 'full'],
      ['bus_event', '1.0.0', '1.0.0', 'full'],
      ['budget_override_request', '1.0.0', '1.0.0', 'full'],
    ]);
    expect(r.flatMap((x) => x.problems)).toEqual([]);
  });

  it('a bus event schema that drops a field or narrows a type fails the check with the pointer', () => {
    const bus = JSON.parse(readFileSync(new URL('../bus/bus_event.schema.json', import.meta.url), 'utf8')) as any;
    delete bus.properties.object_key;
    bus.properties.run_id.type = 'string';
    const r = registryProblems({ bus_event: bus }).find((x) => x.subject === 'bus_event')!;
    expect(r.problems.map((p) => [p.pointer, p.kind])).toEqual([
      ['/properties', 'property-removed'],
      ['/properties/run_id/type', 'type-narrowed'],
    ]);
    expect(r.problems[0]!.message).toContain('object_key');
  });

  it('an incompatible change to the live schema makes the registry check fail with the pointer', () => {
    const broken = changed((s) => s.required.push('build_id'));
    const [r] = registryProblems({ pipeline_run: broken });
    expect(r!.problems).toEqual([
      {
        direction: 'backward',
        pointer: `/required/${broken.required.length - 1}`,
        kind: 'required-added',
        message: 'build_id is required now; documents without it are refused',
      },
    ]);
  });

  it('semver decides the mode: same version full, minor backward, major free', () => {
    expect(requiredMode('1.2.0', '1.2.1')).toBe('full');
    expect(requiredMode('1.2.0', '1.3.0')).toBe('backward');
    expect(requiredMode('1.2.0', '2.0.0')).toBeNull();
  });
});

describe('breaking changes, each with its pointer', () => {
  const cases: [string, (s: any) => void, string, string][] = [
    ['a new required field', (s) => s.required.push('build_id'), 'required-added', `/required/${live.required.length}`],
    [
      'a narrowed enum',
      (s) => (s.properties.status.enum = s.properties.status.enum.filter((v: string) => v !== 'canceled')),
      'enum-narrowed',
      '/properties/status/enum',
    ],
    ['a type change', (s) => (s.properties.queue_ms.type = 'string'), 'type-narrowed', '/properties/queue_ms/type'],
    ['a raised minimum', (s) => (s.properties.queue_ms.minimum = 1000), 'bound-tightened', '/properties/queue_ms/minimum'],
    ['a removed property', (s) => delete s.properties.branch, 'property-removed', '/properties'],
  ];
  it.each(cases)('%s', (_name, edit, kind, pointer) => {
    const found = checkCompatibility(live, changed(edit), 'backward');
    expect(found.map((f) => [f.kind, f.pointer])).toContainEqual([kind, pointer]);
  });

  it('a real record the released schema accepts is refused by each changed schema (the report is not a false alarm)', () => {
    expect(accepts(live, record)).toBe(true);
    const doc = { ...record, status: 'canceled', queue_ms: 500 };
    expect(accepts(live, doc)).toBe(true);
    for (const [name, edit] of cases) expect(accepts(changed(edit), doc), name).toBe(false);
  });

  it('additionalProperties tightened inside a nested object', () => {
    const edit = (s: any) => {
      const jobs = s.properties.jobs.items;
      delete jobs.additionalProperties;
    };
    const loose = changed(edit);
    // loose → live: the live schema refuses extra job fields the loose one allowed
    const found = checkCompatibility(loose, live, 'backward');
    expect(found.map((f) => [f.kind, f.pointer])).toContainEqual(['additional-properties-tightened', '/properties/jobs/items/additionalProperties']);
  });

  it('widening passes backward and fails forward: a new enum value', () => {
    const wider = changed((s) => s.properties.status.enum.push('timed_out'));
    expect(checkCompatibility(live, wider, 'backward')).toEqual([]);
    expect(checkCompatibility(live, wider, 'forward')).toEqual([
      { direction: 'forward', pointer: '/properties/status/enum', kind: 'enum-narrowed', message: 'values no longer accepted: "timed_out"' },
    ]);
    expect(checkCompatibility(live, wider, 'full')).toHaveLength(1);
    // a new optional field is fine both ways only while extra fields were allowed at that level
    const extra = changed((s) => (s.properties.build_id = { type: 'string' }));
    expect(checkCompatibility(live, extra, 'backward')).toEqual([]);
    expect(checkCompatibility(live, extra, 'forward').map((f) => f.kind)).toEqual(['property-removed']);
  });

  it('integer widened to number is backward compatible, the reverse is not', () => {
    const a = { type: 'object', properties: { n: { type: 'integer' } } };
    const b = { type: 'object', properties: { n: { type: 'number' } } };
    expect(checkCompatibility(a, b, 'backward')).toEqual([]);
    expect(checkCompatibility(b, a, 'backward').map((f) => f.pointer)).toEqual(['/properties/n/type']);
  });

  it('checks the first items one by one (prefixItems), property names and a changed not', () => {
    const d = (cls: string[]) => ({ type: 'object', properties: { class: { enum: cls } } });
    const a = { type: 'array', prefixItems: [d(['x', 'y']), d(['x', 'y'])] };
    const b = { type: 'array', prefixItems: [d(['x', 'y']), d(['x'])] };
    expect(checkCompatibility(a, b, 'backward').map((f) => [f.pointer, f.kind])).toEqual([['/prefixItems/1/properties/class/enum', 'enum-narrowed']]);
    // An item beyond the prefix was free (items absent); constrained now.
    const c = { type: 'array', prefixItems: [d(['x', 'y']), d(['x', 'y']), d(['x'])] };
    expect(checkCompatibility(a, c, 'backward').map((f) => f.pointer)).toEqual(['/prefixItems/2/properties/class/enum', '/prefixItems/2/type']);
    expect(checkCompatibility(a, c, 'forward')).toEqual([]);
    const names = (n: string[]) => ({ type: 'object', propertyNames: { enum: n } });
    expect(checkCompatibility(names(['a', 'b']), names(['a']), 'backward').map((f) => f.pointer)).toEqual(['/propertyNames/enum']);
    const not = (p: string) => ({ type: 'string', not: { type: 'string', pattern: p } });
    expect(checkCompatibility(not('^/'), not('^[/.]'), 'backward').map((f) => f.kind)).toEqual(['composition-changed']);
    expect(checkCompatibility(not('^/'), not('^/'), 'full')).toEqual([]);
  });

  it('follows local $ref and names a malformed schema by pointer', () => {
    const a = { $defs: { s: { enum: ['a', 'b'] } }, properties: { x: { $ref: '#/$defs/s' } } };
    const b = { $defs: { s: { enum: ['a'] } }, properties: { x: { $ref: '#/$defs/s' } } };
    expect(checkCompatibility(a, b, 'backward').map((f) => f.pointer)).toEqual(['/properties/x/enum']);
    expect(() => checkCompatibility(a, { properties: { x: { $ref: '#/$defs/missing' } } }, 'backward')).toThrow(SchemaError);
    try {
      checkCompatibility(a, { properties: { x: { type: 'strin' } } }, 'backward');
    } catch (e) {
      expect((e as SchemaError).pointer).toBe('/properties/x/type');
    }
    expect(() => checkCompatibility(a, { properties: { x: { type: 'strin' } } }, 'backward')).toThrow(/unknown type "strin"/);
  });
});
