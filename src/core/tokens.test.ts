import { describe, expect, it } from 'vitest';
import { compileRepoPattern, parseExpiry, parseScopes } from './tokens.js';
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
    expect(() => parseExpiry('soon', now)).toThrow(/--expires "soon" is neither a duration nor a date/);
  });
  it('parses scopes with a default of read,ingest', () => {
    expect(parseScopes(undefined)).toEqual(['ingest', 'read']);
    expect(parseScopes('admin, read')).toEqual(['admin', 'read']);
    expect(() => parseScopes('write')).toThrow(/unknown scope/);
  });
});
