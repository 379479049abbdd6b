// The one component model every SBOM reader produces (CycloneDX 1.4–1.6 JSON/XML, SPDX 2.3
// JSON/tag-value) and the advisory shape every vulnerability source produces (an SBOM's own
// `vulnerabilities`, Grype, OSV-scanner, `npm audit --json`). Raw shapes never leave their reader.

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'none' | 'unknown';

export interface Component {
  /** The document's own id for it (CycloneDX bom-ref, SPDX SPDXID). */
  ref: string;
  /** Name as the ecosystem spells it, scope included (`@types/node`, `org.slf4j:slf4j-api`). */
  name: string;
  version: string;
  purl?: string;
  /** SPDX ids or expressions, sorted. */
  licenses: string[];
  /** Algorithm (lower case, no dash: sha256, sha512) → hex digest. */
  hashes: Record<string, string>;
}

export interface Sbom {
  /** Where it was read from (for messages). */
  source: string;
  format: 'cyclonedx' | 'spdx';
  specVersion: string;
  encoding: 'json' | 'xml' | 'tag-value';
  /** What the SBOM describes (CycloneDX metadata.component, SPDX documentDescribes). */
  subject?: { name: string; version: string; purl?: string };
  components: Component[];
  /** ref → refs it depends on (sorted). */
  dependencies: Record<string, string[]>;
  /** Vulnerabilities the SBOM itself carries (a scanner's enriched SBOM). */
  advisories: Advisory[];
}

/** One published vulnerability of one package, as a source states it. */
export interface Advisory {
  id: string;
  aliases: string[];
  /** Which package: by purl, by ecosystem + name, or by the SBOM's own ref. */
  package: { ecosystem?: string; name?: string; purl?: string; ref?: string };
  /** Affected versions: an exact version, or an npm-style range (`<4.17.21`, `>=1.0.0 <1.2.6 || 2.x`). */
  version?: string;
  range?: string;
  severity: Severity;
  /** CVSS base score 0–10 when the source gives one. */
  cvss?: number;
  /** EPSS percentile 0–1 when the source gives one. */
  epssPercentile?: number;
  title?: string;
  url?: string;
  /** What said so: `npm audit`, `osv-scanner`, `grype`, `sbom:<file>`. */
  source: string;
}
