import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blocked, evaluate, parseSpdx, SpdxSyntaxError } from './spdx.js';

const allow = new Set(['mit', 'apache-2.0', 'bsd-3-clause', 'gpl-2.0-or-later']);
const ok = (e: string) => evaluate(parseSpdx(e), allow).allowed;

describe('SPDX expressions', () => {
  it('OR needs one allowed operand, AND needs all; AND binds tighter than OR', () => {
    expect(ok('MIT OR GPL-3.0-only')).toBe(true);
    expect(ok('MIT AND GPL-3.0-only')).toBe(false);
    expect(ok('GPL-3.0-only OR MIT AND Apache-2.0')).toBe(true);
    expect(ok('(GPL-3.0-only OR MIT) AND LGPL-3.0-only')).toBe(false);
    expect(ok('mit')).toBe(true);
  });

  it('deprecated ids never match, even when the current id is allowed', () => {
    const v = evaluate(parseSpdx('GPL-2.0+'), allow);
    expect(v.allowed).toBe(false);
    expect(v.deprecated).toEqual(['GPL-2.0+']);
    expect(ok('GPL-2.0')).toBe(false);
    expect(ok('GPL-2.0-or-later')).toBe(true);
  });

  it('WITH: the exception pair or the base licence must be allowed', () => {
    expect(ok('GPL-2.0-or-later WITH Classpath-exception-2.0')).toBe(true);
    expect(ok('GPL-3.0-only WITH Classpath-exception-2.0')).toBe(false);
  });

  it('malformed expressions are refused', () => {
    for (const bad of ['', 'MIT OR', '(MIT', 'MIT AND AND BSD', 'MIT License', 'MIT)']) expect(() => parseSpdx(bad), bad).toThrow(SpdxSyntaxError);
  });

  it('a blocklist blocks an OR only when every operand is blocked', () => {
    const gpl = (id: string) => /^A?GPL-/.test(id);
    expect(blocked(parseSpdx('MIT OR GPL-3.0-only'), gpl)).toBe(false);
    expect(blocked(parseSpdx('MIT AND GPL-3.0-only'), gpl)).toBe(true);
    expect(blocked(parseSpdx('AGPL-3.0-only OR GPL-3.0-only'), gpl)).toBe(true);
  });

  it('property: an OR of an allowed id with anything is allowed; an AND with a disallowed id is not', () => {
    const id = fc.constantFrom('MIT', 'Apache-2.0', 'BSD-3-Clause', 'GPL-3.0-only', 'LGPL-2.1-only', 'MPL-2.0', 'GPL-2.0');
    fc.assert(
      fc.property(id, id, (a, b) => {
        expect(ok(`MIT OR (${a} AND ${b})`)).toBe(true);
        expect(ok(`GPL-3.0-only AND (${a} OR ${b})`)).toBe(false);
      }),
    );
  });
});
