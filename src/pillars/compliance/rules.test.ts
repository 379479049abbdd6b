// The built-in rules on realistic repositories (fixtures/repos): every finding a repository expects
// is marked on its line (`# expect: rule`), and every other line is a clean look-alike that must
// stay silent — so each test checks recall and precision at once.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { policyCheck } from './check.js';
import { expectedFindings, keyOf, score } from './expectations.js';

const REPOS = fileURLToPath(new URL('./fixtures/repos/', import.meta.url));
const repos = readdirSync(REPOS).filter((d) => !d.startsWith('.'));

describe('policy check on the fixture repositories', () => {
  it.each(repos)('%s: exactly the expected findings', (repo) => {
    const root = path.join(REPOS, repo);
    const r = policyCheck(root, { env: { CARGO_HOME: path.join(root, 'cargo-home'), GOMODCACHE: path.join(root, 'gomodcache') }, licenses: licensesOf(repo) });
    expect(r.problems).toEqual([]);
    expect(r.findings.map(keyOf).sort()).toEqual(expectedFindings(root));
  });

  it('every rule of the catalogue is exercised by some fixture', async () => {
    const { RULES } = await import('./model.js');
    const seen = new Set(repos.flatMap((repo) => expectedFindings(path.join(REPOS, repo)).map((k) => k.split(' ')[0])));
    expect(RULES.map((x) => x.id).filter((id) => !seen.has(id))).toEqual([]);
  });

  it('overall precision and recall over the fixtures', () => {
    let found: string[] = [];
    let expected: string[] = [];
    for (const repo of repos) {
      const root = path.join(REPOS, repo);
      const r = policyCheck(root, {
        env: { CARGO_HOME: path.join(root, 'cargo-home'), GOMODCACHE: path.join(root, 'gomodcache') },
        licenses: licensesOf(repo),
      });
      found = found.concat(r.findings.map((f) => `${repo} ${keyOf(f)}`));
      expected = expected.concat(expectedFindings(root).map((k) => `${repo} ${k}`));
    }
    const s = score(found, expected);
    expect(s.fp).toEqual([]);
    expect(s.fn).toEqual([]);
    expect(s.tp).toBeGreaterThan(40);
  });
});

/** The licence-policy fixture is checked against an allowlist; the others without one. */
function licensesOf(repo: string) {
  return repo.startsWith('licenses') ? { allow: ['MIT', 'Apache-2.0', 'BSD-2-Clause', 'BSD-3-Clause', 'ISC', '0BSD', 'Zlib', 'GPL-2.0-or-later'] } : undefined;
}
