// Which components of an SBOM an advisory names: by the SBOM's own ref, by purl, or by ecosystem
// and name — then by exact version or affected range. And which VEX statement speaks for a finding.
import type { Advisory, Component, Sbom } from './model.js';
import { ecosystemName, packageKey, parsePurl } from './purl.js';
import { satisfies } from './semver-range.js';
import type { VexStatement } from './vex.js';

/** The package a component is, whatever its version (purl type/namespace/name, else its name). */
export function componentKey(c: Component): string {
  const p = c.purl ? parsePurl(c.purl) : null;
  return p ? packageKey(p) : c.name;
}

function namesComponent(a: Advisory, c: Component): boolean {
  if (a.package.ref !== undefined) return a.package.ref === c.ref;
  const cp = c.purl ? parsePurl(c.purl) : null;
  if (a.package.purl) {
    const ap = parsePurl(a.package.purl);
    if (!ap || !cp || packageKey(ap) !== packageKey(cp)) return false;
    return ap.version === undefined || ap.version === c.version;
  }
  if (!a.package.name) return false;
  if (cp) return ecosystemName(cp) === a.package.name && (!a.package.ecosystem || a.package.ecosystem === cp.type);
  return c.name === a.package.name;
}

export function affects(a: Advisory, c: Component): boolean {
  if (!namesComponent(a, c)) return false;
  if (a.version !== undefined) return a.version === c.version;
  if (a.range !== undefined) return satisfies(c.version, a.range) === true;
  return true;
}

function purlCovers(statement: string, target: string | undefined, ref?: string): boolean {
  if (statement === ref) return true;
  if (!target) return false;
  const s = parsePurl(statement);
  const t = parsePurl(target);
  if (!s || !t || packageKey(s) !== packageKey(t)) return false;
  return s.version === undefined || s.version === t.version;
}

/**
 * The statement that speaks for this vulnerability in this component of this product: it names
 * the vulnerability (or an alias), and the product or the component among its products, and the
 * component among its subcomponents when it lists any. The latest (by timestamp, then order) wins.
 */
export function vexFor(statements: VexStatement[], ids: string[], c: Component, subject: Sbom['subject']): VexStatement | undefined {
  const idSet = new Set(ids.map((x) => x.toUpperCase()));
  let found: VexStatement | undefined;
  for (const s of statements) {
    if (![s.vulnerability, ...s.aliases].some((x) => idSet.has(x.toUpperCase()))) continue;
    const productHit = s.products.length === 0 || s.products.some((p) => purlCovers(p, subject?.purl) || purlCovers(p, c.purl, c.ref));
    const subHit = s.subcomponents.length === 0 || s.subcomponents.some((p) => purlCovers(p, c.purl, c.ref));
    if (!productHit || !subHit) continue;
    if (!found || (s.timestamp ?? '') >= (found.timestamp ?? '')) found = s;
  }
  return found;
}
