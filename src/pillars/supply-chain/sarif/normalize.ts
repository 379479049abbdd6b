// SARIF 2.1.0 from any scanner → one finding model (issue 18 part 5; seed 000 "ingest SAST/DAST/SCA
// as SARIF"). Per result: the tool and its version, the rule, the CWE ids it names (rule
// relationships, rule/result tags, text), a severity (GitHub's `security-severity` when the rule
// has one, otherwise the level), the primary location made relative to the repository, and a line
// hash — the identity that survives edits above the line and differs between tools' URI styles.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { CiError } from '../../../core/errors.js';
import { cwesIn } from './cwe.js';

export type Severity = 'critical' | 'high' | 'medium' | 'low';
export const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low'];
export const severityRank = (s: Severity) => SEVERITIES.length - SEVERITIES.indexOf(s);

export interface SarifFinding {
  tool: string;
  tool_version: string;
  rule_id: string;
  cwes: number[];
  severity: Severity;
  /** Path relative to the repository root (forward slashes), or the URI as given when it lies elsewhere. */
  file: string;
  line: number;
  message: string;
  /** sha256 of the located line's text (trimmed) and its occurrence number, or of what stands in for it. */
  line_hash: string;
  /** Where the line hash came from: the source file, the SARIF snippet, the tool's fingerprint, or only the line number. */
  hash_from: 'source' | 'snippet' | 'fingerprint' | 'line';
  /** The SARIF's own suppression with a justification (kind inSource/external), if any. */
  suppressed?: { justification: string };
}

/** Largest SARIF log read: CodeQL's for big repositories runs to tens of MB. */
export const MAX_SARIF_BYTES = 128 * 1024 * 1024;

export interface ReadOptions {
  /** The repository checkout: absolute URIs are made relative to it (and line hashes read from its files). */
  root: string;
  /** The lines of a repository file at the analysed commit, or null (default: the file under `root`). */
  source?: (rel: string) => string[] | null;
}

interface Loc {
  physicalLocation?: { artifactLocation?: { uri?: string; uriBaseId?: string; index?: number }; region?: { startLine?: number; snippet?: { text?: string } } };
}
interface Result {
  ruleId?: string;
  ruleIndex?: number;
  rule?: { id?: string; index?: number };
  level?: string;
  kind?: string;
  message?: { text?: string; markdown?: string };
  locations?: Loc[];
  partialFingerprints?: Record<string, string>;
  fingerprints?: Record<string, string>;
  suppressions?: { kind?: string; status?: string; justification?: string }[];
  properties?: { tags?: unknown; 'security-severity'?: unknown };
}
interface Rule {
  id?: string;
  defaultConfiguration?: { level?: string };
  relationships?: { target?: { id?: string; toolComponent?: { name?: string } } }[];
  properties?: { tags?: unknown; 'security-severity'?: unknown };
  shortDescription?: { text?: string };
}
interface Run {
  tool?: { driver?: { name?: string; version?: string; semanticVersion?: string; rules?: Rule[] } };
  artifacts?: { location?: { uri?: string } }[];
  originalUriBaseIds?: Record<string, { uri?: string }>;
  results?: Result[];
}

function bad(file: string, pointer: string, msg: string): never {
  throw new CiError('E_REPORT_INVALID', `${file}: ${msg}`, {
    where: `${file}: ${pointer || '/'}`,
    hint: 'give a SARIF 2.1.0 log as scanners write it (`version: "2.1.0"`, `runs[].tool.driver.name`, `runs[].results[]`)',
  });
}

/** Severity from GitHub's `security-severity` (CVSS-like 0–10), else from the SARIF level. */
function severityOf(score: unknown, level: string): Severity {
  const n = typeof score === 'string' ? Number(score) : typeof score === 'number' ? score : NaN;
  if (Number.isFinite(n) && n > 0) return n >= 9 ? 'critical' : n >= 7 ? 'high' : n >= 4 ? 'medium' : 'low';
  return level === 'error' ? 'high' : level === 'warning' ? 'medium' : 'low';
}

const tagsText = (t: unknown) => (Array.isArray(t) ? t.filter((x) => typeof x === 'string').join(' ') : '');

const MAX_SOURCE_BYTES = 16 * 1024 * 1024;

/** A report's path may only name a file inside the repository (no `..`, no absolute path). */
const inside = (rel: string) => rel !== '' && !path.isAbsolute(rel) && !rel.split('/').includes('..');

/** The lines of files in a checkout, each read once (several results point into one file). */
export function checkoutSource(root: string): (rel: string) => string[] | null {
  const cache = new Map<string, string[] | null>();
  return (rel) => {
    if (!inside(rel)) return null;
    if (!cache.has(rel)) {
      const abs = path.join(root, rel);
      let lines: string[] | null = null;
      try {
        if (statSync(abs).size <= MAX_SOURCE_BYTES) lines = readFileSync(abs, 'utf8').split('\n');
      } catch {
        lines = null;
      }
      cache.set(rel, lines);
    }
    return cache.get(rel)!;
  };
}

/** The lines of files at a git revision of the repository at `root` (`git show REV:path`), each read once. */
export function gitSource(root: string, rev: string): (rel: string) => string[] | null {
  const cache = new Map<string, string[] | null>();
  return (rel) => {
    if (!inside(rel)) return null;
    if (!cache.has(rel)) {
      const r = spawnSync('git', ['-C', root, 'show', `${rev}:${rel}`], { encoding: 'utf8', maxBuffer: MAX_SOURCE_BYTES });
      cache.set(rel, r.status === 0 ? r.stdout.split('\n') : null);
    }
    return cache.get(rel)!;
  };
}

/**
 * A location's URI relative to the repository root. Absolute `file:` URIs from another checkout
 * (the CI runner's path) are matched by their longest tail that exists under the root.
 */
export function relativeUri(uri: string, baseUri: string | undefined, root: string): string {
  let p = uri;
  if (/^file:/i.test(p)) {
    try {
      p = fileURLToPath(p);
    } catch {
      return uri;
    }
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(p)) return uri;
  else p = decodeURIComponent(p);
  if (!path.isAbsolute(p) && baseUri && /^file:/i.test(baseUri)) {
    try {
      p = path.join(fileURLToPath(baseUri), p);
    } catch {
      /* keep p relative */
    }
  }
  if (!path.isAbsolute(p)) return path.posix.normalize(p.replace(/\\/g, '/')).replace(/^\.\//, '');
  const rootAbs = path.resolve(root);
  const rel = path.relative(rootAbs, p);
  if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  const parts = p.split(/[\\/]+/).filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    const tail = parts.slice(i).join('/');
    if (existsSync(path.join(rootAbs, tail))) return tail;
  }
  return p.split(path.sep).join('/');
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Reads one SARIF log into findings; bad structure throws naming the JSON pointer. */
export function readSarif(buf: Buffer | string, file: string, opts: ReadOptions): SarifFinding[] {
  if (buf.length > MAX_SARIF_BYTES) bad(file, '', `larger than ${MAX_SARIF_BYTES / 1024 / 1024} MiB`);
  let doc: { version?: unknown; runs?: unknown };
  try {
    doc = JSON.parse(typeof buf === 'string' ? buf : buf.toString('utf8')) as typeof doc;
  } catch (e) {
    return bad(file, '', `not JSON: ${(e as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) bad(file, '', 'not a SARIF log (a JSON object with runs[])');
  // clang 14 writes no top-level version; anything it does write must be 2.1.0.
  if (doc.version !== undefined && doc.version !== '2.1.0') bad(file, '/version', `SARIF version ${JSON.stringify(doc.version)} is not 2.1.0`);
  if (!Array.isArray(doc.runs)) bad(file, '/runs', 'runs[] is missing');
  const source = opts.source ?? checkoutSource(opts.root);
  // Many results name the same file: resolve each URI once (an absolute one may probe the disk).
  const uris = new Map<string, string>();
  const rel = (uri: string, base: string | undefined) => {
    const k = `${base ?? ''}\0${uri}`;
    if (!uris.has(k)) uris.set(k, relativeUri(uri, base, opts.root));
    return uris.get(k)!;
  };
  const out: SarifFinding[] = [];
  (doc.runs as Run[]).forEach((run, ri) => {
    const driver = run?.tool?.driver;
    if (!driver || typeof driver.name !== 'string' || !driver.name) return bad(file, `/runs/${ri}/tool/driver/name`, 'the run names no tool');
    const tool = driver.name;
    const rules = Array.isArray(driver.rules) ? driver.rules : [];
    const byId = new Map(rules.filter((r) => typeof r?.id === 'string').map((r) => [r.id!, r]));
    if (run.results !== undefined && !Array.isArray(run.results)) bad(file, `/runs/${ri}/results`, 'results must be an array');
    // Same rule, same line text twice in a file: the occurrence number keeps them apart.
    const occurrences = new Map<string, number>();
    (run.results ?? []).forEach((res, xi) => {
      const ptr = `/runs/${ri}/results/${xi}`;
      if (!res || typeof res !== 'object') bad(file, ptr, 'a result must be an object');
      if (res.kind !== undefined && res.kind !== 'fail') return; // pass, notApplicable, review, open, informational
      const idx = res.ruleIndex ?? res.rule?.index;
      const rule = (typeof idx === 'number' ? rules[idx] : undefined) ?? byId.get(res.ruleId ?? res.rule?.id ?? '');
      const ruleId = res.ruleId ?? res.rule?.id ?? rule?.id;
      if (typeof ruleId !== 'string' || !ruleId) return bad(file, `${ptr}/ruleId`, 'the result names no rule');
      const level = res.level ?? rule?.defaultConfiguration?.level ?? 'warning';
      if (level === 'none') return;
      const message = (res.message?.text ?? res.message?.markdown ?? '').trim();
      const phys = res.locations?.[0]?.physicalLocation;
      const art = phys?.artifactLocation;
      const uri = art?.uri ?? (typeof art?.index === 'number' ? run.artifacts?.[art.index]?.location?.uri : undefined);
      const fileRel = uri ? rel(uri, art?.uriBaseId ? run.originalUriBaseIds?.[art.uriBaseId]?.uri : undefined) : '';
      const line = phys?.region?.startLine ?? 0;
      const relText = (rule?.relationships ?? [])
        .map((r) => (/cwe/i.test(r.target?.toolComponent?.name ?? '') ? `CWE-${String(r.target?.id ?? '').replace(/^cwe-?/i, '')}` : ''))
        .join(' ');
      const cwes = cwesIn(`${relText} ${tagsText(rule?.properties?.tags)} ${tagsText(res.properties?.tags)} ${message}`);
      let basis: string;
      let from: SarifFinding['hash_from'];
      const src = fileRel && line > 0 ? source(fileRel) : null;
      if (src && line <= src.length) [basis, from] = [src[line - 1]!.trim(), 'source'];
      else if (phys?.region?.snippet?.text) [basis, from] = [phys.region.snippet.text.trim(), 'snippet'];
      else {
        const fp = res.partialFingerprints ?? res.fingerprints;
        const v = fp
          ? Object.keys(fp)
              .sort()
              .map((k) => `${k}=${fp[k]}`)
              .join(';')
          : '';
        [basis, from] = v ? [v, 'fingerprint'] : [`line ${line}`, 'line'];
      }
      const occKey = `${tool}\0${ruleId}\0${fileRel}\0${basis}`;
      const occ = (occurrences.get(occKey) ?? 0) + 1;
      occurrences.set(occKey, occ);
      const just = (res.suppressions ?? []).find(
        (s) => s?.status !== 'rejected' && s?.status !== 'underReview' && typeof s?.justification === 'string' && s.justification.trim(),
      );
      out.push({
        tool,
        tool_version: String(driver.semanticVersion ?? driver.version ?? ''),
        rule_id: ruleId,
        cwes,
        severity: severityOf(res.properties?.['security-severity'] ?? rule?.properties?.['security-severity'], level),
        file: fileRel,
        line,
        message,
        line_hash: sha(`${fileRel}\0${basis}\0${occ}`),
        hash_from: from,
        ...(just ? { suppressed: { justification: just.justification!.trim() } } : {}),
      });
    });
  });
  return out;
}
