// license-not-allowed and license-missing over one lockfile or SBOM.
import type { Finding } from '../model.js';
import { readDependencies } from './lockfiles.js';
import { evaluate, parseSpdx, SpdxSyntaxError } from './spdx.js';

export interface LicensePolicy {
  /** Allowed SPDX ids (and `ID WITH exception` pairs), any case. */
  allow: string[];
}

export function checkLockfile(rel: string, text: string, o: { root: string; policy?: LicensePolicy; env: NodeJS.ProcessEnv }): Finding[] {
  const deps = readDependencies(rel, text, o.root, o.env);
  const allowed = o.policy ? new Set(o.policy.allow.map((a) => a.trim().toLowerCase())) : null;
  const out: Finding[] = [];
  for (const d of deps) {
    const who = `${d.name}${d.version ? `@${d.version}` : ''}`;
    if (d.license === undefined) continue;
    if (d.license === null || /^(?:UNLICENSED|NOASSERTION|NONE|UNKNOWN)$/i.test(d.license)) {
      if (d.license && /^UNLICENSED$/i.test(d.license) && allowed) {
        out.push(notAllowed(rel, d.licenseLine ?? d.line, who, d.license, 'UNLICENSED means no licence is granted'));
        continue;
      }
      out.push({
        rule: 'license-missing',
        severity: 'warning',
        file: rel,
        line: d.line,
        message: `${who} declares no licence`,
        fix: `check the package's source for its licence terms; add an SBOM override or replace the dependency`,
      });
      continue;
    }
    if (!allowed) continue;
    let why: string | null = null;
    try {
      const v = evaluate(parseSpdx(d.license), allowed);
      if (!v.allowed)
        why = v.deprecated.length
          ? `it uses the deprecated SPDX id ${v.deprecated.join(', ')}`
          : `${v.offending.join(', ')} ${v.offending.length > 1 ? 'are' : 'is'} not on the allowlist`;
    } catch (e) {
      if (!(e instanceof SpdxSyntaxError)) throw e;
      why = 'it is not a valid SPDX licence expression';
    }
    if (why) out.push(notAllowed(rel, d.licenseLine ?? d.line, who, d.license, why));
  }
  return out;
}

function notAllowed(file: string, line: number, who: string, license: string, why: string): Finding {
  return {
    rule: 'license-not-allowed',
    severity: 'error',
    file,
    line,
    message: `${who} is licensed "${license}": ${why}`,
    fix: 'replace the dependency, get the licence approved and add it to the allowlist, or pick an allowed option of an OR expression',
  };
}
