// The deploy gate on the pillar's real fixtures: the npm tarball signed by @sigstore/sign against a
// local Sigstore instance (and its tampered copies), the CycloneDX SBOMs of the fixture project
// before/after adding lodash 4.17.20, the npm audit report with the real lodash advisories, and
// the OpenVEX statement clearing one. Each check passes on the genuine release and fails (or is
// MISSING) for its own reason; the gate run from the CLI reads the record and readiness from a
// store filled by `ci-intel ingest`.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { pillars, runCli } from '../../../../test/support/assembled.js';
import { releaseChecks, type ReleaseInputs } from './checks.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = (...p: string[]) => path.join(here, '..', 'fixtures', ...p);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-release-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const RUN = '1b7c2e4a-6b54-4e3b-9f1e-4e0d9ea9b1a1';
const sha256 = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const TGZ = fx('provenance', 'shop-api-1.0.0.tgz');
const POLICY = { identity: '^https://github\\.com/shop/shop-api/', issuer: '^https://token\\.actions\\.githubusercontent\\.com$' };

/** The contract's example record, now describing the signed release in `dir`. */
function record(dir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const rec = JSON.parse(readFileSync(path.join(here, '../../../core/contract/fixtures/seed-example.fixed.v1.2.ndjson'), 'utf8').split('\n')[0]!) as Record<
    string,
    unknown
  >;
  const uri = (f: string) => pathToFileURL(path.join(dir, f)).href;
  return {
    ...rec,
    image_digest: `sha256:${sha256(TGZ)}`,
    sbom_uri: uri('sbom.cdx.json'),
    signature_uri: uri('shop-api-1.0.0.sigstore.json'),
    provenance_uri: uri('shop-api-1.0.0.sigstore.json'),
    policies: [
      { id: 'branch-protection', result: 'allow' },
      { id: 'license-allowlist', result: 'warn', reason: 'MIT-0 not yet reviewed' },
    ],
    ...extra,
  };
}

function release(name: string): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(fx('provenance', 'shop-api-1.0.0.sigstore.json'), path.join(dir, 'shop-api-1.0.0.sigstore.json'));
  copyFileSync(fx('sbom', 'head.cdx-1.6.json'), path.join(dir, 'sbom.cdx.json'));
  return dir;
}

const READY = { pass: true, value: 93.5, min: 90, reason: '1 repo(s) at or above 90' };

function inputs(dir: string, over: Partial<ReleaseInputs> = {}): ReleaseInputs {
  return {
    record: record(dir),
    recordSource: 'run.json',
    artifact: TGZ,
    bundle: path.join(dir, 'shop-api-1.0.0.sigstore.json'),
    sbom: path.join(dir, 'sbom.cdx.json'),
    baseSbom: fx('sbom', 'base.cdx-1.6.json'),
    advisories: [fx('advisories', 'head.npm-audit.json')],
    vex: [fx('vex', 'lodash-template.openvex.json')],
    unresolved: {},
    trustedRoot: fx('provenance', 'trusted_root.json'),
    policy: POLICY,
    sourceUri: 'github.com/shop/shop-api',
    maxRisk: 7,
    compliance: null,
    readiness: READY,
    ...over,
  };
}

const statuses = (cs: { check: string; status: string }[]) => Object.fromEntries(cs.map((c) => [c.check, c.status]));
const reasonOf = (cs: { check: string; reason: string }[], check: string) => cs.find((c) => c.check === check)!.reason;

describe('gate release: the checks', () => {
  it('the genuine release passes every check, each saying what it found', async () => {
    const dir = release('genuine');
    const cs = await releaseChecks(inputs(dir));
    expect(cs.map((c) => `${c.status} ${c.check}`)).toEqual([
      'PASS signature',
      'PASS provenance',
      'PASS sbom',
      'PASS sbom-diff',
      'PASS policies',
      'PASS readiness',
    ]);
    expect(reasonOf(cs, 'signature')).toMatch(/^certificate-chain: .*; certificate-identity: .*; signature: .*; transparency-log: /);
    expect(reasonOf(cs, 'sbom')).toMatch(/^sbom\.cdx\.json \(cyclonedx.*, 3 components, sha256 [0-9a-f]{16}…\), named by the record's sbom_uri file:/);
    expect(reasonOf(cs, 'sbom-diff')).toBe(
      '1 added, 0 removed, 2 changed; 2 new vulnerabilities, none at or above risk 7 without a VEX statement (1 cleared by VEX)',
    );
    expect(reasonOf(cs, 'policies')).toBe('2 policies in the record: 1 allow, 1 warn, 0 deny');
  });

  it.each([
    ['tampered/signature.sigstore.json', 'signature', /^signature: /],
    ['tampered/identity.sigstore.json', 'signature', /^certificate-identity: /],
    ['tampered/log-proof.sigstore.json', 'signature', /^transparency-log: entry \d+: the signed checkpoint is for another tree/],
  ])('a tampered bundle (%s) fails the %s check naming what failed', async (file, check, reason) => {
    const dir = release(`tampered-${path.basename(file)}`);
    copyFileSync(fx('provenance', file), path.join(dir, 'shop-api-1.0.0.sigstore.json'));
    const cs = await releaseChecks(inputs(dir));
    expect(statuses(cs)[check]).toBe('FAIL');
    expect(reasonOf(cs, check)).toMatch(reason);
    expect(statuses(cs)).toMatchObject({ sbom: 'PASS', 'sbom-diff': 'PASS', policies: 'PASS' });
  });

  it('a tampered artifact fails the provenance check: its digest is not the subject', async () => {
    const dir = release('tampered-artifact');
    const cs = await releaseChecks(inputs(dir, { artifact: fx('provenance', 'tampered', 'shop-api-1.0.0.digest.tgz') }));
    expect(statuses(cs)).toMatchObject({ signature: 'PASS', provenance: 'FAIL' });
    expect(reasonOf(cs, 'provenance')).toMatch(/subject digest .* does not match the artifact/);
  });

  it('without the VEX statement the new lodash advisory fails the SBOM diff', async () => {
    const cs = await releaseChecks(inputs(release('no-vex'), { vex: [] }));
    expect(statuses(cs)['sbom-diff']).toBe('FAIL');
    expect(reasonOf(cs, 'sbom-diff')).toMatch(/at or above risk 7 with no VEX not_affected\/fixed: GHSA-35jh-r3h4-6jhm in lodash 4\.17\.20 risk 7\.2$/);
  });

  it('an SBOM the record does not name, or whose pinned hash differs, fails; none at all is MISSING', async () => {
    const dir = release('sbom');
    const other = path.join(dir, 'other.cdx.json');
    copyFileSync(fx('sbom', 'base.cdx-1.6.json'), other);
    let cs = await releaseChecks(inputs(dir, { sbom: other }));
    expect(reasonOf(cs, 'sbom')).toMatch(/^other\.cdx\.json .* is not the SBOM the record names \(file:.*sbom\.cdx\.json\)$/);
    const pinned = `${pathToFileURL(path.join(dir, 'sbom.cdx.json')).href}#sha256=${'0'.repeat(64)}`;
    cs = await releaseChecks(inputs(dir, { record: record(dir, { sbom_uri: pinned }) }));
    expect(statuses(cs).sbom).toBe('FAIL');
    expect(reasonOf(cs, 'sbom')).toMatch(/is not the SBOM the record pins \(sha256 0000000000000000… in /);
    const good = `${pathToFileURL(path.join(dir, 'sbom.cdx.json')).href}#sha256=${sha256(path.join(dir, 'sbom.cdx.json'))}`;
    cs = await releaseChecks(inputs(dir, { record: record(dir, { sbom_uri: good }) }));
    expect(reasonOf(cs, 'sbom')).toMatch(/pinned by the record's sbom_uri$/);
    const { sbom_uri: _unused, ...noUri } = record(dir);
    cs = await releaseChecks(inputs(dir, { record: noUri, recordSource: 'run.json' }));
    expect(reasonOf(cs, 'sbom')).toMatch(/is not referenced: run\.json has no sbom_uri$/);
    cs = await releaseChecks(inputs(dir, { sbom: undefined as never, record: noUri }));
    expect(statuses(cs)).toMatchObject({ sbom: 'MISSING', 'sbom-diff': 'MISSING' });
  });

  it('a denied policy or a stored compliance check with errors fails the policies; neither is MISSING', async () => {
    const dir = release('policies');
    let cs = await releaseChecks(inputs(dir, { record: record(dir, { policies: [{ id: 'no-root-containers', result: 'deny', reason: 'runs as root' }] }) }));
    expect(reasonOf(cs, 'policies')).toBe('denied: no-root-containers (runs as root); 1 policies in the record: 0 allow, 0 warn, 1 deny');
    cs = await releaseChecks(inputs(dir, { compliance: { commit: 'a'.repeat(40), checked_at: '2026-12-06T06:00:00.000Z', errors: 2, warnings: 1 } }));
    expect(statuses(cs).policies).toBe('FAIL');
    expect(reasonOf(cs, 'policies')).toMatch(/compliance check of aaaaaaaaaaaa at 2026-12-06T06:00:00\.000Z: 2 errors, 1 warnings$/);
    cs = await releaseChecks(inputs(dir, { record: record(dir, { policies: [] }) }));
    expect(statuses(cs).policies).toBe('MISSING');
  });

  it('no bundle is MISSING signature and provenance, saying why; a readiness below the minimum fails', async () => {
    const dir = release('missing');
    const cs = await releaseChecks(
      inputs(dir, {
        bundle: undefined as never,
        unresolved: { bundle: 'the record names https://gcs.example.com/sig/aaaa.sig, which is not a local file' },
        readiness: { pass: false, value: 71.2, min: 90, reason: 'org/app scores 71.2 (amber)' },
      }),
    );
    expect(cs.map((c) => `${c.status} ${c.check}`)).toEqual([
      'MISSING signature',
      'MISSING provenance',
      'PASS sbom',
      'PASS sbom-diff',
      'PASS policies',
      'FAIL readiness',
    ]);
    expect(reasonOf(cs, 'signature')).toMatch(/https:\/\/gcs\.example\.com\/sig\/aaaa\.sig, which is not a local file/);
    expect(reasonOf(cs, 'readiness')).toBe('org/app scores 71.2 (amber) (score 71.2, min 90)');
  });
});

async function cli(args: string[], cwd: string) {
  let out = '';
  let err = '';
  const code = await runCli(
    args,
    { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, now: () => new Date('2026-12-06T06:00:00Z'), cwd },
    pillars,
  );
  return { code, out, err };
}

describe('ci-intel gate release', () => {
  it('reads the run from the store, resolves the files its record names, and gates on all six checks', async () => {
    const dir = release('cli');
    const db = path.join(dir, 'db');
    const rec = record(dir);
    writeFileSync(path.join(dir, 'run.ndjson'), `${JSON.stringify(rec)}\n`);
    expect((await cli(['ingest', path.join(dir, 'run.ndjson'), '--db', db], dir)).code).toBe(0);
    const args = [
      'gate',
      'release',
      '--run',
      RUN,
      '--db',
      db,
      '--artifact',
      TGZ,
      '--base-sbom',
      fx('sbom', 'base.cdx-1.6.json'),
      '--advisories',
      fx('advisories', 'head.npm-audit.json'),
      '--trusted-root',
      fx('provenance', 'trusted_root.json'),
      '--certificate-identity',
      POLICY.identity,
      '--certificate-oidc-issuer',
      POLICY.issuer,
    ];
    // One run is not enough history for a complete readiness score, and the new advisory has no VEX yet.
    const first = await cli(args, dir);
    expect(first.code).toBe(1);
    const lines = first.err
      .trim()
      .split('\n')
      .filter((l) => /^(PASS|FAIL|MISSING) /.test(l));
    expect(lines.map((l) => l.split(':')[0]!.replace(/ +/, ' '))).toEqual([
      'PASS signature',
      'PASS provenance',
      'PASS sbom',
      'FAIL sbom-diff',
      'PASS policies',
      expect.stringMatching(/^(FAIL|MISSING) readiness$/),
    ]);
    expect(first.out).toMatch(
      /^FAIL gate=release value=2 max=0 run=1b7c2e4a-6b54-4e3b-9f1e-4e0d9ea9b1a1 passed=4 failed=\d missing=\d reason="(failed|missing): .*sbom-diff.*readiness/,
    );
    // The VEX statement clears the advisory; readiness may gate on the components present.
    const second = await cli(
      [...args, '--vex', fx('vex', 'lodash-template.openvex.json'), '--allow-missing', 'readiness', '--min-readiness', '0', '--json'],
      dir,
    );
    const json = JSON.parse(second.err.split('\n').find((l) => l.startsWith('{'))!) as { pass: boolean; checks: { check: string; status: string }[] };
    expect(json.checks.map((c) => c.check)).toEqual(['signature', 'provenance', 'sbom', 'sbom-diff', 'policies', 'readiness']);
    expect(second.out).toMatch(/^PASS gate=release value=0 max=0 /);
    expect(second.code).toBe(0);
    expect(json.pass).toBe(true);
    const missing = await cli(['gate', 'release', '--run', '00000000-0000-4000-8000-000000000000', '--db', db], dir);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/E_NOT_FOUND: --run: run 00000000-0000-4000-8000-000000000000 has no stored record/);
  });

  it('usage errors name the option', async () => {
    const dir = release('usage');
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify(record(dir)));
    const r = await cli(['gate', 'release', '--record', path.join(dir, 'run.json'), '--allow-missing', 'sbom,tests'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/E_USAGE: --allow-missing: --allow-missing "tests" is not a check/);
    const s = await cli(
      [
        'gate',
        'release',
        '--record',
        path.join(dir, 'run.json'),
        '--bundle',
        path.join(dir, 'shop-api-1.0.0.sigstore.json'),
        '--trusted-root',
        fx('provenance', 'trusted_root.json'),
      ],
      dir,
    );
    expect(s.code).toBe(2);
    expect(s.err).toMatch(/E_USAGE: --certificate-identity: a signature is checked against the signer you expect/);
  });
});
