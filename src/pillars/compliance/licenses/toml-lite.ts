// The `[[package]]` tables of TOML lockfiles (Cargo.lock, poetry.lock, uv.lock): name, version and
// source with the line of the table header. Only what licence checks need; not a TOML parser.

export interface TomlPackage {
  name: string;
  version: string;
  line: number;
  source?: string;
}

export function parse(text: string): { packages: TomlPackage[] } {
  const packages: TomlPackage[] = [];
  let cur: TomlPackage | null = null;
  text.split('\n').forEach((l, i) => {
    if (/^\[\[package\]\]\s*$/.test(l)) {
      cur = { name: '', version: '', line: i + 1 };
      packages.push(cur);
      return;
    }
    if (/^\[/.test(l)) {
      cur = null;
      return;
    }
    const m = /^(name|version|source)\s*=\s*(?:"([^"]*)"|\{([^}]*)\})/.exec(l);
    if (!m || !cur) return;
    const p: TomlPackage = cur;
    if (m[1] === 'name') p.name = m[2] ?? '';
    else if (m[1] === 'version') p.version = m[2] ?? '';
    else p.source = m[2] ?? m[3] ?? '';
  });
  return { packages: packages.filter((p) => p.name) };
}
