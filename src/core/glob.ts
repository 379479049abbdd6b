// File and name globs (Node 20 has no path.matchesGlob): `**` any characters including `/`
// (`**/` also matches no folder at all), `*` any except `/`, `?` one character except `/`,
// `{a,b}` either alternative. Matched against the whole string.
import { existsSync, readdirSync, type Dirent } from 'node:fs';
import path from 'node:path';

const escape = (s: string) => s.replace(/[.+^$()|[\]\\{}]/g, '\\$&');

export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${globSource(glob)}$`);
}

/** The pattern of `glob` without anchors, to embed in a larger expression. */
export function globSource(glob: string): string {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{' && glob.indexOf('}', i) > i) {
      const end = glob.indexOf('}', i);
      re += `(?:${glob
        .slice(i + 1, end)
        .split(',')
        .map(globSource)
        .join('|')})`;
      i = end;
    } else re += escape(c);
  }
  return re;
}

const GLOB_CHARS = /[*?{]/;

/**
 * The files a glob names, relative to `cwd` as written (`reports/**\/*.xml`), sorted; a pattern
 * without glob characters names itself when it exists. Folders named node_modules or .git are not
 * entered unless the pattern names them.
 */
export function expandGlob(pattern: string, cwd = process.cwd()): string[] {
  const norm = pattern.split(path.sep).join('/');
  if (!GLOB_CHARS.test(norm)) return existsSync(path.resolve(cwd, norm)) ? [norm] : [];
  const parts = norm.split('/');
  const fixed: string[] = [];
  while (parts.length > 1 && !GLOB_CHARS.test(parts[0]!)) fixed.push(parts.shift()!);
  const base = fixed.join('/');
  const re = globToRegExp(norm);
  const out: string[] = [];
  const walk = (rel: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(path.resolve(cwd, rel || '.'), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if ((e.name === 'node_modules' || e.name === '.git') && !norm.includes(e.name)) continue;
        walk(p);
      } else if (re.test(p)) out.push(p);
    }
  };
  walk(base);
  return out.sort();
}
