// Enough of npm's range grammar to place a version in an advisory's affected range (`<4.17.21`,
// `>=1.0.0 <1.2.6`, `<=2.0.0 || >=3.0.0 <3.1.0`, `*`) — the forms npm audit and OSV ranges use.
// Pre-release tags compare below their release, as in semver.

function parts(v: string): { nums: number[]; pre: string } | null {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+.*)?$/.exec(v.trim());
  if (!m) return null;
  return { nums: [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)], pre: m[4] ?? '' };
}

export function compareVersions(a: string, b: string): number | null {
  const x = parts(a);
  const y = parts(b);
  if (!x || !y) return null;
  for (let i = 0; i < 3; i++) if (x.nums[i] !== y.nums[i]) return x.nums[i]! - y.nums[i]!;
  if (x.pre === y.pre) return 0;
  if (!x.pre) return 1;
  if (!y.pre) return -1;
  return x.pre < y.pre ? -1 : 1;
}

function satisfiesComparator(version: string, comp: string): boolean | null {
  if (comp === '*' || comp === '' || comp === 'x') return true;
  const m = /^(<=|>=|<|>|=)?\s*(.+)$/.exec(comp);
  if (!m) return null;
  const c = compareVersions(version, m[2]!);
  if (c === null) return null;
  switch (m[1]) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
    default:
      return c === 0;
  }
}

/** Does `version` fall in `range`? null when either cannot be read (the caller reports it). */
export function satisfies(version: string, range: string): boolean | null {
  let unknown = false;
  for (const alt of range.split('||')) {
    const comps = alt
      .trim()
      .replace(/(<=|>=|<|>|=)\s+/g, '$1')
      .split(/\s+/);
    let all = true;
    for (const comp of comps) {
      const r = satisfiesComparator(version, comp);
      if (r === null) unknown = true;
      if (r !== true) all = false;
    }
    if (all) return true;
  }
  return unknown ? null : false;
}
