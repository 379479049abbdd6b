// `ci-intel sbom diff` end to end through the assembled CLI, on real CycloneDX SBOMs of a project
// before and after it adds lodash 4.17.20: it fails on the new high advisory and passes once a VEX
// not_affected statement is given (issue 18's first "Done when").
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/assembled.js';
import { supplyChainPillar } from './index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = (...p: string[]) => path.join(here, 'fixtures', ...p);
const NOW = new Date('2026-12-06T06:00:00Z');

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, now: () => NOW, cwd: here }, [supplyChainPillar]);
  return { code, out, err };
}

const BASE = fx('sbom', 'base.cdx-1.6.json');
const HEAD = fx('sbom', 'head.cdx-1.6.json');
const AUDIT = fx('advisories', 'head.npm-audit.json');

describe('ci-intel sbom diff', () => {
  it('fails on the high advisory lodash 4.17.20 brings in, one line per change and finding', async () => {
    const r = await cli(['sbom', 'diff', BASE, HEAD, '--advisories', AUDIT]);
    expect(r.err).toBe('');
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n');
    expect(lines.slice(1, 4)).toEqual(['  added    lodash 4.17.20', '  changed  debug 4.3.4 → 4.4.0', '  changed  ms 2.1.2 → 2.1.3']);
    expect(lines).toContain('New vulnerabilities: 2');
    expect(lines.at(-1)).toBe(
      'FAIL gate=sbom-diff value=7.2 max=7.0 reason=1 new vulnerability at or above risk 7.0 without a VEX statement: GHSA-35jh-r3h4-6jhm in lodash 4.17.20',
    );
  });

  it('passes once a VEX not_affected statement covers it (OpenVEX and CycloneDX VEX)', async () => {
    for (const vex of ['lodash-template.openvex.json', 'lodash-template.cdx-vex.json']) {
      const r = await cli(['sbom', 'diff', BASE, HEAD, '--advisories', AUDIT, '--vex', fx('vex', vex)]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/GHSA-35jh-r3h4-6jhm .* VEX not_affected/);
      expect(r.out.trim().split('\n').at(-1)).toMatch(/^PASS gate=sbom-diff value=5\.3 max=7\.0 /);
    }
  });

  it('the same on the XML and SPDX SBOMs of the same project', async () => {
    expect((await cli(['sbom', 'diff', fx('sbom', 'base.cdx-1.5.xml'), fx('sbom', 'head.cdx-1.5.xml'), '--advisories', AUDIT])).code).toBe(1);
    expect(
      (await cli(['sbom', 'diff', fx('sbom', 'base.spdx.json'), fx('sbom', 'head.spdx.json'), '--advisories', fx('advisories', 'head.osv-scanner.json')])).code,
    ).toBe(1);
  });

  it('--json prints one object; --md a table; --max-risk moves the limit', async () => {
    const j = await cli(['sbom', 'diff', BASE, HEAD, '--advisories', AUDIT, '--json', '--max-risk', '7.5']);
    expect(j.code).toBe(0);
    const lines = j.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const o = JSON.parse(lines[0]!) as { pass: boolean; maxRisk: number; introduced: { id: string }[]; added: { name: string }[] };
    expect(o).toMatchObject({ pass: true, maxRisk: 7.5 });
    expect(o.introduced.map((f) => f.id)).toEqual(['GHSA-35jh-r3h4-6jhm', 'GHSA-29mw-wpgm-hmr9']);
    const md = await cli(['sbom', 'diff', BASE, HEAD, '--advisories', AUDIT, '--md']);
    expect(md.out).toContain('| [GHSA-35jh-r3h4-6jhm](https://github.com/advisories/GHSA-35jh-r3h4-6jhm) | lodash 4.17.20 | high | 7.2 |  |');
  });

  it('passes when no report names a vulnerability', async () => {
    const r = await cli(['sbom', 'diff', BASE, HEAD]);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n').at(-1)).toBe('PASS gate=sbom-diff value=0.0 max=7.0 reason=no new vulnerabilities');
  });

  it('bad input: exit 2 with the place and what to do', async () => {
    const missing = await cli(['sbom', 'diff', BASE, 'nope.json']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/E_INPUT_UNREADABLE: nope\.json: cannot read nope\.json: ENOENT/);
    const notSbom = await cli(['sbom', 'diff', BASE, AUDIT]);
    expect(notSbom.code).toBe(2);
    expect(notSbom.err).toMatch(/E_SBOM_INVALID: .*head\.npm-audit\.json#: JSON with neither bomFormat/);
    const risk = await cli(['sbom', 'diff', BASE, HEAD, '--max-risk', '11']);
    expect(risk.code).toBe(2);
    expect(risk.err).toMatch(/E_USAGE: --max-risk: --max-risk "11" is not valid \(0\.\.10\)/);
  });

  it('--help shows an example', async () => {
    const r = await cli(['sbom', 'diff', '--help']);
    expect(r.out + r.err).toMatch(/Examples:\n {2}\$ ci-intel sbom diff base\.cdx\.json head\.cdx\.json/);
  });
});
