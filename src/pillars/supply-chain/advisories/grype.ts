// Grype's JSON output (`grype -o json`; github.com/anchore/grype, presenter/models): matches[] of
// a vulnerability (id, severity, cvss[] with metrics.baseScore, epss[] with percentile in newer
// versions) found in an artifact (name, version, purl); relatedVulnerabilities carry the aliases.
import type { Advisory } from '../model.js';
import { arr, isObj, str } from '../sbom/common.js';
import { advisoriesError } from './errors.js';
import { severityOf } from './severity.js';

export const isGrype = (doc: Record<string, unknown>) => Array.isArray(doc.matches) && (isObj(doc.descriptor) ? doc.descriptor.name === 'grype' : true);

function maxScore(list: unknown): number | undefined {
  let best: number | undefined;
  for (const c of arr(list)) {
    const s = isObj(c) && isObj(c.metrics) ? c.metrics.baseScore : undefined;
    if (typeof s === 'number' && (best === undefined || s > best)) best = s;
  }
  return best;
}

export function readGrype(doc: Record<string, unknown>, file: string): Advisory[] {
  return arr(doc.matches).map((m, i) => {
    const where = `${file}#/matches/${i}`;
    if (!isObj(m) || !isObj(m.vulnerability) || !isObj(m.artifact)) throw advisoriesError('a match needs vulnerability and artifact objects', where);
    const v = m.vulnerability;
    const a = m.artifact;
    const id = str(v.id);
    if (!id) throw advisoriesError('a vulnerability has no id', `${where}/vulnerability/id`);
    const related = arr(m.relatedVulnerabilities).filter(isObj);
    const scores = [maxScore(v.cvss), ...related.map((r) => maxScore(r.cvss))].filter((x): x is number => x !== undefined);
    const cvss = scores.length ? Math.max(...scores) : undefined;
    const epss = arr(v.epss)
      .filter(isObj)
      .map((e) => e.percentile)
      .filter((x): x is number => typeof x === 'number');
    const purl = str(a.purl);
    return {
      id,
      aliases: [...new Set(related.map((r) => str(r.id)).filter((x): x is string => !!x && x !== id))].sort(),
      package: purl ? { purl } : { name: str(a.name) ?? '' },
      ...(str(a.version) ? { version: str(a.version) } : {}),
      severity: severityOf(str(v.severity), cvss),
      ...(cvss !== undefined ? { cvss } : {}),
      ...(epss.length ? { epssPercentile: Math.max(...epss) } : {}),
      ...(str(v.description) ? { title: str(v.description)!.split('\n')[0] } : {}),
      ...(str(v.dataSource) ? { url: str(v.dataSource) } : {}),
      source: 'grype',
    } satisfies Advisory;
  });
}
