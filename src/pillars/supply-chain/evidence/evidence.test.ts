// `ci-intel evidence build` + `evidence verify` round trip on the signed npm release of
// fixtures/provenance with the SBOM and VEX of the same project; one flipped byte in any file the
// bundle pins fails the verify, naming the file (issue 18's third "Done when").
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../test/support/assembled.js';
import { supplyChainPillar } from '../index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = (...p: string[]) => path.join(here, '..', 'fixtures', ...p);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-evidence-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(args: string[], cwd: string) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, now: () => new Date('2026-12-06T06:00:00Z'), cwd }, [
    supplyChainPillar,
  ]);
  return { code, out, err };
}

/** A release folder: the files a pipeline keeps beside its evidence. */
function release(name: string): string {
  const dir = path.join(tmp, name);
  mkdirSync(path.join(dir, 'release'), { recursive: true });
  for (const [from, to] of [
    [fx('provenance', 'shop-api-1.0.0.tgz'), 'shop-api-1.0.0.tgz'],
    [fx('provenance', 'shop-api-1.0.0.sigstore.json'), 'shop-api-1.0.0.sigstore.json'],
    [fx('provenance', 'trusted_root.json'), 'trusted_root.json'],
    [fx('sbom', 'head.cdx-1.6.json'), 'sbom.cdx.json'],
    [fx('vex', 'lodash-template.openvex.json'), 'vex.openvex.json'],
  ])
    copyFileSync(from!, path.join(dir, 'release', to!));
  const rec = JSON.parse(readFileSync(path.join(here, '../../../core/contract/fixtures/seed-example.fixed.v1.2.ndjson'), 'utf8').split('\n')[0]!) as Record<
    string,
    unknown
  >;
  writeFileSync(path.join(dir, 'release', 'run.json'), JSON.stringify(rec));
  return dir;
}

const RUN = '1b7c2e4a-6b54-4e3b-9f1e-4e0d9ea9b1a1';
const buildArgs = (dir: string) => {
  const r = (f: string) => path.join(dir, 'release', f);
  const flags: Record<string, string> = {
    '--run': RUN,
    '--record': r('run.json'),
    '--out': r('evidence.json'),
    '--artifact': r('shop-api-1.0.0.tgz'),
    '--sbom': r('sbom.cdx.json'),
    '--bundle': r('shop-api-1.0.0.sigstore.json'),
    '--vex': r('vex.openvex.json'),
    '--trusted-root': r('trusted_root.json'),
    '--certificate-identity': '^https://github\\.com/shop/shop-api/',
    '--certificate-oidc-issuer': '^https://token\\.actions\\.githubusercontent\\.com$',
    '--source-uri': 'github.com/shop/shop-api',
  };
  return ['evidence', 'build', ...Object.entries(flags).flat()];
};

describe('ci-intel evidence', () => {
  it('build writes the bundle with every file pinned and the verdicts; verify re-checks it', async () => {
    const dir = release('round-trip');
    const b = await cli(buildArgs(dir), dir);
    expect(b.err).toBe('');
    expect(b.code).toBe(0);
    expect(b.out).toMatch(/^PASS evidence build run=1b7c2e4a-6b54-4e3b-9f1e-4e0d9ea9b1a1 .* files=6 verified=true\n$/);
    const doc = JSON.parse(readFileSync(path.join(dir, 'release', 'evidence.json'), 'utf8')) as Record<string, unknown>;
    expect(doc).toMatchObject({
      schema: 'ci-intel/release-evidence/v1',
      run_id: RUN,
      image_digest: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
      sbom: { uri: 'https://gcs.example.com/sbom/aaaa.json' },
      signature: { uri: 'https://gcs.example.com/sig/aaaa.sig' },
      vex: [{ uri: 'vex.openvex.json' }],
      tests: { flake_index: 0.02 },
      perf: { latency_p95_ms: 88, budget_pass: null },
      verification: { pass: true },
    });
    expect((doc.rekor as { uuid: string }).uuid).toMatch(/^[0-9a-f]{64}$/);
    expect((doc.files as { role: string; path: string }[]).map((f) => `${f.role} ${f.path}`)).toEqual([
      'artifact shop-api-1.0.0.tgz',
      'record run.json',
      'sbom sbom.cdx.json',
      'signature shop-api-1.0.0.sigstore.json',
      'trusted_root trusted_root.json',
      'vex vex.openvex.json',
    ]);
    const v = await cli(['evidence', 'verify', path.join(dir, 'release', 'evidence.json')], dir);
    expect(v.code).toBe(0);
    const lines = v.out.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('PASS'))).toHaveLength(lines.length);
    expect(lines.map((l) => l.split(':')[0])).toEqual(
      expect.arrayContaining([
        'PASS sbom sbom.cdx.json',
        'PASS signature shop-api-1.0.0.sigstore.json',
        'PASS certificate-chain',
        'PASS transparency-log',
        'PASS provenance',
      ]),
    );
  });

  it.each(['shop-api-1.0.0.tgz', 'sbom.cdx.json', 'shop-api-1.0.0.sigstore.json', 'vex.openvex.json', 'trusted_root.json', 'run.json'])(
    'one flipped byte in %s fails the verify, naming the file',
    async (name) => {
      const dir = release(`flip-${name}`);
      expect((await cli(buildArgs(dir), dir)).code).toBe(0);
      const file = path.join(dir, 'release', name);
      const buf = readFileSync(file);
      buf[buf.length >> 1] ^= 0x01;
      writeFileSync(file, buf);
      const v = await cli(['evidence', 'verify', path.join(dir, 'release', 'evidence.json')], dir);
      expect(v.code).toBe(1);
      const failed = v.out.split('\n').filter((l) => l.startsWith('FAIL'));
      expect(failed[0]).toMatch(
        new RegExp(`^FAIL \\w+ ${name.replace(/\./g, '\\.')}: sha256 is [0-9a-f]{16}…, the bundle pins [0-9a-f]{16}… — the file changed$`),
      );
      expect(failed.at(-1)).toMatch(/^FAIL evidence verify /);
    },
  );

  it('build reads the run record from the store when no --record is given', async () => {
    const dir = release('store');
    const db = path.join(dir, 'db');
    const ing = await cli(['ingest', path.join(here, '../../../core/contract/fixtures/seed-example.fixed.v1.2.ndjson'), '--db', db], dir);
    expect(ing.code).toBe(0);
    const args = buildArgs(dir);
    args.splice(args.indexOf('--record'), 2);
    const b = await cli([...args, '--db', db], dir);
    expect(b.err).toBe('');
    expect(b.code).toBe(0);
    const doc = JSON.parse(readFileSync(path.join(dir, 'release', 'evidence.json'), 'utf8')) as Record<string, unknown>;
    expect(doc).toMatchObject({
      run_id: RUN,
      provenance: { uri: 'https://gcs.example.com/prov/aaaa.intoto' },
      perf: { latency_p95_ms: 88 },
      tests: { flake_index: 0.02 },
    });
    const missing = await cli([...args.map((a) => (a === RUN ? '00000000-0000-4000-8000-000000000000' : a)), '--db', db], dir);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/E_NOT_FOUND: --run: run 00000000-0000-4000-8000-000000000000 has no stored record/);
  });

  it('an edited bundle (a hash changed in it) fails too; a malformed one is exit 2', async () => {
    const dir = release('edited');
    expect((await cli(buildArgs(dir), dir)).code).toBe(0);
    const file = path.join(dir, 'release', 'evidence.json');
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { files: { sha256: string }[] };
    doc.files[0]!.sha256 = '0'.repeat(64);
    writeFileSync(file, JSON.stringify(doc));
    expect((await cli(['evidence', 'verify', file], dir)).code).toBe(1);
    writeFileSync(file, '{"schema":"other"}');
    const bad = await cli(['evidence', 'verify', file], dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/E_EVIDENCE_INVALID: .*evidence\.json#\/schema: schema "other" is not ci-intel\/release-evidence\/v1/);
  });
});
