// Entry references: (protocol, namespace, client key). Clients choose the keys, so every key and
// namespace is checked here before it comes near a path: `..`, `.`, empty segments, backslashes,
// NUL and anything outside a conservative character set are refused (issue 7 "Safety").
import { createHash } from 'node:crypto';
import { CiError } from '../../core/errors.js';

export const PROTOCOLS = ['turbo', 'bazel', 'gradle', 'ccache'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export interface EntryRef {
  protocol: Protocol;
  namespace: string;
  /** The client's key; `/`-separated segments for clients whose keys have a layout (ccache, bazel). */
  key: string;
}

export const DEFAULT_NAMESPACE = 'default';

const SEGMENT_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const NAMESPACE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_KEY = 512;

/** A namespace name; `where` names the request part it came from. */
export function checkNamespace(ns: string, where: string): string {
  if (!NAMESPACE_RE.test(ns) || ns.includes('..')) {
    throw new CiError('E_PATH_TRAVERSAL', `invalid cache namespace ${JSON.stringify(ns.slice(0, 100))}`, {
      where,
      hint: 'a namespace is 1-128 characters of letters, digits, ".", "_" and "-", starting with a letter or digit',
    });
  }
  return ns;
}

/** A client key of `/`-separated segments (max `maxSegments`). */
export function checkKey(key: string, where: string, maxSegments = 1): string {
  const segs = key.split('/');
  const bad =
    key.length === 0 ||
    key.length > MAX_KEY ||
    segs.length > maxSegments ||
    segs.some((s) => !SEGMENT_RE.test(s) || s === '.' || s === '..' || s.includes('..'));
  if (bad) {
    throw new CiError('E_PATH_TRAVERSAL', `invalid cache key ${JSON.stringify(key.slice(0, 100))}`, {
      where,
      hint: `a key is up to ${MAX_KEY} characters of letters, digits, ".", "_" and "-"${maxSegments > 1 ? ` in at most ${maxSegments} "/"-separated segments` : ''}, never "." or ".."`,
    });
  }
  return key;
}

/** Stable string id of a ref (map keys, log lines). */
export function refId(r: EntryRef): string {
  return `${r.protocol}/${r.namespace}/${r.key}`;
}

/**
 * Where a ref's manifest lives: `manifests/<protocol>/<namespace>/<h[0:2]>/<h>.json` with h the
 * SHA-256 of the key, so any key (however long or segmented) maps to one flat file name.
 */
export function manifestPath(r: EntryRef): string {
  const h = createHash('sha256').update(r.key).digest('hex');
  return `manifests/${r.protocol}/${r.namespace}/${h.slice(0, 2)}/${h}.json`;
}

export function blobPath(digest: string): string {
  return `blobs/${digest.slice(0, 2)}/${digest}`;
}
