// File and name globs (Node 20 has no path.matchesGlob): `**` any characters including `/`
// (`**/` also matches no folder at all), `*` any except `/`, `?` one character except `/`,
// `{a,b}` either alternative. Matched against the whole string.
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
