// SPDX 2.3 JSON (spdx.github.io/spdx-spec/v2.3): packages with their purl external refs, declared
// and concluded licences, checksums; relationships for the dependency graph.
import type { Sbom } from '../model.js';
import { arr, hashAlg, isObj, sbomError, str } from './common.js';
import { buildSpdx, type SpdxPackage } from './spdx-common.js';

export function isSpdxJson(doc: unknown): doc is Record<string, unknown> {
  return isObj(doc) && typeof doc.spdxVersion === 'string';
}

export function readSpdxJson(doc: Record<string, unknown>, file: string): Sbom {
  const spec = String(doc.spdxVersion).replace(/^SPDX-/, '');
  if (spec !== '2.3' && spec !== '2.2')
    throw sbomError(`spdxVersion ${JSON.stringify(doc.spdxVersion)} is not read here (SPDX-2.3 is)`, `${file}#/spdxVersion`);
  if (doc.packages !== undefined && !Array.isArray(doc.packages)) throw sbomError('packages must be a list', `${file}#/packages`);
  const packages: SpdxPackage[] = arr(doc.packages).map((p, i) => {
    const where = `${file}#/packages/${i}`;
    if (!isObj(p)) throw sbomError('a package must be an object', where);
    const id = str(p.SPDXID);
    const name = str(p.name);
    if (!id) throw sbomError('a package has no SPDXID', `${where}/SPDXID`);
    if (!name) throw sbomError('a package has no name', `${where}/name`);
    const purl = arr(p.externalRefs)
      .filter(isObj)
      .find((r) => r.referenceType === 'purl' && typeof r.referenceLocator === 'string')?.referenceLocator as string | undefined;
    const checksums: Record<string, string> = {};
    for (const c of arr(p.checksums))
      if (isObj(c) && typeof c.algorithm === 'string' && typeof c.checksumValue === 'string') checksums[hashAlg(c.algorithm)] = c.checksumValue.toLowerCase();
    return { id, name, version: str(p.versionInfo) ?? '', ...(purl ? { purl } : {}), licenses: [str(p.licenseConcluded), str(p.licenseDeclared)], checksums };
  });
  const relationships = arr(doc.relationships)
    .filter(isObj)
    .map((r) => [str(r.spdxElementId) ?? '', str(r.relationshipType) ?? '', str(r.relatedSpdxElement) ?? ''] as [string, string, string]);
  const describes = arr(doc.documentDescribes).filter((x): x is string => typeof x === 'string');
  return buildSpdx({ spec, encoding: 'json', packages, relationships, describes }, file);
}
