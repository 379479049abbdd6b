// The body `repro --record --hub` and `repro diff --record --hub` send: `{"verdicts": [...]}`, the
// verdicts as `--json` prints them. The hub checks every field it stores (the first problem is
// named by its JSON pointer) before anything is written.
import { CiError } from '../../core/errors.js';
import { DIFF_CLASSES, type ArtifactIdentity, type ArtifactVerdict, type DiffClass, type Difference } from './model.js';

const VERDICTS = ['reproducible', 'not reproducible', 'not compared'] as const;
const MAX_VERDICTS = 10_000;
const MAX_TEXT = 2000;
/** Differences kept per artifact (the store keeps the first 20, as the agent's store path does). */
const MAX_DIFFERENCES = 20;

type Obj = Record<string, unknown>;

/** Parses and checks the upload; throws E_REPORT_INVALID naming `body: /verdicts/N/field`. */
export function parseVerdictUpload(text: string): ArtifactVerdict[] {
  const bad = (pointer: string, msg: string): never => {
    throw new CiError('E_REPORT_INVALID', msg, {
      where: `body: ${pointer || '/'}`,
      hint: 'send what ci-intel repro --record --hub sends: {"verdicts": [the verdicts of repro --json]}',
    });
  };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return bad('', `not JSON: ${(e as Error).message}`);
  }
  const list = v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj).verdicts : undefined;
  if (!Array.isArray(list)) return bad('/verdicts', 'a list of verdicts is needed');
  if (list.length > MAX_VERDICTS) bad('/verdicts', `over ${MAX_VERDICTS} verdicts in one upload`);
  return list.map((raw, i) => {
    const at = `/verdicts/${i}`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return bad(at, 'not a JSON object');
    const o = raw as Obj;
    const text = (k: string, max = MAX_TEXT, x: unknown = o[k], p = `${at}/${k}`): string =>
      typeof x === 'string' && x.length > 0 && x.length <= max ? x : bad(p, `text of 1 to ${max} characters`);
    const artifact = text('artifact', 1000);
    if (!VERDICTS.includes(o.verdict as (typeof VERDICTS)[number])) bad(`${at}/verdict`, `one of ${VERDICTS.join(', ')}`);
    const pair = <T>(k: string, ok: (x: unknown) => boolean, what: string): [T, T] =>
      Array.isArray(o[k]) && (o[k] as unknown[]).length === 2 && (o[k] as unknown[]).every(ok) ? (o[k] as [T, T]) : bad(`${at}/${k}`, what);
    const sha256 = pair<string>('sha256', (x) => typeof x === 'string' && /^([0-9a-f]{64})?$/.test(x), 'two sha256 in hex (empty for a side not built)');
    const size = pair<number>('size', (x) => Number.isSafeInteger(x) && (x as number) >= 0, 'two sizes in bytes');
    const c = o.classes;
    if (!c || typeof c !== 'object' || Array.isArray(c)) return bad(`${at}/classes`, 'counts per class');
    const classes: Partial<Record<DiffClass, number>> = {};
    for (const [k, n] of Object.entries(c as Obj)) {
      if (!DIFF_CLASSES.includes(k as DiffClass)) bad(`${at}/classes/${k}`, `not a class: one of ${DIFF_CLASSES.join(', ')}`);
      if (!Number.isSafeInteger(n) || (n as number) < 0) bad(`${at}/classes/${k}`, 'a count');
      classes[k as DiffClass] = n as number;
    }
    if (!Array.isArray(o.differences)) return bad(`${at}/differences`, 'a list of differences');
    const differences: Difference[] = (o.differences as unknown[]).slice(0, MAX_DIFFERENCES).map((d, j) => {
      const p = `${at}/differences/${j}`;
      if (!d || typeof d !== 'object') return bad(p, 'not a JSON object');
      const dd = d as Obj;
      if (!DIFF_CLASSES.includes(dd.class as DiffClass)) bad(`${p}/class`, `one of ${DIFF_CLASSES.join(', ')}`);
      return {
        class: dd.class as DiffClass,
        where: text('where', MAX_TEXT, dd.where, `${p}/where`),
        detail: text('detail', MAX_TEXT, dd.detail, `${p}/detail`),
      };
    });
    const identity = o.identity === undefined ? undefined : parseIdentityPair(o.identity, `${at}/identity`, bad);
    const notes = Array.isArray(o.notes) ? (o.notes as unknown[]).filter((n): n is string => typeof n === 'string').map((n) => n.slice(0, MAX_TEXT)) : [];
    return { artifact, verdict: o.verdict as ArtifactVerdict['verdict'], size, sha256, classes, differences, notes, ...(identity ? { identity } : {}) };
  });
}

const HEX64 = /^[0-9a-f]{64}$/;

/** `identity`: two entries, each null (a side not built) or what compare/identity.ts found. */
function parseIdentityPair(x: unknown, at: string, bad: (pointer: string, msg: string) => never): [ArtifactIdentity | null, ArtifactIdentity | null] {
  if (!Array.isArray(x) || x.length !== 2) return bad(at, 'two identities (null for a side not built)');
  return x.map((raw, i) => {
    const p = `${at}/${i}`;
    if (raw === null) return null;
    if (typeof raw !== 'object' || Array.isArray(raw)) return bad(p, 'an identity object or null');
    const o = raw as Obj;
    const hash = (k: string) => (typeof o[k] === 'string' && HEX64.test(o[k] as string) ? (o[k] as string) : bad(`${p}/${k}`, 'a sha256 in hex'));
    const opt = (k: string, re: RegExp, what: string) => {
      if (o[k] === undefined) return {};
      return typeof o[k] === 'string' && re.test(o[k] as string) ? { [k]: o[k] as string } : bad(`${p}/${k}`, what);
    };
    return {
      sha256: hash('sha256'),
      contentSha256: hash('contentSha256'),
      ...opt('buildId', /^[0-9a-f]{1,256}$/, 'a build id in hex'),
      ...opt('implementationVersion', /^.{1,200}$/, 'text of 1 to 200 characters'),
      ...opt('buildJdk', /^.{1,200}$/, 'text of 1 to 200 characters'),
    };
  }) as [ArtifactIdentity | null, ArtifactIdentity | null];
}
