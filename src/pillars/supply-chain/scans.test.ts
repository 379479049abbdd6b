// `sbom diff --record --hub` sends the change's component count and open vulnerabilities; the hub
// exports the latest scan per repository as seed 004's cicd_vulnerability_count{service, severity}
// and cicd_sbom_component_count{service}; a VEX statement clearing the advisory lowers the count,
// and the CriticalVulnerabilityDetected alert in `metrics rules` reads the same series.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachStore } from '../../../test/support/stores.js';
import { capturingCli, listeningHub } from '../../../test/support/hub-app.js';
import { pillars } from '../../../test/support/assembled.js';
import { readSbom } from './sbom/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = (...p: string[]) => path.join(here, 'fixtures', ...p);
const NOW = new Date('2026-12-06T12:00:00Z');

describeEachStore(
  'SBOM scans on the hub and /metrics',
  (getHub) => {
    let app: FastifyInstance;
    let url: string;
    let token: string;
    beforeAll(async () => {
      const h = await listeningHub(getHub(), { acme: { repos: ['acme/*'], scopes: ['ingest', 'read'] } });
      ({ app, url } = h);
      token = h.tokens.acme;
    });
    afterAll(async () => app?.close());
    const cli = capturingCli({ now: () => NOW, cwd: here });
    const scan = (commit: string, ...extra: string[]) =>
      cli([
        'sbom',
        'diff',
        fx('sbom', 'base.cdx-1.6.json'),
        fx('sbom', 'head.cdx-1.6.json'),
        '--advisories',
        fx('advisories', 'head.npm-audit.json'),
        ...extra,
        '--record',
        '--hub',
        url,
        '--token',
        token,
        '--repo',
        'acme/shop',
        '--commit',
        commit,
      ]);
    const metrics = async () => (await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } })).body;

    it('exports the latest scan per repository; a VEX statement takes the cleared vulnerability out', async () => {
      const first = await scan('a1a1a1a1');
      expect(first.code, first.err).toBe(1);
      const m = /: (\d+) components; open vulnerabilities (\d+) critical, (\d+) high, (\d+) medium, (\d+) low, (\d+) unknown; 0 cleared by VEX$/m.exec(
        first.err,
      );
      expect(m, first.err).not.toBeNull();
      const [components, critical, high, medium, low] = m!.slice(1, 6).map(Number);
      expect(components).toBe(readSbom(fx('sbom', 'head.cdx-1.6.json')).components.length);
      expect(high).toBeGreaterThanOrEqual(1);
      let body = await metrics();
      expect(body).toContain('# TYPE cicd_vulnerability_count gauge\n');
      expect(body).toContain('# TYPE cicd_sbom_component_count gauge\n');
      expect(body).toContain(`cicd_sbom_component_count{service="acme/shop"} ${components}`);
      expect(body).toContain(`cicd_vulnerability_count{service="acme/shop",severity="CRITICAL"} ${critical}`);
      expect(body).toContain(`cicd_vulnerability_count{service="acme/shop",severity="HIGH"} ${high}`);
      expect(body).toContain(`cicd_vulnerability_count{service="acme/shop",severity="MEDIUM"} ${medium}`);
      expect(body).toContain(`cicd_vulnerability_count{service="acme/shop",severity="LOW"} ${low}`);

      const second = await scan('b2b2b2b2', '--vex', fx('vex', 'lodash-template.openvex.json'));
      expect(second.err).toMatch(/; 1 cleared by VEX$/m);
      body = await metrics();
      expect(body).toContain(`cicd_vulnerability_count{service="acme/shop",severity="HIGH"} ${high! - 1}`);
    });

    it('the CriticalVulnerabilityDetected alert reads the exported series', async () => {
      const r = await cli(['metrics', 'rules']);
      expect(r.out).toContain('alert: CriticalVulnerabilityDetected');
      expect(r.out).toContain('cicd_vulnerability_count{severity="CRITICAL"} > 0');
    });
  },
  { pillars },
);
