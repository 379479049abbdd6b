// What the SBOM readers share: one error for a malformed document (file and JSON pointer or line
// named), and the normalisation of hashes and licences so that readers of different formats agree.
import { CiError } from '../../../core/errors.js';
import type { Component } from '../model.js';

export function sbomError(message: string, where: string, hint = 'pass a CycloneDX 1.4–1.6 (JSON or XML) or SPDX 2.3 (JSON or tag-value) SBOM'): CiError {
  return new CiError('E_SBOM_INVALID', message, { where, hint });
}

/** `SHA-256`, `SHA256`, `sha-256` → `sha256`. */
export const hashAlg = (alg: string) => alg.toLowerCase().replace(/[-_]/g, '');

/** Licences that say nothing are dropped (SPDX NOASSERTION/NONE). */
export function licenceList(values: Iterable<string | undefined>): string[] {
  const out = new Set<string>();
  for (const v of values) {
    const t = v?.trim();
    if (t && t !== 'NOASSERTION' && t !== 'NONE') out.add(t);
  }
  return [...out].sort();
}

export function sortComponents(list: Component[]): Component[] {
  return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
}

export function sortEdges(deps: Record<string, Set<string>>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const k of Object.keys(deps).sort()) out[k] = [...deps[k]!].sort();
  return out;
}

export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
