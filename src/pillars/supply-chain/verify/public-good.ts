// The Sigstore public-good instance's trusted root, shipped offline: @sigstore/tuf embeds, in its
// seeds.json, the TUF root of tuf-repo-cdn.sigstore.dev and the trusted_root.json target it held
// when the package was published. `verify` uses it when no --trusted-root is given (issue 18: "the
// trusted root shipped offline by the sigstore packages").
//
// What pins it: the package's integrity in package-lock.json (npm checks the tarball's sha512 on
// install). A TUF check of the target is not possible offline: the seeds carry root.json only, not
// the targets/snapshot/timestamp metadata that hold the target's hash (@sigstore/tuf itself fetches
// those before it trusts a target). A newer public-good root arrives with a newer @sigstore/tuf.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CiError } from '../../../core/errors.js';
import { parseTrustedRoot, type TrustedRoot } from './trusted-root.js';

const MIRROR = 'https://tuf-repo-cdn.sigstore.dev';
const TARGET = 'trusted_root.json';

let cached: TrustedRoot | undefined;

/** The package the root comes from, with its version: `@sigstore/tuf 4.0.2`. */
export function publicGoodSource(): string {
  const require = createRequire(import.meta.url);
  const pkg = JSON.parse(readFileSync(require.resolve('@sigstore/tuf/package.json'), 'utf8')) as { version: string };
  return `@sigstore/tuf ${pkg.version}`;
}

export function publicGoodTrustedRoot(): TrustedRoot {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const source = publicGoodSource();
  const where = `${source} seeds.json#/${MIRROR.replace(/~/g, '~0').replace(/\//g, '~1')}/targets/${TARGET}`;
  let seeds: Record<string, { targets?: Record<string, string> }>;
  try {
    seeds = JSON.parse(readFileSync(require.resolve('@sigstore/tuf/seeds.json'), 'utf8')) as typeof seeds;
  } catch (e) {
    throw new CiError('E_TRUST_ROOT_INVALID', `the public-good trusted root cannot be read: ${(e as Error).message}`, {
      where: '@sigstore/tuf seeds.json',
      hint: 'reinstall ci-intel (its @sigstore/tuf dependency ships the root), or pass --trusted-root',
    });
  }
  const b64 = seeds[MIRROR]?.targets?.[TARGET];
  if (!b64) throw new CiError('E_TRUST_ROOT_INVALID', `${source} ships no ${TARGET} for ${MIRROR}`, { where, hint: 'pass --trusted-root trusted_root.json' });
  const root = parseTrustedRoot(Buffer.from(b64, 'base64').toString('utf8'), where);
  cached = { ...root, name: `the Sigstore public-good instance (${TARGET} shipped in ${source}; pass --trusted-root for a private instance)` };
  return cached;
}
