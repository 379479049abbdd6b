// The body `repro --record --hub` and `repro diff --record --hub` send: `{"verdicts": [...]}`, the
// verdicts as `--json` prints them. Its JSON Schema (repro_verdicts_upload.schema.json, in the
// schema registry) checks every field the hub stores before anything is written; the problems are
// named by JSON pointer, the first one in `where`. What is stored is taken field by field from the
// checked body (fields the schema does not list are dropped).
import { listIssues, payloadContract } from '../../core/contract/payload.js';
import { CiError } from '../../core/errors.js';
import type { ArtifactIdentity, ArtifactVerdict, DiffClass, Difference } from './model.js';

const MAX_TEXT = 2000;
/** Differences kept per artifact (the store keeps the first 20, as the agent's store path does; the schema checks those). */
const MAX_DIFFERENCES = 20;

export const verdictUploadContract = payloadContract('repro_verdicts_upload', '1.0.0', new URL('./repro_verdicts_upload.schema.json', import.meta.url));

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
  const issues = verdictUploadContract.check(v);
  if (issues.length) return bad(issues[0]!.pointer, listIssues(issues, 'body: '));
  return ((v as Obj).verdicts as Obj[]).map((o) => {
    const differences = (o.differences as Obj[])
      .slice(0, MAX_DIFFERENCES)
      .map((d): Difference => ({ class: d.class as DiffClass, where: d.where as string, detail: d.detail as string }));
    const notes = Array.isArray(o.notes) ? (o.notes as unknown[]).filter((n): n is string => typeof n === 'string').map((n) => n.slice(0, MAX_TEXT)) : [];
    const identity =
      o.identity === undefined ? undefined : ((o.identity as (Obj | null)[]).map((i) => (i ? identityOf(i) : null)) as ArtifactVerdict['identity']);
    return {
      artifact: o.artifact as string,
      verdict: o.verdict as ArtifactVerdict['verdict'],
      size: o.size as [number, number],
      sha256: o.sha256 as [string, string],
      classes: o.classes as Partial<Record<DiffClass, number>>,
      differences,
      notes,
      ...(identity ? { identity } : {}),
    };
  });
}

function identityOf(o: Obj): ArtifactIdentity {
  const opt = (k: 'buildId' | 'implementationVersion' | 'buildJdk') => (o[k] === undefined ? {} : { [k]: o[k] as string });
  return { sha256: o.sha256 as string, contentSha256: o.contentSha256 as string, ...opt('buildId'), ...opt('implementationVersion'), ...opt('buildJdk') };
}
