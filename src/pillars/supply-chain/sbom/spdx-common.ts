// SPDX 2.3 JSON and tag-value carry the same data; both readers fill this shape and one builder
// turns it into the component model. The described package (documentDescribes / DESCRIBES) is the
// SBOM's subject, not one of its components, as CycloneDX's metadata.component is.
import type { Component, Sbom } from '../model.js';
import { ecosystemName, parsePurl } from '../purl.js';
import { licenceList, sortComponents, sortEdges } from './common.js';

export interface SpdxPackage {
  id: string;
  name: string;
  version: string;
  purl?: string;
  licenses: (string | undefined)[];
  checksums: Record<string, string>;
}

export interface SpdxDoc {
  spec: string;
  encoding: 'json' | 'tag-value';
  packages: SpdxPackage[];
  relationships: [string, string, string][];
  describes: string[];
}

// Relationship types that are a dependency edge, and which way it points (SPDX 2.3 clause 11.1).
const FORWARD = new Set(['DEPENDS_ON', 'CONTAINS', 'DYNAMIC_LINK', 'STATIC_LINK', 'HAS_PREREQUISITE']);
const BACKWARD = new Set([
  'DEPENDENCY_OF',
  'CONTAINED_BY',
  'PREREQUISITE_FOR',
  'DEV_DEPENDENCY_OF',
  'BUILD_DEPENDENCY_OF',
  'RUNTIME_DEPENDENCY_OF',
  'OPTIONAL_DEPENDENCY_OF',
]);

export function buildSpdx(d: SpdxDoc, file: string): Sbom {
  const describes = new Set(d.describes);
  for (const [a, type, b] of d.relationships) if (type === 'DESCRIBES' && a === 'SPDXRef-DOCUMENT') describes.add(b);
  const subjectPkg = d.packages.find((p) => describes.has(p.id));
  const components: Component[] = d.packages
    .filter((p) => p !== subjectPkg)
    .map((p) => {
      const parsed = p.purl ? parsePurl(p.purl) : null;
      return {
        ref: p.id,
        name: parsed ? ecosystemName(parsed) : p.name,
        version: p.version,
        ...(p.purl ? { purl: p.purl } : {}),
        licenses: licenceList(p.licenses),
        hashes: p.checksums,
      };
    });
  const deps: Record<string, Set<string>> = {};
  for (const [a, type, b] of d.relationships) {
    if (FORWARD.has(type)) (deps[a] ??= new Set()).add(b);
    else if (BACKWARD.has(type)) (deps[b] ??= new Set()).add(a);
  }
  delete deps['SPDXRef-DOCUMENT'];
  return {
    source: file,
    format: 'spdx',
    specVersion: d.spec,
    encoding: d.encoding,
    ...(subjectPkg ? { subject: { name: subjectPkg.name, version: subjectPkg.version, ...(subjectPkg.purl ? { purl: subjectPkg.purl } : {}) } } : {}),
    components: sortComponents(components),
    dependencies: sortEdges(deps),
    advisories: [],
  };
}
