// Package URLs (github.com/package-url/purl-spec): just enough to compare packages across
// documents — type, namespace, name and version; qualifiers and subpath do not make a package
// another package for a diff.

export interface Purl {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
}

export function parsePurl(s: string): Purl | null {
  const m = /^pkg:([a-zA-Z][a-zA-Z0-9.+-]*)\/([^?#]+?)(?:@([^?#]*))?(?:\?[^#]*)?(?:#.*)?$/.exec(s.trim());
  if (!m) return null;
  const parts = m[2]!.split('/').filter(Boolean).map(decodeURIComponent);
  const name = parts.pop();
  if (!name) return null;
  return {
    type: m[1]!.toLowerCase(),
    ...(parts.length ? { namespace: parts.join('/') } : {}),
    name,
    ...(m[3] ? { version: decodeURIComponent(m[3]) } : {}),
  };
}

/** The package a purl names, whatever its version: `npm/@scope/name`, `maven/org.x/y`. */
export function packageKey(p: Purl): string {
  return `${p.type}/${p.namespace ? `${p.namespace}/` : ''}${p.name}`;
}

/** The ecosystem's own spelling of the name (`@scope/name`, `group:artifact`). */
export function ecosystemName(p: Purl): string {
  if (!p.namespace) return p.name;
  return p.type === 'maven' ? `${p.namespace}:${p.name}` : `${p.namespace}/${p.name}`;
}
