// Where `policy check --fix` learns the commit SHA behind an action's tag, offline first:
// 1. pins the repository already has (`uses: owner/repo@<sha> # v4` in another workflow: the
//    repository's own lockfile, in effect); 2. local clones (`--action-clones DIR` holding
//    DIR/owner/repo, e.g. a mirror of the actions an organisation allows); 3. with a token, GitHub's
//    API (`GET /repos/{owner}/{repo}/commits/{ref}` with the `application/vnd.github.sha` media type).
// A tag two sources disagree on is not pinned: which one is right is for a person to decide.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SHA40 } from '../rules/github.js';

export interface PinLookup {
  /** The commit SHA of owner/repo at ref, and where it was learned; null when nobody knows. */
  resolve(repo: string, ref: string): Promise<{ sha: string; source: string } | null>;
}

/** A tag or branch name we pass to git or put in a URL: no option look-alikes, no traversal. */
const SAFE_REF = /^(?!-)(?!.*\.\.)[\w./+-]{1,200}$/;
const SAFE_REPO = /^[\w.-]+\/[\w.-]+$/;

/** `uses: owner/repo[/path]@<sha> # ref` lines in the given texts → "owner/repo@ref" → sha. */
export function pinsInRepository(texts: string[]): Map<string, string> {
  const seen = new Map<string, Set<string>>();
  const re = /uses:\s*['"]?([\w.-]+\/[\w.-]+)(?:\/[^@\s'"#]*)?@([0-9a-f]{40})['"]?[ \t]+#[ \t]*([^\s#]+)/g;
  for (const t of texts)
    for (const m of t.matchAll(re)) {
      const key = `${m[1]!.toLowerCase()}@${m[3]}`;
      (seen.get(key) ?? seen.set(key, new Set()).get(key)!).add(m[2]!);
    }
  const out = new Map<string, string>();
  for (const [k, shas] of seen) if (shas.size === 1) out.set(k, [...shas][0]!);
  return out;
}

function gitRevParse(dir: string, ref: string): string | null {
  for (const candidate of [`refs/tags/${ref}^{commit}`, `refs/remotes/origin/${ref}^{commit}`, `refs/heads/${ref}^{commit}`]) {
    try {
      const out = execFileSync('git', ['-C', dir, 'rev-parse', '--verify', '--quiet', candidate], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 10_000,
      }).trim();
      if (SHA40.test(out)) return out;
    } catch {
      // not this kind of ref (or not a git folder): try the next
    }
  }
  return null;
}

export interface PinOptions {
  /** The checked repository's workflow and action texts. */
  texts: string[];
  /** Folder holding clones as owner/repo (or owner/repo.git). */
  clonesDir?: string;
  /** GitHub token and API base, for the online lookup. */
  github?: { token: string; apiUrl: string; fetch?: typeof fetch };
}

export function pinLookup(opts: PinOptions): PinLookup {
  const known = pinsInRepository(opts.texts);
  const cache = new Map<string, Promise<{ sha: string; source: string } | null>>();
  const lookup = async (repo: string, ref: string): Promise<{ sha: string; source: string } | null> => {
    const fromRepo = known.get(`${repo.toLowerCase()}@${ref}`);
    const fromClone = opts.clonesDir ? cloneSha(opts.clonesDir, repo, ref) : null;
    if (fromRepo && fromClone && fromRepo !== fromClone) return null;
    if (fromRepo) return { sha: fromRepo, source: 'a pin elsewhere in this repository' };
    if (fromClone) return { sha: fromClone, source: `the clone in ${opts.clonesDir}` };
    if (opts.github) return apiSha(opts.github, repo, ref);
    return null;
  };
  return {
    resolve(repo, ref) {
      if (!SAFE_REPO.test(repo) || !SAFE_REF.test(ref)) return Promise.resolve(null);
      const key = `${repo.toLowerCase()}@${ref}`;
      let p = cache.get(key);
      if (!p) cache.set(key, (p = lookup(repo, ref)));
      return p;
    },
  };
}

function cloneSha(dir: string, repo: string, ref: string): string | null {
  for (const candidate of [path.join(dir, repo), path.join(dir, `${repo}.git`)]) if (existsSync(candidate)) return gitRevParse(candidate, ref);
  return null;
}

async function apiSha(gh: NonNullable<PinOptions['github']>, repo: string, ref: string): Promise<{ sha: string; source: string } | null> {
  const url = `${gh.apiUrl.replace(/\/+$/, '')}/repos/${repo}/commits/${encodeURIComponent(ref)}`;
  try {
    const res = await (gh.fetch ?? fetch)(url, {
      headers: { accept: 'application/vnd.github.sha', authorization: `Bearer ${gh.token}`, 'user-agent': 'ci-intel' },
      signal: AbortSignal.timeout(15_000),
    });
    if (!res.ok) return null;
    const sha = (await res.text()).trim();
    return SHA40.test(sha) ? { sha, source: new URL(gh.apiUrl).host } : null;
  } catch {
    return null;
  }
}
