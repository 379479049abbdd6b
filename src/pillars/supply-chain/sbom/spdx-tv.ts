// SPDX 2.3 tag-value (spdx.github.io/spdx-spec/v2.3, "Tag:value" lines; <text>…</text> values may
// span lines). A package runs from its PackageName to the next PackageName, FileName or
// SnippetSPDXID; Relationship lines may appear anywhere.
import type { Sbom } from '../model.js';
import { hashAlg, sbomError } from './common.js';
import { buildSpdx, type SpdxPackage } from './spdx-common.js';

export function isSpdxTagValue(text: string): boolean {
  return /^SPDXVersion:\s*SPDX-/m.test(text.slice(0, 4096));
}

export function readSpdxTagValue(text: string, file: string): Sbom {
  const lines = text.split(/\r?\n/);
  const packages: SpdxPackage[] = [];
  const relationships: [string, string, string][] = [];
  let spec = '';
  let pkg: (SpdxPackage & { line: number }) | null = null;
  let section: 'package' | 'other' = 'other';
  const finish = () => {
    if (pkg) {
      if (!pkg.id) throw sbomError(`package ${JSON.stringify(pkg.name)} has no SPDXID`, `${file}:${pkg.line}`);
      const { line: _line, ...p } = pkg as SpdxPackage & { line: number };
      packages.push(p);
    }
    pkg = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim() || line.startsWith('#')) continue;
    const m = /^([A-Za-z][A-Za-z0-9-]*):\s?(.*)$/.exec(line);
    if (!m) throw sbomError(`line is not "Tag: value": ${JSON.stringify(line.slice(0, 60))}`, `${file}:${i + 1}`, 'pass an SPDX 2.3 tag-value document');
    const tag = m[1]!;
    let value = m[2]!.trim();
    if (value.startsWith('<text>')) {
      const start = i;
      while (!value.includes('</text>')) {
        if (++i >= lines.length) throw sbomError(`<text> opened for ${tag} is never closed`, `${file}:${start + 1}`, 'close it with </text>');
        value += `\n${lines[i]}`;
      }
      value = value.replace(/^<text>/, '').replace(/<\/text>.*$/s, '');
    }
    switch (tag) {
      case 'SPDXVersion':
        spec = value.replace(/^SPDX-/, '');
        break;
      case 'PackageName':
        finish();
        section = 'package';
        pkg = { id: '', name: value, version: '', licenses: [], checksums: {}, line: i + 1 };
        break;
      case 'FileName':
      case 'SnippetSPDXID':
      case 'LicenseID':
        finish();
        section = 'other';
        break;
      case 'Relationship': {
        const r = value.split(/\s+/);
        if (r.length < 3)
          throw sbomError(`Relationship needs "A TYPE B": ${JSON.stringify(value)}`, `${file}:${i + 1}`, 'write Relationship: SPDXRef-A DEPENDS_ON SPDXRef-B');
        relationships.push([r[0]!, r[1]!, r[2]!]);
        break;
      }
      default:
        if (section !== 'package' || !pkg) break;
        if (tag === 'SPDXID') (pkg as SpdxPackage).id = value;
        else if (tag === 'PackageVersion') (pkg as SpdxPackage).version = value;
        else if (tag === 'PackageLicenseDeclared' || tag === 'PackageLicenseConcluded') (pkg as SpdxPackage).licenses.push(value);
        else if (tag === 'PackageChecksum') {
          const c = /^([^:]+):\s*([0-9a-fA-F]+)$/.exec(value);
          if (c) (pkg as SpdxPackage).checksums[hashAlg(c[1]!)] = c[2]!.toLowerCase();
        } else if (tag === 'ExternalRef') {
          const r = value.split(/\s+/);
          if (r[1] === 'purl' && r[2]) (pkg as SpdxPackage).purl = r[2];
        }
    }
  }
  finish();
  if (spec !== '2.3' && spec !== '2.2') throw sbomError(`SPDXVersion ${JSON.stringify(spec)} is not read here (SPDX-2.3 is)`, `${file}:1`);
  return buildSpdx({ spec, encoding: 'tag-value', packages, relationships, describes: [] }, file);
}
