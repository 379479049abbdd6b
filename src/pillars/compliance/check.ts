// `policy check`: discovery, parsing and the rules, as one pure-ish function over a folder (it reads
// files under the root and nothing else). Malformed files are reported as problems and the other
// files are still checked.
import { checkGitlab } from './rules/gitlab.js';
import { checkAction, checkWorkflow } from './rules/github.js';
import { Tree, discover, expandLocalInclude } from './discover.js';
import { dedupeFindings, sortFindings, type CheckProblem, type Finding } from './model.js';
import { parseYaml, YamlSyntaxError } from './yaml-doc.js';
import { checkLockfile, type LicensePolicy } from './licenses/check.js';

export interface CheckOptions {
  /** Licence policy; without one only missing licences are reported. */
  licenses?: LicensePolicy;
  /** Rule ids not to report. */
  disabled?: string[];
  /** Cap on one CI file (bytes). */
  maxFileBytes?: number;
  /** Cap on one lockfile or SBOM (bytes). */
  maxLockBytes?: number;
  /** Where installed packages' licences are looked up (node_modules, site-packages, cargo/go caches). */
  env?: NodeJS.ProcessEnv;
}

export interface CheckResult {
  root: string;
  findings: Finding[];
  problems: CheckProblem[];
  /** Files checked, relative to the root, sorted. */
  files: string[];
}

const MAX_GITLAB_INCLUDES = 200;

export function policyCheck(root: string, opts: CheckOptions = {}): CheckResult {
  const problems: CheckProblem[] = [];
  const tree = new Tree(root, opts.maxFileBytes ?? 2 * 1024 * 1024, problems);
  const found = discover(tree, { licenses: true });
  const findings: Finding[] = [];
  const files: string[] = [];
  const yaml = (rel: string, plain = false) => {
    const src = tree.read(rel, undefined, plain);
    if (src === null) return null;
    try {
      return parseYaml(rel, src);
    } catch (e) {
      if (e instanceof YamlSyntaxError) {
        problems.push({ file: rel, line: e.line, message: `not valid YAML: ${e.message}` });
        return null;
      }
      throw e;
    }
  };
  for (const f of found) {
    if (f.kind === 'github-workflow' || f.kind === 'github-action') {
      const doc = yaml(f.rel, f.plain);
      if (!doc) continue;
      files.push(f.rel);
      findings.push(...(f.kind === 'github-workflow' ? checkWorkflow(doc) : checkAction(doc)));
    } else if (f.kind === 'gitlab-ci') {
      // The pipeline and its local includes, each file once (includes may include each other).
      const queue = [f.rel];
      const seen = new Set<string>(queue);
      while (queue.length && seen.size <= MAX_GITLAB_INCLUDES) {
        const rel = queue.shift()!;
        const doc = yaml(rel);
        if (!doc) continue;
        files.push(rel);
        const r = checkGitlab(doc);
        findings.push(...r.findings);
        for (const pattern of r.locals) {
          if (/\$/.test(pattern)) continue; // resolved by GitLab at run time
          for (const inc of expandLocalInclude(tree, pattern)) {
            if (seen.has(inc)) continue;
            seen.add(inc);
            queue.push(inc);
          }
        }
      }
    } else {
      const src = tree.read(f.rel, opts.maxLockBytes ?? 64 * 1024 * 1024, f.plain);
      if (src === null) continue;
      files.push(f.rel);
      try {
        findings.push(...checkLockfile(f.rel, src, { root, policy: opts.licenses, env: opts.env ?? process.env }));
      } catch (e) {
        problems.push({ file: f.rel, message: `cannot read as a lockfile: ${(e as Error).message}` });
      }
    }
  }
  const disabled = new Set(opts.disabled ?? []);
  return {
    root,
    findings: sortFindings(dedupeFindings(findings.filter((x) => !disabled.has(x.rule)))),
    problems: problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0))),
    files: [...new Set(files)].sort(),
  };
}
