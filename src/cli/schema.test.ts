// `ci-intel schema check OLD NEW`: each incompatible change printed with its pointer, exit 1; the
// same schema exits 0; a malformed schema is named by file and pointer.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './program.js';

const LIVE = path.resolve('src/core/contract/pipeline_run.v1.2.schema.json');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-schema-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(
    argv,
    { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, cwd: tmp, now: () => new Date('2026-12-06T00:00:00Z') },
    [],
  );
  return { code, out, err };
}

describe('ci-intel schema check', () => {
  it('prints each incompatible change with its pointer and exits 1; an unchanged schema exits 0', async () => {
    const s = JSON.parse(readFileSync(LIVE, 'utf8'));
    s.required.push('build_id');
    s.properties.status.enum = ['success', 'failed'];
    const next = path.join(tmp, 'next.json');
    writeFileSync(next, JSON.stringify(s));
    const r = await run(['schema', 'check', LIVE, next]);
    expect(r.code).toBe(1);
    expect(r.out.trim().split('\n')).toEqual([
      `${next}: /properties/status/enum: enum-narrowed: values no longer accepted: "canceled", "skipped"`,
      `${next}: /required/${s.required.length - 1}: required-added: build_id is required now; documents without it are refused`,
    ]);
    expect(r.err).toBe('2 incompatible changes (backward)\n');
    const json = await run(['schema', 'check', LIVE, next, '--mode', 'forward', '--json']);
    // Forward: old readers of new data — a stricter new schema writes nothing the old one refuses.
    expect(json.code).toBe(0);
    expect(json.out).toBe('');
    const same = await run(['schema', 'check', LIVE, LIVE, '--mode', 'full']);
    expect([same.code, same.err]).toEqual([0, 'compatible (full)\n']);
  });

  it('names a malformed schema by file and pointer, and a bad mode', async () => {
    const bad = path.join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ type: 'object', properties: { n: { type: 'int' } } }));
    const r = await run(['schema', 'check', LIVE, bad]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${bad}: /properties/n/type: unknown type "int"`);
    const m = await run(['schema', 'check', LIVE, LIVE, '--mode', 'sideways']);
    expect(m.code).toBe(2);
    expect(m.err).toContain('--mode sideways is not a mode');
  });
});
