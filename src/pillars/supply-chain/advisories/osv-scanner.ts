// OSV-scanner's JSON output (google.github.io/osv-scanner/output/#json): results[].packages[] with
// the package (name, version, ecosystem), its OSV vulnerability records, and `groups` that merge
// aliases of one vulnerability with osv-scanner's computed `max_severity` (a CVSS base score).
import type { Advisory } from '../model.js';
import { arr, isObj, str } from '../sbom/common.js';
import { advisoriesError } from './errors.js';
import { severityOf } from './severity.js';

// OSV ecosystem names (ossf.github.io/osv-schema/#affectedpackage-field) → purl types.
const ECOSYSTEM: Record<string, string> = {
  npm: 'npm',
  PyPI: 'pypi',
  Maven: 'maven',
  Go: 'golang',
  'crates.io': 'cargo',
  RubyGems: 'gem',
  NuGet: 'nuget',
  Packagist: 'composer',
  Pub: 'pub',
  Hex: 'hex',
};

export const isOsvScanner = (doc: Record<string, unknown>) => Array.isArray(doc.results) && arr(doc.results).some((r) => isObj(r) && Array.isArray(r.packages));

export function readOsvScanner(doc: Record<string, unknown>, file: string): Advisory[] {
  const out: Advisory[] = [];
  arr(doc.results).forEach((r, ri) => {
    arr(isObj(r) ? r.packages : undefined).forEach((p, pi) => {
      const where = `${file}#/results/${ri}/packages/${pi}`;
      if (!isObj(p) || !isObj(p.package)) throw advisoriesError('a package entry has no package object', where);
      const name = str(p.package.name);
      const version = str(p.package.version);
      if (!name || !version) throw advisoriesError('a package has no name or version', `${where}/package`);
      const eco = str(p.package.ecosystem) ?? '';
      const records = new Map(
        arr(p.vulnerabilities)
          .filter(isObj)
          .map((v) => [str(v.id) ?? '', v]),
      );
      const groups = arr(p.groups).filter(isObj);
      // Older osv-scanner versions write no groups: one advisory per record then.
      const sets = groups.length
        ? groups.map((g) => ({ ids: arr(g.ids).map(String), aliases: arr(g.aliases).map(String), max: str(g.max_severity) }))
        : [...records.keys()].map((id) => ({ ids: [id], aliases: [], max: undefined }));
      for (const g of sets) {
        const ids = [...g.ids].sort();
        const rec = ids.map((id) => records.get(id)).find(Boolean);
        const aliases = new Set([...g.aliases, ...ids, ...arr(rec?.aliases).map(String)]);
        // A GitHub advisory id names npm's advisories; prefer it so reports of several tools agree.
        const id = ids.find((x) => x.startsWith('GHSA-')) ?? ids[0]!;
        aliases.delete(id);
        const score = g.max !== undefined && g.max !== '' ? Number(g.max) : undefined;
        const dbSeverity = isObj(rec?.database_specific) ? str(rec.database_specific.severity) : undefined;
        out.push({
          id,
          aliases: [...aliases].sort(),
          package: { ecosystem: ECOSYSTEM[eco] ?? eco.toLowerCase(), name },
          version,
          severity: severityOf(dbSeverity, Number.isFinite(score) ? score : undefined),
          ...(score !== undefined && Number.isFinite(score) ? { cvss: score } : {}),
          ...(str(rec?.summary) ? { title: str(rec?.summary) } : {}),
          url: id.startsWith('GHSA-') ? `https://github.com/advisories/${id}` : `https://osv.dev/vulnerability/${id}`,
          source: 'osv-scanner',
        });
      }
    });
  });
  return out;
}
