// CycloneDX 1.4–1.6 XML (cyclonedx.org/docs/1.6/xml): the same fields as the JSON reader, the
// version taken from the namespace (http://cyclonedx.org/schema/bom/1.5).
import type { Advisory, Component, Sbom } from '../model.js';
import { ecosystemName, parsePurl } from '../purl.js';
import { severityOf } from '../advisories/severity.js';
import { child, childText, children, parseXmlTree, type XmlEl } from '../xml.js';
import { hashAlg, licenceList, sbomError, sortComponents, sortEdges } from './common.js';

export function isCycloneDxXml(text: string): boolean {
  return /<(?:\w+:)?bom[\s>][^>]*cyclonedx\.org\/schema\/bom/.test(text.slice(0, 4096));
}

function component(el: XmlEl, file: string): Component {
  const name = childText(el, 'name');
  if (!name) throw sbomError('a component has no <name>', `${file}:${el.line}`);
  const purl = childText(el, 'purl');
  const group = childText(el, 'group');
  const parsed = purl ? parsePurl(purl) : null;
  const version = childText(el, 'version') ?? '';
  const hashes: Record<string, string> = {};
  for (const h of children(child(el, 'hashes'), 'hash')) if (h.attrs.alg && h.text) hashes[hashAlg(h.attrs.alg)] = h.text.toLowerCase();
  const lic = child(el, 'licenses');
  return {
    ref: el.attrs['bom-ref'] ?? purl ?? `${group ? `${group}/` : ''}${name}@${version}`,
    name: parsed ? ecosystemName(parsed) : group ? `${group}/${name}` : name,
    version,
    ...(purl ? { purl } : {}),
    licenses: licenceList([
      ...children(lic, 'license').map((l) => childText(l, 'id') ?? childText(l, 'name')),
      ...children(lic, 'expression').map((e) => e.text),
    ]),
    hashes,
  };
}

function advisories(vulns: XmlEl | undefined, source: string): Advisory[] {
  const out: Advisory[] = [];
  for (const v of children(vulns, 'vulnerability')) {
    const id = childText(v, 'id');
    if (!id) continue;
    let cvss: number | undefined;
    let severity: string | undefined;
    for (const r of children(child(v, 'ratings'), 'rating')) {
      const score = Number(childText(r, 'score'));
      if (Number.isFinite(score) && childText(r, 'score') && (cvss === undefined || score > cvss)) cvss = score;
      severity ??= childText(r, 'severity');
    }
    const aliases = children(child(v, 'references'), 'reference')
      .map((r) => childText(r, 'id'))
      .filter((x): x is string => !!x)
      .sort();
    for (const t of children(child(v, 'affects'), 'target')) {
      const ref = childText(t, 'ref');
      if (!ref) continue;
      out.push({
        id,
        aliases,
        package: ref.startsWith('pkg:') ? { purl: ref } : { ref: ref.replace(/^urn:cdx:[^#]*#/, '') },
        severity: severityOf(severity, cvss),
        ...(cvss !== undefined ? { cvss } : {}),
        source,
      });
    }
  }
  return out;
}

export function readCycloneDxXml(text: string, file: string): Sbom {
  const bom = parseXmlTree(text, file).children.find((c) => c.name === 'bom');
  if (!bom) throw sbomError('no <bom> root element', `${file}:1`);
  const ns = Object.entries(bom.attrs).find(([k]) => k === 'xmlns' || k.startsWith('xmlns:'))?.[1] ?? '';
  const spec = /cyclonedx\.org\/schema\/bom\/(\d+\.\d+)/.exec(ns)?.[1] ?? '';
  if (!['1.4', '1.5', '1.6'].includes(spec))
    throw sbomError(`CycloneDX XML namespace ${JSON.stringify(ns)} is not read here (1.4, 1.5, 1.6 are)`, `${file}:${bom.line}`);
  const components: Component[] = [];
  const walk = (list: XmlEl | undefined) => {
    for (const c of children(list, 'component')) {
      components.push(component(c, file));
      walk(child(c, 'components'));
    }
  };
  walk(child(bom, 'components'));
  const deps: Record<string, Set<string>> = {};
  for (const d of children(child(bom, 'dependencies'), 'dependency')) {
    if (!d.attrs.ref) continue;
    const set = (deps[d.attrs.ref] ??= new Set());
    for (const t of children(d, 'dependency')) if (t.attrs.ref) set.add(t.attrs.ref);
  }
  const meta = child(child(bom, 'metadata'), 'component');
  const metaName = childText(meta, 'name');
  return {
    source: file,
    format: 'cyclonedx',
    specVersion: spec,
    encoding: 'xml',
    ...(metaName
      ? { subject: { name: metaName, version: childText(meta, 'version') ?? '', ...(childText(meta, 'purl') ? { purl: childText(meta, 'purl') } : {}) } }
      : {}),
    components: sortComponents(components),
    dependencies: sortEdges(deps),
    advisories: advisories(child(bom, 'vulnerabilities'), `sbom:${file}`),
  };
}
