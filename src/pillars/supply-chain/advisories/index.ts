// Reads a vulnerability report given beside an SBOM; the tool is detected from the content.
import { parseJsonObject, readInputText } from '../io.js';
import type { Advisory } from '../model.js';
import { cycloneDxAdvisories } from '../sbom/cyclonedx-json.js';
import { advisoriesError } from './errors.js';
import { isGrype, readGrype } from './grype.js';
import { isNpmAudit, readNpmAudit } from './npm-audit.js';
import { isOsvScanner, readOsvScanner } from './osv-scanner.js';

export function parseAdvisories(text: string, file: string): Advisory[] {
  const doc = parseJsonObject(text, file, 'the report', (m, w) => advisoriesError(m, w));
  if (isNpmAudit(doc)) return readNpmAudit(doc, file);
  if (isOsvScanner(doc)) return readOsvScanner(doc, file);
  if (isGrype(doc)) return readGrype(doc, file);
  // A CycloneDX document with only vulnerabilities (a scanner's VDR) is a report too.
  if (doc.bomFormat === 'CycloneDX') return cycloneDxAdvisories(doc.vulnerabilities, `report:${file}`);
  throw advisoriesError('not a report of a known tool (Grype, OSV-scanner, npm audit --json, a CycloneDX vulnerability report)', `${file}#`);
}

export function readAdvisories(file: string): Advisory[] {
  return parseAdvisories(readInputText(file), file);
}
