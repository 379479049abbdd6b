// The SBOM diff and its gate (seed 000: "SBOM diff gate: fail on new high-risk dependencies unless
// VEX says not affected; risk score = max(CVSS, EPSS percentile)"). Pure: parsed SBOMs, advisories
// and VEX statements in, a result out.
import type { Advisory, Component, Sbom, Severity } from './model.js';
import { affects, componentKey, vexFor } from './match.js';
import { riskScore, SEVERITY_ORDER } from './advisories/severity.js';
import type { VexStatement } from './vex.js';

export interface Finding {
  id: string;
  aliases: string[];
  component: { name: string; version: string; purl?: string };
  severity: Severity;
  cvss?: number;
  epssPercentile?: number;
  risk: number;
  title?: string;
  url?: string;
  /** What reported it (several tools may agree). */
  sources: string[];
  /** The VEX statement that speaks for it, if any. */
  vex?: { status: string; justification?: string; source: string };
}

export interface VersionChange {
  name: string;
  purl?: string;
  from: string[];
  to: string[];
}

export interface SbomDiff {
  base: { source: string; format: string; components: number };
  head: { source: string; format: string; components: number };
  added: Component[];
  removed: Component[];
  changed: VersionChange[];
  /** Vulnerabilities in head that base did not have (by id or alias, per package). */
  introduced: Finding[];
  maxRisk: number;
  /** Introduced findings at or above maxRisk with no not_affected/fixed VEX statement. */
  blocking: Finding[];
  pass: boolean;
}

const SUPPRESSING = new Set(['not_affected', 'fixed']);

/** Every advisory that affects a component of the SBOM, merged per component across sources and aliases. */
export function findings(sbom: Sbom, reports: Advisory[], vex: VexStatement[] = []): (Finding & { key: string })[] {
  const out: (Finding & { key: string; ids: Set<string> })[] = [];
  for (const a of [...sbom.advisories, ...reports]) {
    for (const c of sbom.components) {
      if (!affects(a, c)) continue;
      const key = componentKey(c);
      const ids = [a.id, ...a.aliases].map((x) => x.toUpperCase());
      const same = out.find((f) => f.key === key && f.component.version === c.version && ids.some((x) => f.ids.has(x)));
      if (same) {
        for (const x of ids) same.ids.add(x);
        same.aliases = [...new Set([...same.aliases, a.id, ...a.aliases])].filter((x) => x !== same.id).sort();
        if (a.cvss !== undefined && (same.cvss === undefined || a.cvss > same.cvss)) same.cvss = a.cvss;
        if (a.epssPercentile !== undefined && (same.epssPercentile === undefined || a.epssPercentile > same.epssPercentile))
          same.epssPercentile = a.epssPercentile;
        if (SEVERITY_ORDER.indexOf(a.severity) < SEVERITY_ORDER.indexOf(same.severity)) same.severity = a.severity;
        same.risk = riskScore(same);
        same.title ??= a.title;
        same.url ??= a.url;
        if (!same.sources.includes(a.source)) same.sources = [...same.sources, a.source].sort();
        continue;
      }
      out.push({
        key,
        ids: new Set(ids),
        id: a.id,
        aliases: [...a.aliases].sort(),
        component: { name: c.name, version: c.version, ...(c.purl ? { purl: c.purl } : {}) },
        severity: a.severity,
        ...(a.cvss !== undefined ? { cvss: a.cvss } : {}),
        ...(a.epssPercentile !== undefined ? { epssPercentile: a.epssPercentile } : {}),
        risk: riskScore(a),
        ...(a.title ? { title: a.title } : {}),
        ...(a.url ? { url: a.url } : {}),
        sources: [a.source],
      });
    }
  }
  const byComponent = new Map(sbom.components.map((c) => [`${componentKey(c)}@${c.version}`, c]));
  return out
    .map(({ ids, ...f }) => {
      const c = byComponent.get(`${f.key}@${f.component.version}`)!;
      const s = vexFor(vex, [...ids], c, sbom.subject);
      return s ? { ...f, vex: { status: s.status, ...(s.justification ? { justification: s.justification } : {}), source: s.source } } : f;
    })
    .sort(
      (a, b) =>
        b.risk - a.risk || (a.component.name < b.component.name ? -1 : a.component.name > b.component.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
}

function versionsByKey(sbom: Sbom): Map<string, Component[]> {
  const m = new Map<string, Component[]>();
  for (const c of sbom.components) {
    const k = componentKey(c);
    m.set(k, [...(m.get(k) ?? []), c]);
  }
  return m;
}

const versions = (list: Component[]) => [...new Set(list.map((c) => c.version))].sort();

export function diffSboms(base: Sbom, head: Sbom, opts: { reports?: Advisory[]; vex?: VexStatement[]; maxRisk: number }): SbomDiff {
  const b = versionsByKey(base);
  const h = versionsByKey(head);
  const added: Component[] = [];
  const removed: Component[] = [];
  const changed: VersionChange[] = [];
  for (const [k, list] of h) {
    const old = b.get(k);
    if (!old) added.push(...list);
    else if (versions(old).join() !== versions(list).join())
      changed.push({
        name: list[0]!.name,
        ...(list[0]!.purl ? { purl: list[0]!.purl.replace(/@[^@/?#]*(?=$|[?#])/, '') } : {}),
        from: versions(old),
        to: versions(list),
      });
  }
  for (const [k, list] of b) if (!h.has(k)) removed.push(...list);
  const byName = (x: { name: string }, y: { name: string }) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);
  const reports = opts.reports ?? [];
  const before = findings(base, reports);
  const known = new Set(before.flatMap((f) => [f.id, ...f.aliases].map((x) => `${f.key}|${x.toUpperCase()}`)));
  const introduced = findings(head, reports, opts.vex)
    .filter((f) => ![f.id, ...f.aliases].some((x) => known.has(`${f.key}|${x.toUpperCase()}`)))
    .map(({ key: _key, ...f }) => f);
  const blocking = introduced.filter((f) => f.risk >= opts.maxRisk && !(f.vex && SUPPRESSING.has(f.vex.status)));
  return {
    base: { source: base.source, format: `${base.format} ${base.specVersion} ${base.encoding}`, components: base.components.length },
    head: { source: head.source, format: `${head.format} ${head.specVersion} ${head.encoding}`, components: head.components.length },
    added: added.sort(byName),
    removed: removed.sort(byName),
    changed: changed.sort(byName),
    introduced,
    maxRisk: opts.maxRisk,
    blocking,
    pass: blocking.length === 0,
  };
}
