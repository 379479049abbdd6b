import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileRepoPattern, parseExpiry, parseScopes, patternContained, patternsWithin } from './tokens.js';
import { repoRegexes } from './http/index.js';
import { principalFor } from './tokens.js';

const cases: Array<[string, string, boolean]> = [
  ['org/app', 'org/app', true],
  ['org/app', 'Org/App', true],
  ['org/app', 'org/app2', false],
  ['org/*', 'org/app', true],
  ['org/*', 'org/sub/app', false],
  ['org/*', 'other/app', false],
  ['org/app-*', 'org/app-web', true],
  ['org/app-*', 'org/web-app', false],
  ['group/**', 'group/app', true],
  ['group/**', 'group/sub/deeper/app', true],
  ['group/**', 'groupie/app', false],
  ['**/app', 'a/b/app', true],
  ['**/app', 'app2/x', false],
  ['group/**/app', 'group/app', true],
  ['group/**/app', 'group/a/b/app', true],
  ['group/**/app', 'group/a/b/other', false],
  ['*/*', 'a/b', true],
  ['*/*', 'a/b/c', false],
  ['**', 'anything/at/all', true],
];

describe('repo patterns', () => {
  it.each(cases)('%s matches %s: %s', (pattern, repo, expected) => {
    expect(compileRepoPattern(pattern)(repo)).toBe(expected);
    // The SQL form (PostgreSQL regex) must agree with the JS matcher.
    const res = repoRegexes(principalFor({ token_id: 't', scopes: ['read'], repo_patterns: [pattern] }));
    if (res) expect(new RegExp(res[0]!).test(repo.toLowerCase())).toBe(expected);
  });

  it('rejects malformed patterns with a hint', () => {
    for (const p of ['', 'org//app', 'org/**x', 'a**/b']) expect(() => compileRepoPattern(p)).toThrow(/invalid repository pattern/);
  });
});

describe('token options', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it('parses expiries', () => {
    expect(parseExpiry('30d', now).toISOString()).toBe('2026-01-31T00:00:00.000Z');
    expect(parseExpiry('12h', now).toISOString()).toBe('2026-01-01T12:00:00.000Z');
    expect(parseExpiry('2026-03-01', now).toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(() => parseExpiry('soon', now)).toThrow(/"soon" is neither a duration nor a date/);
  });
  it('parses scopes with a default of read,ingest', () => {
    expect(parseScopes(undefined)).toEqual(['ingest', 'read']);
    expect(parseScopes('admin, read')).toEqual(['admin', 'read']);
    expect(() => parseScopes('write')).toThrow(/unknown scope/);
  });
});

describe('pattern containment (who may grant what)', () => {
  it('knows the obvious cases', () => {
    expect(patternContained('org-a/app', 'org-a/*')).toBe(true);
    expect(patternContained('org-a/svc-*', 'org-a/*')).toBe(true);
    expect(patternContained('org-a/*', 'org-a/svc-*')).toBe(false);
    expect(patternContained('**', 'org-a/*')).toBe(false);
    expect(patternContained('org-a/**', 'org-a/*')).toBe(false);
    expect(patternContained('org-a/*', 'org-a/**')).toBe(true);
    expect(patternContained('org-a/x/**', 'org-a/**')).toBe(true);
    expect(patternContained('*/*', 'org-a/*')).toBe(false);
    expect(patternContained('a*b*c/x', '*c/x')).toBe(true);
    expect(patternsWithin(['org-a/app', 'org-b/app'], ['org-a/*'])).toBe(false);
  });

  // Soundness is what keeps tenants apart: whenever containment says yes, every repo the first
  // pattern admits must be admitted by the second. Checked by brute force over small alphabets.
  const seg = fc.stringMatching(/^[ab*]{1,3}$/).filter((s) => !s.includes('**'));
  const pattern = fc.array(fc.oneof(seg, fc.constant('**')), { minLength: 1, maxLength: 3 }).map((p) => p.join('/'));
  const repos: string[] = [];
  const words = ['a', 'b', 'ab', 'ba', 'aa', 'bb', 'aba', 'bab', 'aab'];
  for (const x of words) {
    repos.push(x);
    for (const y of words) {
      repos.push(`${x}/${y}`);
      for (const z of ['a', 'ab', 'b']) repos.push(`${x}/${y}/${z}`);
    }
  }
  it('never says yes when some repo escapes (property)', () => {
    fc.assert(
      fc.property(pattern, pattern, (a, b) => {
        if (!patternContained(a, b)) return true;
        const ma = compileRepoPattern(a);
        const mb = compileRepoPattern(b);
        return repos.every((r) => !ma(r) || mb(r));
      }),
      { numRuns: 3000 },
    );
  });
  it('says yes for a pattern and itself, and for anything within **', () => {
    fc.assert(
      fc.property(pattern, (a) => patternContained(a, a) && patternContained(a, '**')),
      { numRuns: 500 },
    );
  });
});
