import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CiError } from './errors.js';
import { readInputBytes, readInputText, readJsonLines } from './input.js';

const dir = mkdtempSync(join(tmpdir(), 'ci-intel-input-'));

function thrown(f: () => unknown): CiError {
  try {
    f();
  } catch (e) {
    return e as CiError;
  }
  throw new Error('did not throw');
}

describe('reading a file the user named', () => {
  it('names the file, the system error and where it was given when it cannot be read', () => {
    const missing = join(dir, 'nope.json');
    const e = thrown(() => readInputText(missing, '--samples'));
    expect(e).toBeInstanceOf(CiError);
    expect(e.code).toBe('E_INPUT_UNREADABLE');
    expect(e.message).toBe(`cannot read ${missing}: ENOENT`);
    expect(e.where).toBe('--samples');
    expect(thrown(() => readInputBytes(dir)).message).toBe(`cannot read ${dir}: EISDIR`);
  });

  it('reads JSON lines, skipping blank ones, and names the line that is not JSON', () => {
    const f = join(dir, 'trials.jsonl');
    writeFileSync(f, '{"a":1}\n\n  \n[2]\n');
    expect(readJsonLines(f, 'h')).toEqual([
      { value: { a: 1 }, where: `${f}:1` },
      { value: [2], where: `${f}:4` },
    ]);
    writeFileSync(f, '{"a":1}\n{"a":\n');
    const e = thrown(() => readJsonLines(f, 'pass chaos run --json'));
    expect([e.code, e.where, e.hint]).toEqual(['E_JSON_MALFORMED', `${f}:2`, 'pass chaos run --json']);
  });
});
