// `ci-intel verify` on a real Sigstore bundle: an npm tarball's SLSA v1.0 provenance (written by
// npm's own code) signed by @sigstore/sign against a local Sigstore instance (@sigstore/mock),
// see fixtures/provenance/generate.mjs. The genuine bundle passes; each tampered copy fails on its
// own check; every verdict on the bundle agrees with @sigstore/verify's. No network is used.
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../../test/support/assembled.js';
import { supplyChainPillar } from '../index.js';
import { rootFromProof, leafHash } from './merkle.js';
import { verifyRelease, type VerifyInput } from './index.js';
import { publicGoodTrustedRoot } from './public-good.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = (...p: string[]) => path.join(here, '..', 'fixtures', 'provenance', ...p);
const require = createRequire(import.meta.url);

const LOCAL_ROOT = fx('trusted_root.json');
const GENUINE: VerifyInput = {
  artifact: fx('shop-api-1.0.0.tgz'),
  bundle: fx('shop-api-1.0.0.sigstore.json'),
  trustedRoot: LOCAL_ROOT,
  policy: {
    identity: '^https://github\\.com/shop/shop-api/\\.github/workflows/release\\.yml@refs/tags/',
    issuer: '^https://token\\.actions\\.githubusercontent\\.com$',
  },
  builderId: '^https://github\\.com/actions/runner/github-hosted$',
  sourceUri: 'github.com/shop/shop-api',
};

/** The public-good trusted_root.json as @sigstore/tuf ships it (what the reference reads). */
function shippedPublicGood(): unknown {
  const seeds = JSON.parse(readFileSync(require.resolve('@sigstore/tuf/seeds.json'), 'utf8')) as Record<string, { targets: Record<string, string> }>;
  return JSON.parse(Buffer.from(seeds['https://tuf-repo-cdn.sigstore.dev']!.targets['trusted_root.json']!, 'base64').toString('utf8'));
}

/** @sigstore/verify's verdict on a bundle under the same identity policy (the reference), by default against the fixtures' instance. */
function referenceVerdict(bundleFile: string, root: unknown = JSON.parse(readFileSync(LOCAL_ROOT, 'utf8'))): boolean {
  const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify') as typeof import('@sigstore/verify');
  const { bundleFromJSON } = require('@sigstore/bundle') as typeof import('@sigstore/bundle');
  const { TrustedRoot } = require('@sigstore/protobuf-specs') as { TrustedRoot: { fromJSON(o: unknown): Parameters<typeof toTrustMaterial>[0] } };
  const tm = toTrustMaterial(TrustedRoot.fromJSON(root));
  const verifier = new Verifier(tm, { tlogThreshold: 1, ctlogThreshold: 0, tsaThreshold: 0 });
  try {
    verifier.verify(toSignedEntity(bundleFromJSON(JSON.parse(readFileSync(bundleFile, 'utf8')))), {
      subjectAlternativeName: 'https://github.com/shop/shop-api/.github/workflows/release.yml@refs/tags/v1.0.0',
      extensions: { issuer: 'https://token.actions.githubusercontent.com' },
    });
    return true;
  } catch {
    return false;
  }
}

const failed = (r: Awaited<ReturnType<typeof verifyRelease>>) => r.checks.filter((c) => !c.pass);

describe('verify', () => {
  it('accepts the genuine bundle and provenance, every check passing, as @sigstore/verify does — with no network', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(() => {
      throw new Error('verify must not use the network');
    });
    const r = await verifyRelease(GENUINE);
    expect(connect).not.toHaveBeenCalled();
    connect.mockRestore();
    expect(failed(r)).toEqual([]);
    expect(r.checks.map((c) => c.check)).toEqual(['certificate-chain', 'certificate-identity', 'signature', 'transparency-log', 'provenance']);
    expect(r.checks.find((c) => c.check === 'provenance')!.reason).toBe(
      'SLSA v1.0 for pkg:npm/shop-api@1.0.0, built by https://github.com/actions/runner/github-hosted from github.com/shop/shop-api',
    );
    expect(r.pass).toBe(true);
    expect(referenceVerdict(GENUINE.bundle)).toBe(true);
  });

  it.each([
    ['digest', { artifact: fx('tampered', 'shop-api-1.0.0.digest.tgz') }, 'provenance', /^subject digest sha512:e2e9b729dec2b59c… does not match the artifact/],
    ['signature', { bundle: fx('tampered', 'signature.sigstore.json') }, 'signature', /^the DSSE signature does not verify with the certificate's key$/],
    [
      'certificate identity',
      { bundle: fx('tampered', 'identity.sigstore.json') },
      'certificate-identity',
      /^signer https:\/\/github\.com\/evil\/shop-api\/\.github\/workflows\/release\.yml@refs\/heads\/main does not match --certificate-identity/,
    ],
    [
      'log proof',
      { bundle: fx('tampered', 'log-proof.sigstore.json') },
      'transparency-log',
      /the signed checkpoint is for another tree \(size 1\) than the inclusion proof's \(size 2\)/,
    ],
  ] as const)('rejects the copy with a tampered %s, naming what failed', async (_name, change, check, reason) => {
    const r = await verifyRelease({ ...GENUINE, ...change });
    expect(r.pass).toBe(false);
    const first = failed(r)[0]!;
    expect(first.check).toBe(check);
    expect(first.reason).toMatch(reason);
    // The reference verifier agrees on the bundle (the tarball's digest is the provenance check's, not the bundle's).
    if ('bundle' in change) expect(referenceVerdict(change.bundle)).toBe(false);
  });

  it('the four tampered copies fail for four different reasons', async () => {
    const copies = [
      { artifact: fx('tampered', 'shop-api-1.0.0.digest.tgz') },
      ...['signature', 'identity', 'log-proof'].map((n) => ({ bundle: fx('tampered', `${n}.sigstore.json`) })),
    ];
    const firsts = await Promise.all(copies.map(async (c) => failed(await verifyRelease({ ...GENUINE, ...c }))[0]!.check));
    expect(new Set(firsts).size).toBe(4);
  });

  it('checks --digest, the builder and the source allowlists', async () => {
    const sha512 = 'e2e9b729dec2b59c6c6abb8841d9255cc6fd9b352e5ec2516843b0503c24e214ef94bf3c0483be24fd8b551f209b370749cc447c57a91a847955ca9920dc789d';
    const { artifact: _a, ...noFile } = GENUINE;
    expect((await verifyRelease({ ...noFile, digest: `sha512:${sha512}` })).pass).toBe(true);
    expect(failed(await verifyRelease({ ...GENUINE, builderId: '^https://github\\.com/actions/runner/self-hosted$' }))[0]!.reason).toMatch(
      /^builder https:\/\/github\.com\/actions\/runner\/github-hosted does not match --builder-id/,
    );
    expect(failed(await verifyRelease({ ...GENUINE, sourceUri: 'github.com/evil/shop-api' }))[0]!.reason).toBe(
      'source github.com/shop/shop-api, github.com/shop/shop-api is not github.com/evil/shop-api',
    );
    expect(failed(await verifyRelease({ ...GENUINE, policy: { ...GENUINE.policy, issuer: '^https://gitlab\\.com$' } }))[0]!.reason).toMatch(
      /^OIDC issuer https:\/\/token\.actions\.githubusercontent\.com does not match/,
    );
  });

  it('fails the chain and the log against a trusted root that does not hold their keys', async () => {
    const root = JSON.parse(readFileSync(fx('trusted_root.json'), 'utf8')) as {
      certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] } }[];
      tlogs: { logId: { keyId: string } }[];
    };
    // Another authority: the leaf certificate of another signing stands in for the CA.
    const other = JSON.parse(readFileSync(fx('tampered', 'identity.sigstore.json'), 'utf8')) as { verificationMaterial: { certificate: { rawBytes: string } } };
    root.certificateAuthorities[0]!.certChain.certificates = [{ rawBytes: other.verificationMaterial.certificate.rawBytes }];
    root.tlogs[0]!.logId.keyId = Buffer.alloc(32, 7).toString('base64');
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ci-intel-root-')), 'trusted_root.json');
    writeFileSync(file, JSON.stringify(root));
    const r = await verifyRelease({ ...GENUINE, trustedRoot: file });
    expect(failed(r).map((c) => c.check)).toEqual(['certificate-chain', 'transparency-log']);
    expect(failed(r)[0]!.reason).toBe(`the signing certificate does not chain to a certificate authority of the trusted root, ${file}`);
    expect(failed(r)[1]!.reason).toMatch(/^entry \d+: its log \(id [0-9a-f]{16}…\) is not in the trusted root$/);
  });

  it('the Merkle path follows RFC 9162 on a 7-leaf tree', async () => {
    const { createHash } = await import('node:crypto');
    const H = (...b: Buffer[]) => createHash('sha256').update(Buffer.concat(b)).digest();
    const leaves = [0, 1, 2, 3, 4, 5, 6].map((i) => leafHash(Buffer.from(`leaf ${i}`)));
    const node = (a: Buffer, b: Buffer) => H(Buffer.from([1]), a, b);
    // RFC 9162 2.1.1: split at the largest power of two below n.
    const mth = (l: Buffer[]): Buffer =>
      l.length === 1 ? l[0]! : node(mth(l.slice(0, 1 << Math.floor(Math.log2(l.length - 1)))), mth(l.slice(1 << Math.floor(Math.log2(l.length - 1)))));
    const root = mth(leaves);
    // The audit path of leaf 5 (0-based) in a 7-leaf tree: leaf 4, then (6), then hash(0..3).
    const proof = [leaves[4]!, leaves[6]!, mth(leaves.slice(0, 4))];
    expect(rootFromProof(5n, 7n, leaves[5]!, proof)!.equals(root)).toBe(true);
    expect(rootFromProof(4n, 7n, leaves[5]!, proof)!.equals(root)).toBe(false);
    expect(rootFromProof(7n, 7n, leaves[5]!, proof)).toBeNull();
  });
});

describe('ci-intel verify (CLI)', () => {
  async function cli(args: string[]) {
    let out = '';
    let err = '';
    const code = await runCli(args, { out: (s) => (out += s), err: (s) => (err += s), env: {}, isTTY: false, now: () => new Date(), cwd: here }, [
      supplyChainPillar,
    ]);
    return { code, out, err };
  }
  const args = (artifact: string, bundle: string) => [
    'verify',
    artifact,
    '--bundle',
    bundle,
    '--trusted-root',
    LOCAL_ROOT,
    '--certificate-identity',
    GENUINE.policy.identity,
    '--certificate-oidc-issuer',
    GENUINE.policy.issuer,
    '--source-uri',
    'github.com/shop/shop-api',
  ];

  it('prints one line per check and exits 0, then 1 on a tampered copy', async () => {
    const ok = await cli(args(GENUINE.artifact!, GENUINE.bundle));
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    expect(
      ok.out
        .trim()
        .split('\n')
        .map((l) => l.split(':')[0]),
    ).toEqual([
      'PASS certificate-chain',
      'PASS certificate-identity',
      'PASS signature',
      'PASS transparency-log',
      'PASS provenance',
      `PASS verify artifact=${GENUINE.artifact}`,
    ]);
    const bad = await cli(args(GENUINE.artifact!, fx('tampered', 'log-proof.sigstore.json')));
    expect(bad.code).toBe(1);
    expect(bad.out.trim().split('\n').at(-1)).toBe(`FAIL verify artifact=${GENUINE.artifact} failed=transparency-log`);
  });

  it('bad input: exit 2 naming the place', async () => {
    const r = await cli([...args(GENUINE.artifact!, fx('provenance.intoto.json'))]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/E_BUNDLE_INVALID: .*provenance\.intoto\.json#\/mediaType: mediaType is not a Sigstore bundle/);
    const re = await cli([...args(GENUINE.artifact!, GENUINE.bundle), '--builder-id', '(']);
    expect(re.code).toBe(2);
    expect(re.err).toMatch(/E_USAGE: --builder-id: --builder-id "\(" is not a valid pattern/);
  });
});

describe('the public-good trusted root, shipped offline', () => {
  const tuf = (JSON.parse(readFileSync(require.resolve('@sigstore/tuf/package.json'), 'utf8')) as { version: string }).version;
  const named = `the Sigstore public-good instance (trusted_root.json shipped in @sigstore/tuf ${tuf}; pass --trusted-root for a private instance)`;

  it("loads from @sigstore/tuf's seeds with no network: the public-good Fulcio and Rekor, as @sigstore/verify reads them", () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(() => {
      throw new Error('the trusted root must load offline');
    });
    const root = publicGoodTrustedRoot();
    expect(connect).not.toHaveBeenCalled();
    connect.mockRestore();
    expect(root.name).toBe(named);
    const shipped = shippedPublicGood() as { certificateAuthorities: { uri: string }[]; tlogs: { baseUrl: string }[] };
    expect(root.authorities.map((a) => a.uri)).toEqual(shipped.certificateAuthorities.map((a) => a.uri));
    expect(root.authorities.map((a) => a.uri)).toContain('https://fulcio.sigstore.dev');
    expect(root.logs.map((l) => l.baseUrl)).toContain('https://rekor.sigstore.dev');
    // The same keys by id as the reference implementation derives from the same document.
    const { toTrustMaterial } = require('@sigstore/verify') as typeof import('@sigstore/verify');
    const { TrustedRoot } = require('@sigstore/protobuf-specs') as { TrustedRoot: { fromJSON(o: unknown): Parameters<typeof toTrustMaterial>[0] } };
    const tm = toTrustMaterial(TrustedRoot.fromJSON(shipped));
    expect(root.logs.map((l) => l.keyId).sort()).toEqual(tm.tlogs.map((l) => Buffer.from(l.logID).toString('hex')).sort());
    expect(root.authorities).toHaveLength(tm.certificateAuthorities.length);
  });

  it('without --trusted-root the bundle of the local test instance is rejected, naming the public-good root — as @sigstore/verify rejects it', async () => {
    const { trustedRoot: _local, ...noRoot } = GENUINE;
    const r = await verifyRelease(noRoot);
    expect(r.pass).toBe(false);
    expect(r.trustedRoot).toBe(named);
    expect(failed(r)[0]).toEqual({
      check: 'certificate-chain',
      pass: false,
      reason: `the signing certificate does not chain to a certificate authority of the trusted root, ${named}`,
    });
    expect(referenceVerdict(GENUINE.bundle, shippedPublicGood())).toBe(false);
    // The same bundle against its own instance's root passes: the root is what failed.
    expect((await verifyRelease(GENUINE)).pass).toBe(true);
  });

  it('the CLI without --trusted-root uses it: exit 1 and the failing line names the trust root', async () => {
    let out = '';
    const code = await runCli(
      [
        'verify',
        GENUINE.artifact!,
        '--bundle',
        GENUINE.bundle,
        '--certificate-identity',
        GENUINE.policy.identity,
        '--certificate-oidc-issuer',
        GENUINE.policy.issuer,
      ],
      { out: (s) => (out += s), err: () => {}, env: {}, isTTY: false, now: () => new Date(), cwd: here },
      [supplyChainPillar],
    );
    expect(code).toBe(1);
    expect(out.split('\n')[0]).toBe(`FAIL certificate-chain: the signing certificate does not chain to a certificate authority of the trusted root, ${named}`);
  });
});
