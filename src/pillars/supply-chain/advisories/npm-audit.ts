// `npm audit --json` (npm 7+, auditReportVersion 2; docs.npmjs.com/cli/commands/npm-audit):
// `vulnerabilities` keyed by package; each `via` object is one advisory on that package (a
// string `via` only points at another vulnerable package, which has its own entry).
import type { Advisory } from '../model.js';
import { arr, isObj, str } from '../sbom/common.js';
import { advisoriesError } from './errors.js';
import { severityOf } from './severity.js';

export const isNpmAudit = (doc: Record<string, unknown>) => doc.auditReportVersion !== undefined || (isObj(doc.advisories) && isObj(doc.metadata));

export function readNpmAudit(doc: Record<string, unknown>, file: string): Advisory[] {
  if (doc.auditReportVersion !== 2)
    throw advisoriesError(
      `npm audit report version ${JSON.stringify(doc.auditReportVersion)} is not read (version 2, npm 7 and later, is)`,
      `${file}#/auditReportVersion`,
      'run npm audit --json with npm 7 or later',
    );
  if (!isObj(doc.vulnerabilities)) throw advisoriesError('vulnerabilities must be an object keyed by package', `${file}#/vulnerabilities`);
  const out: Advisory[] = [];
  for (const [pkg, entry] of Object.entries(doc.vulnerabilities)) {
    if (!isObj(entry)) throw advisoriesError('a vulnerability entry must be an object', `${file}#/vulnerabilities/${pkg}`);
    arr(entry.via).forEach((via, i) => {
      if (!isObj(via)) return;
      const url = str(via.url) ?? '';
      const id = /GHSA-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}/i.exec(url)?.[0] ?? (via.source !== undefined ? `NPM-${String(via.source)}` : undefined);
      if (!id) throw advisoriesError('an advisory has neither a GitHub advisory url nor a source id', `${file}#/vulnerabilities/${pkg}/via/${i}`);
      const score = isObj(via.cvss) && typeof via.cvss.score === 'number' && via.cvss.score > 0 ? via.cvss.score : undefined;
      out.push({
        id,
        aliases: [],
        package: { ecosystem: 'npm', name: str(via.name) ?? str(via.dependency) ?? pkg },
        range: str(via.range) ?? str(entry.range) ?? '*',
        severity: severityOf(str(via.severity), score),
        ...(score !== undefined ? { cvss: score } : {}),
        ...(str(via.title) ? { title: str(via.title) } : {}),
        ...(url ? { url } : {}),
        source: 'npm audit',
      });
    });
  }
  return out;
}
