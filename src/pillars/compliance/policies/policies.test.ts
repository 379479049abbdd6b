import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CiError } from '../../../core/errors.js';
import { CelError, evalCel, parseCel } from './cel.js';
import { evaluatePolicies, loadPolicies } from './evaluate.js';

const cel = (src: string, input: unknown = {}) => evalCel(parseCel(src), { input: input as never, now: 0 });
const NOW = new Date('2026-03-01T12:00:00Z');
const ns = (d: Date) => d.getTime() * 1e6;
const twoPerson = loadPolicies(readFileSync(path.join(import.meta.dirname, 'two-person-prod.yml'), 'utf8'), 'two-person-prod.yml');
const fixedClock = () => {
  let t = 0n;
  return () => (t += 1500n);
};

describe('CEL subset', () => {
  it('operators, precedence, short-circuit, macros and functions', () => {
    expect(cel('1 + 2 * 3 == 7 && !(2 > 3)')).toBe(true);
    expect(cel('false && input.missing')).toBe(false);
    expect(cel('true || input.missing')).toBe(true);
    expect(cel('"b" in ["a", "b"] && "k" in {"k": 1}')).toBe(true);
    expect(cel('[1, 2, 3].all(x, x > 0) && [1, 2, 3].exists_one(x, x == 2) && size([1, 2, 3].filter(x, x > 1)) == 2')).toBe(true);
    expect(cel('[1, 2].map(x, x * 10)')).toEqual([10, 20]);
    expect(cel('input.env.startsWith("pro") ? "p" : "o"', { env: 'prod' })).toBe('p');
    expect(cel('duration("1h30m") == 5400 * 1000000000')).toBe(true);
    expect(cel('has(input.env) && !has(input.region)', { env: 'x' })).toBe(true);
    expect(cel("'release-1'.matches('^release-[0-9]+$')")).toBe(true);
  });

  it('errors name what is wrong', () => {
    expect(() => parseCel('input.env ==')).toThrow(CelError);
    expect(() => parseCel('a b')).toThrow(/unexpected "b"/);
    expect(() => cel('input.nope', {})).toThrow(/no such key: nope/);
    expect(() => cel('1 + "a"')).toThrow(/needs two numbers/);
    expect(() => cel('duration("soon")')).toThrow(/not a duration/);
  });
});

describe('two-person prod deploy rule (the seed example, in CEL)', () => {
  const fresh = (by: string, minutesAgo: number) => ({ by, time_ns: ns(NOW) - minutesAgo * 60e9 });

  it('allows two distinct, fresh approvers in prod, with the contract reason', () => {
    const input = { env: 'prod', approvers: ['alice', 'bob'], approvals: [fresh('alice', 3), fresh('bob', 10)] };
    expect(evaluatePolicies(twoPerson, input, NOW, fixedClock())).toEqual([
      { id: 'two_person_prod', result: 'allow', reason: 'Distinct approvers met two-person rule', time_ns: 1500 },
    ]);
  });

  it('denies one approver twice, a single approver, and a stale approval', () => {
    for (const input of [
      { env: 'prod', approvers: ['alice', 'alice'], approvals: [fresh('alice', 1), fresh('alice', 2)] },
      { env: 'prod', approvers: ['alice'], approvals: [fresh('alice', 1)] },
      { env: 'prod', approvers: ['alice', 'bob'], approvals: [fresh('alice', 1), fresh('bob', 16)] },
    ])
      expect(evaluatePolicies(twoPerson, input, NOW)[0]!.result, JSON.stringify(input)).toBe('deny');
  });

  it('does not apply outside prod; an input missing fields is a deny naming the error', () => {
    expect(evaluatePolicies(twoPerson, { env: 'staging', approvers: [], approvals: [] }, NOW)[0]!.result).toBe('allow');
    const d = evaluatePolicies(twoPerson, { env: 'prod' }, NOW)[0]!;
    expect(d.result).toBe('deny');
    expect(d.reason).toContain('could not be evaluated: no such key: approvers');
  });

  it('warn effect, and policy files are validated with file and policy named', () => {
    const p = loadPolicies('policies:\n  - id: small_batches\n    effect: warn\n    allow: size(input.commits) <= 20\n', 'p.yml');
    expect(evaluatePolicies(p, { commits: new Array(25).fill('x') }, NOW)[0]!.result).toBe('warn');
    expect(() => loadPolicies('policies:\n  - id: x\n    allow: "a &&"\n', 'bad.yml')).toThrow(CiError);
    try {
      loadPolicies('policies:\n  - id: x\n    allow: "a &&"\n', 'bad.yml');
    } catch (e) {
      expect((e as CiError).oneLine()).toMatch(/bad\.yml: \/policies\/0\/allow.*policy x/);
    }
  });
});
