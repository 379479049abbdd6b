// A repository's SBOM scans on the hub (issue 18 part 6): `sbom diff --record` sends the change's
// component count and its open vulnerabilities by severity (VEX not_affected/fixed excluded); the
// latest scan per repository feeds seed 004's gauges
//   cicd_vulnerability_count{service, severity}   open vulnerabilities, severity CRITICAL|HIGH|MEDIUM|LOW|UNKNOWN
//   cicd_sbom_component_count{service}            components in the latest SBOM
// (the names and labels of seed 004's dictionary, which the CriticalVulnerabilityDetected alert reads).
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Registry } from 'prom-client';
import type { CoreTables } from '../../core/db/schema.js';
import type { Migration } from '../../core/db/migrate.js';
import { listIssues, payloadContract } from '../../core/contract/payload.js';
import { CiError } from '../../core/errors.js';
import { commitUploadRoute } from '../../core/http/commit-upload.js';
import type { HubApp } from '../../core/http/types.js';
import type { HubContext } from '../../core/registry.js';
import type { Finding } from './diff.js';

export const SCAN_SEVERITIES = ['critical', 'high', 'medium', 'low', 'unknown'] as const;
export type ScanSeverity = (typeof SCAN_SEVERITIES)[number];

export type SbomScansTable = {
  repo: string;
  commit: string;
  scanned_at: Date | string;
  components: number;
  critical: number;
  high: number;
  medium: number;
  low: number;
  unknown: number;
  vex_cleared: number;
};
export type ScanTables = { sbom_scans: SbomScansTable };
type ScanDb = Kysely<CoreTables & ScanTables>;

export const scanMigrations: Migration[] = [
  {
    id: 'supply-chain-0002-sbom-scans',
    up: `
create table sbom_scans (
  repo text not null,
  commit text not null,
  scanned_at timestamptz not null,
  components integer not null,
  critical integer not null,
  high integer not null,
  medium integer not null,
  low integer not null,
  unknown integer not null,
  vex_cleared integer not null
);
create index sbom_scans_latest on sbom_scans (repo, scanned_at desc);
`,
  },
];

export interface ScanSummary {
  components: number;
  vulnerabilities: Record<ScanSeverity, number>;
  vex_cleared: number;
}

/** What a scan of the change reports: its components and its open vulnerabilities by severity. */
export function summarizeScan(components: number, found: Finding[]): ScanSummary {
  const vulnerabilities = { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };
  let cleared = 0;
  for (const f of found) {
    if (f.vex && (f.vex.status === 'not_affected' || f.vex.status === 'fixed')) cleared++;
    else if (f.severity !== 'none') vulnerabilities[f.severity]++;
  }
  return { components, vulnerabilities, vex_cleared: cleared };
}

/** The body's contract: sbom_scan_upload.schema.json, registered in the schema registry. */
export const scanUploadContract = payloadContract('sbom_scan_upload', '1.0.0', new URL('./sbom_scan_upload.schema.json', import.meta.url));

/** The body `sbom diff --record` sends, checked by its schema (the problems by JSON pointer, the first in `where`). */
export function parseScan(text: string): ScanSummary {
  const bad = (pointer: string, msg: string): never => {
    throw new CiError('E_USAGE', `the scan ${msg}`, { where: `body: ${pointer || '/'}`, hint: 'send what ci-intel sbom diff --record sends' });
  };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return bad('', `is not JSON: ${(e as Error).message}`);
  }
  const issues = scanUploadContract.check(v);
  if (issues.length) return bad(issues[0]!.pointer, `does not match its schema: ${listIssues(issues, 'body: ')}`);
  const o = v as Record<string, number> & { vulnerabilities: Record<ScanSeverity, number> };
  const vulnerabilities = Object.fromEntries(SCAN_SEVERITIES.map((s) => [s, o.vulnerabilities[s]])) as Record<ScanSeverity, number>;
  return { components: o.components, vulnerabilities, vex_cleared: o.vex_cleared };
}

export function scanRoutes(app: HubApp, ctx: HubContext): void {
  commitUploadRoute(
    app,
    {
      tail: 'sbom-scans',
      summary:
        "Record a commit's SBOM scan as `sbom diff --record` sends it: component count and open vulnerabilities by severity (the latest one per repository is exported as cicd_vulnerability_count and cicd_sbom_component_count)",
      tag: 'supply-chain',
      maxBytes: 64 * 1024,
    },
    async ({ repo, commit, body }) => {
      const scan = parseScan(body.toString('utf8'));
      await recordScan(ctx.db.withTables<ScanTables>(), { repo, commit, at: ctx.now(), scan });
      return { repo, commit, ...scan };
    },
  );
}

export async function recordScan(db: ScanDb, s: { repo: string; commit: string; at: Date; scan: ScanSummary }): Promise<void> {
  await db
    .insertInto('sbom_scans')
    .values({
      repo: s.repo.toLowerCase(),
      commit: s.commit,
      scanned_at: s.at,
      components: s.scan.components,
      ...s.scan.vulnerabilities,
      vex_cleared: s.scan.vex_cleared,
    })
    .execute();
}

async function latestScans(db: ScanDb): Promise<SbomScansTable[]> {
  const r = await sql<SbomScansTable>`select distinct on (repo) * from sbom_scans order by repo, scanned_at desc`.execute(db);
  return r.rows;
}

/** A pull-time gauge over the latest scan per repository. */
function gauge(
  registry: Registry,
  ctx: HubContext,
  name: string,
  help: string,
  values: (rows: SbomScansTable[]) => { labels: Record<string, string>; value: number }[],
) {
  registry.registerMetric({
    name,
    help,
    type: 'gauge',
    aggregator: 'sum',
    get: async () => ({ name, help, type: 'gauge', aggregator: 'sum', values: values(await latestScans(ctx.db.withTables<ScanTables>())) }),
    reset() {},
  } as unknown as Parameters<Registry['registerMetric']>[0]);
}

export function registerScanMetrics(registry: Registry, ctx: HubContext): void {
  gauge(registry, ctx, 'cicd_vulnerability_count', 'Open vulnerabilities in the latest SBOM scan per service (VEX not_affected/fixed excluded)', (rows) =>
    rows.flatMap((r) => SCAN_SEVERITIES.map((s) => ({ labels: { service: r.repo, severity: s.toUpperCase() }, value: r[s] }))),
  );
  gauge(registry, ctx, 'cicd_sbom_component_count', 'Components in the latest SBOM per service', (rows) =>
    rows.map((r) => ({ labels: { service: r.repo }, value: r.components })),
  );
}
