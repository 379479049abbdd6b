// Reads the commit graph from a local clone with `git log` (parents exactly as git has them).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { CiError } from '../../../core/errors.js';

export interface GitCommit {
  sha: string;
  parents: string[];
  authored_at: string;
  committed_at: string;
}

function git(dir: string, args: string[]): string {
  const r = spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
  if (r.error) throw new CiError('E_GIT_FAILED', `cannot run git: ${r.error.message}`, { hint: 'install git (apt-get install git)' });
  if (r.status !== 0) {
    throw new CiError('E_GIT_FAILED', `git ${args.join(' ')} failed: ${r.stderr.trim().split('\n')[0]}`, {
      where: dir,
      hint: 'run inside a git clone (or pass --dir), and check the --since reference exists',
    });
  }
  return r.stdout.trim();
}

/**
 * Commits whose parents git does not have: the boundary of a shallow clone (`.git/shallow`).
 * git log shows them without parents, which would read as root commits — they are left out.
 */
export function shallowBoundary(dir: string): Set<string> {
  if (git(dir, ['rev-parse', '--is-shallow-repository']) !== 'true') return new Set();
  const file = path.resolve(dir, git(dir, ['rev-parse', '--git-path', 'shallow']));
  try {
    return new Set(
      readFileSync(file, 'utf8')
        .split('\n')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    );
  } catch {
    return new Set();
  }
}

/** The repository path (`owner/name`, `group/sub/name`) from the origin remote's URL, if any. */
export function repoFromRemote(dir: string): string | null {
  let url: string;
  try {
    url = git(dir, ['remote', 'get-url', 'origin']);
  } catch {
    return null;
  }
  const m = /^(?:[a-z+]+:\/\/[^/]+\/|[^@/]+@[^:]+:)(.+?)(?:\.git)?\/?$/i.exec(url);
  return m && m[1]!.includes('/') ? m[1]! : null;
}

/** Streams `git log` of `range` (e.g. `HEAD`, `v1.2.0..HEAD`). */
export async function* gitLog(dir: string, range: string): AsyncGenerator<GitCommit> {
  git(dir, ['rev-parse', '--verify', '--quiet', range.includes('..') ? range.split('..')[0]! : range]);
  const child = spawn('git', ['-C', dir, 'log', '--format=%H%x09%P%x09%aI%x09%cI', range], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  for await (const line of createInterface({ input: child.stdout })) {
    const [sha, parents, a, c] = line.split('\t');
    if (!sha) continue;
    yield { sha, parents: parents ? parents.split(' ').filter(Boolean) : [], authored_at: a!, committed_at: c! };
  }
  const code = await done;
  if (code !== 0) throw new CiError('E_GIT_FAILED', `git log ${range} failed: ${stderr.trim().split('\n')[0]}`, { where: dir });
}
