// CycloneDX 1.4–1.6 JSON (cyclonedx.org/docs/1.6/json): components (nested ones too), licences
// (`license.id|name` or `expression`), hashes, the dependency graph and — from scanners or VEX —
// `vulnerabilities` with ratings and affects.
import type { Advisory, Component, Sbom } from '../model.js';
import { parsePurl, ecosystemName } from '../purl.js';
import { arr, hashAlg, isObj, licenceList, sbomError, sortComponents, sortEdges, str } from './common.js';
import { severityOf } from '../advisories/severity.js';

const SPECS = new Set(['1.4', '1.5', '1.6']);

export function isCycloneDxJson(doc: unknown): doc is Record<string, unknown> {
  return isObj(doc) && doc.bomFormat === 'CycloneDX';
}

function licences(v: unknown): string[] {
  return licenceList(
    arr(v).map((l) => {
      if (!isObj(l)) return undefined;
      if (typeof l.expression === 'string') return l.expression;
      const lic = isObj(l.license) ? l.license : {};
      return str(lic.id) ?? str(lic.name);
    }),
  );
}

function component(c: Record<string, unknown>, pointer: string, file: string): Component {
  const name = str(c.name);
  if (!name) throw sbomError('a component has no name', `${file}#${pointer}/name`);
  const purl = str(c.purl);
  const group = str(c.group);
  const parsed = purl ? parsePurl(purl) : null;
  const hashes: Record<string, string> = {};
  for (const h of arr(c.hashes)) if (isObj(h) && typeof h.alg === 'string' && typeof h.content === 'string') hashes[hashAlg(h.alg)] = h.content.toLowerCase();
  return {
    ref: str(c['bom-ref']) ?? purl ?? `${group ? `${group}/` : ''}${name}@${str(c.version) ?? ''}`,
    name: parsed ? ecosystemName(parsed) : group ? `${group}/${name}` : name,
    version: str(c.version) ?? '',
    ...(purl ? { purl } : {}),
    licenses: licences(c.licenses),
    hashes,
  };
}

/** A CycloneDX `vulnerabilities` entry as advisories, one per affected ref. */
export function cycloneDxAdvisories(list: unknown, source: string): Advisory[] {
  const out: Advisory[] = [];
  for (const v of arr(list)) {
    if (!isObj(v) || typeof v.id !== 'string') continue;
    let cvss: number | undefined;
    let severity: string | undefined;
    for (const r of arr(v.ratings)) {
      if (!isObj(r)) continue;
      if (typeof r.score === 'number' && /^CVSS/i.test(str(r.method) ?? 'CVSS') && (cvss === undefined || r.score > cvss)) cvss = r.score;
      severity ??= str(r.severity);
    }
    const aliases = arr(v.references)
      .map((r) => (isObj(r) ? str(r.id) : undefined))
      .filter((x): x is string => !!x)
      .sort();
    for (const a of arr(v.affects)) {
      const ref = isObj(a) ? str(a.ref) : undefined;
      if (!ref) continue;
      const purl = ref.startsWith('pkg:') ? ref : undefined;
      out.push({
        id: v.id,
        aliases,
        package: purl ? { purl } : { ref: ref.replace(/^urn:cdx:[^#]*#/, '') },
        severity: severityOf(severity, cvss),
        ...(cvss !== undefined ? { cvss } : {}),
        ...(typeof v.description === 'string' ? { title: v.description.split('\n')[0] } : {}),
        source,
      });
    }
  }
  return out;
}

export function readCycloneDxJson(doc: Record<string, unknown>, file: string): Sbom {
  const spec = str(doc.specVersion) ?? '';
  if (!SPECS.has(spec))
    throw sbomError(`CycloneDX specVersion ${JSON.stringify(doc.specVersion)} is not read here (1.4, 1.5, 1.6 are)`, `${file}#/specVersion`);
  const components: Component[] = [];
  const walk = (list: unknown, pointer: string) => {
    if (list !== undefined && !Array.isArray(list)) throw sbomError('components must be a list', `${file}#${pointer}`);
    arr(list).forEach((c, i) => {
      if (!isObj(c)) throw sbomError('a component must be an object', `${file}#${pointer}/${i}`);
      components.push(component(c, `${pointer}/${i}`, file));
      walk(c.components, `${pointer}/${i}/components`);
    });
  };
  walk(doc.components, '/components');
  const deps: Record<string, Set<string>> = {};
  for (const d of arr(doc.dependencies)) {
    if (!isObj(d) || typeof d.ref !== 'string') continue;
    const set = (deps[d.ref] ??= new Set());
    for (const t of arr(d.dependsOn)) if (typeof t === 'string') set.add(t);
  }
  const meta = isObj(doc.metadata) && isObj(doc.metadata.component) ? doc.metadata.component : undefined;
  return {
    source: file,
    format: 'cyclonedx',
    specVersion: spec,
    encoding: 'json',
    ...(meta && typeof meta.name === 'string'
      ? { subject: { name: meta.name, version: str(meta.version) ?? '', ...(str(meta.purl) ? { purl: str(meta.purl) } : {}) } }
      : {}),
    components: sortComponents(components),
    dependencies: sortEdges(deps),
    advisories: cycloneDxAdvisories(doc.vulnerabilities, `sbom:${file}`),
  };
}
