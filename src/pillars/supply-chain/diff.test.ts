// The SBOM diff and its VEX gate on real SBOMs of a project before and after it adds lodash
// 4.17.20 (fixtures/sbom/generate.sh), with the advisory reports of three scanners.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CiError } from '../../core/errors.js';
import { parseAdvisories, readAdvisories } from './advisories/index.js';
import { riskScore } from './advisories/severity.js';
import { diffSboms } from './diff.js';
import { readSbom } from './sbom/index.js';
import { satisfies } from './semver-range.js';
import { parseVex, readVex } from './vex.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = (...p: string[]) => path.join(here, 'fixtures', ...p);
const base = readSbom(fx('sbom', 'base.cdx-1.6.json'));
const head = readSbom(fx('sbom', 'head.cdx-1.6.json'));

describe('sbom diff', () => {
  it('lists added, changed and removed components by package, whatever the format', () => {
    for (const [b, h] of [
      ['base.cdx-1.6.json', 'head.cdx-1.6.json'],
      ['base.cdx-1.4.json', 'head.cdx-1.5.xml'],
      ['base.spdx.json', 'head.spdx.tv'],
    ] as const) {
      const d = diffSboms(readSbom(fx('sbom', b)), readSbom(fx('sbom', h)), { maxRisk: 7 });
      expect(d.added.map((c) => `${c.name}@${c.version}`)).toEqual(['lodash@4.17.20']);
      expect(d.changed.map((c) => `${c.name} ${c.from.join()}→${c.to.join()}`)).toEqual(['debug 4.3.4→4.4.0', 'ms 2.1.2→2.1.3']);
      expect(d.removed).toEqual([]);
      expect(d.pass).toBe(true);
    }
  });

  it.each(['head.npm-audit.json', 'head.osv-scanner.json', 'head.grype.json'])('finds the two lodash advisories brought in, from %s', (report) => {
    const d = diffSboms(base, head, { reports: readAdvisories(fx('advisories', report)), maxRisk: 7 });
    expect(d.introduced.map((f) => [f.id, f.component.name, f.component.version, f.severity, f.risk])).toEqual([
      ['GHSA-35jh-r3h4-6jhm', 'lodash', '4.17.20', 'high', 7.2],
      ['GHSA-29mw-wpgm-hmr9', 'lodash', '4.17.20', 'medium', 5.3],
    ]);
    expect(d.blocking.map((f) => f.id)).toEqual(['GHSA-35jh-r3h4-6jhm']);
    expect(d.pass).toBe(false);
  });

  it('passes when the limit is above the worst new risk, fails at exactly the risk', () => {
    const reports = readAdvisories(fx('advisories', 'head.npm-audit.json'));
    expect(diffSboms(base, head, { reports, maxRisk: 7.3 }).pass).toBe(true);
    expect(diffSboms(base, head, { reports, maxRisk: 7.2 }).pass).toBe(false);
    expect(diffSboms(base, head, { reports, maxRisk: 5.3 }).blocking).toHaveLength(2);
  });

  it('a vulnerability the base already had is not new', () => {
    const reports = readAdvisories(fx('advisories', 'head.osv-scanner.json'));
    expect(diffSboms(head, head, { reports, maxRisk: 0 }).introduced).toEqual([]);
  });

  it.each(['lodash-template.openvex.json', 'lodash-template.cdx-vex.json'])(
    'a VEX not_affected statement (%s) clears the vulnerability it names, by id or alias',
    (vex) => {
      for (const report of ['head.npm-audit.json', 'head.osv-scanner.json', 'head.grype.json']) {
        const d = diffSboms(base, head, { reports: readAdvisories(fx('advisories', report)), vex: readVex(fx('vex', vex)), maxRisk: 7 });
        expect(d.pass).toBe(true);
        const f = d.introduced.find((x) => x.id === 'GHSA-35jh-r3h4-6jhm')!;
        expect(f.vex).toMatchObject({ status: 'not_affected' });
        // The statement names one vulnerability: the other stays listed, unreviewed.
        expect(d.introduced.find((x) => x.id === 'GHSA-29mw-wpgm-hmr9')!.vex).toBeUndefined();
      }
    },
  );

  it('a VEX statement for another product, another version, or status affected does not clear it', () => {
    const reports = readAdvisories(fx('advisories', 'head.npm-audit.json'));
    const vex = (product: string, sub: string, status = 'not_affected') =>
      parseVex(
        JSON.stringify({
          '@context': 'https://openvex.dev/ns/v0.2.0',
          statements: [{ vulnerability: { name: 'GHSA-35jh-r3h4-6jhm' }, products: [{ '@id': product, subcomponents: [{ '@id': sub }] }], status }],
        }),
        'v.json',
      );
    expect(diffSboms(base, head, { reports, vex: vex('pkg:npm/other-app@1.0.0', 'pkg:npm/lodash@4.17.20'), maxRisk: 7 }).pass).toBe(false);
    expect(diffSboms(base, head, { reports, vex: vex('pkg:npm/shop-api@1.0.0', 'pkg:npm/lodash@4.17.19'), maxRisk: 7 }).pass).toBe(false);
    expect(diffSboms(base, head, { reports, vex: vex('pkg:npm/shop-api@1.0.0', 'pkg:npm/lodash@4.17.20', 'affected'), maxRisk: 7 }).pass).toBe(false);
    expect(diffSboms(base, head, { reports, vex: vex('pkg:npm/shop-api', 'pkg:npm/lodash'), maxRisk: 7 }).pass).toBe(true);
    expect(diffSboms(base, head, { reports, vex: vex('pkg:npm/shop-api@1.0.0', 'pkg:npm/lodash@4.17.20', 'fixed'), maxRisk: 7 }).pass).toBe(true);
  });

  it('merges the same vulnerability reported by several tools into one finding', () => {
    const reports = ['head.npm-audit.json', 'head.osv-scanner.json', 'head.grype.json'].flatMap((r) => readAdvisories(fx('advisories', r)));
    const d = diffSboms(base, head, { reports, maxRisk: 7 });
    expect(d.introduced).toHaveLength(2);
    expect(d.introduced[0]).toMatchObject({ id: 'GHSA-35jh-r3h4-6jhm', aliases: ['CVE-2021-23337'], sources: ['grype', 'npm audit', 'osv-scanner'] });
  });

  it('reads vulnerabilities an SBOM carries itself (a scanner-enriched CycloneDX)', () => {
    const enriched = {
      ...head,
      advisories: parseAdvisories(
        JSON.stringify({
          bomFormat: 'CycloneDX',
          specVersion: '1.6',
          vulnerabilities: [
            { id: 'CVE-2021-23337', ratings: [{ score: 7.2, severity: 'high', method: 'CVSSv31' }], affects: [{ ref: 'shop-api@1.0.0|lodash@4.17.20' }] },
          ],
        }),
        'vdr.json',
      ),
    };
    expect(diffSboms(base, enriched, { maxRisk: 7 }).blocking.map((f) => [f.id, f.component.name, f.risk])).toEqual([['CVE-2021-23337', 'lodash', 7.2]]);
  });
});

describe('risk score', () => {
  it('is max(CVSS base score, 10 × EPSS percentile)', () => {
    expect(riskScore({ cvss: 5.3, severity: 'medium' })).toBe(5.3);
    // GitHub's advisory API gives e.g. percentile 0.78507 for a 9.8 CVE: the CVSS wins there…
    expect(riskScore({ cvss: 9.8, epssPercentile: 0.78507, severity: 'critical' })).toBe(9.8);
    // …and a widely exploited medium is lifted by its EPSS percentile.
    expect(riskScore({ cvss: 5.3, epssPercentile: 0.97, severity: 'medium' })).toBe(9.7);
    // A severity name alone counts as the lowest score of its band.
    expect(riskScore({ severity: 'high' })).toBe(7);
  });
});

describe('npm ranges', () => {
  it.each([
    ['4.17.20', '<4.17.21', true],
    ['4.17.21', '<4.17.21', false],
    ['3.10.1', '>=4.0.0 <4.17.21', false],
    ['1.2.5', '>=1.0.0 <1.2.6 || >=2.0.0 <2.0.1', true],
    ['2.0.0', '>=1.0.0 <1.2.6 || >=2.0.0 <2.0.1', true],
    ['2.0.0-rc.1', '>=2.0.0', false],
    ['1.0.0', '*', true],
  ])('%s in %s is %s', (v, r, want) => expect(satisfies(v, r)).toBe(want));
});

describe('bad reports and VEX name the place', () => {
  const msg = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as CiError).oneLine();
    }
    return 'no error';
  };
  it('reports', () => {
    expect(msg(() => parseAdvisories('{"auditReportVersion":1}', 'a.json'))).toMatch(/^E_ADVISORIES_INVALID: a\.json#\/auditReportVersion: .*npm 7/);
    expect(msg(() => parseAdvisories('{"matches":[{"vulnerability":{},"artifact":{}}]}', 'g.json'))).toMatch(/g\.json#\/matches\/0\/vulnerability\/id/);
    expect(msg(() => parseAdvisories('{"x":1}', 'u.json'))).toMatch(/u\.json#: not a report of a known tool/);
  });
  it('VEX', () => {
    expect(
      msg(() =>
        parseVex(
          '{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"CVE-1"},"products":["pkg:npm/a"],"status":"maybe"}]}',
          'v.json',
        ),
      ),
    ).toMatch(/^E_VEX_INVALID: v\.json#\/statements\/0\/status: status "maybe" is not one of/);
    expect(msg(() => parseVex('{"bomFormat":"CycloneDX","vulnerabilities":[{"id":"CVE-1","analysis":{"state":"ok"}}]}', 'c.json'))).toMatch(
      /c\.json#\/vulnerabilities\/0\/analysis\/state/,
    );
  });
});
