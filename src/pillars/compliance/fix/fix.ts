// `policy check --fix`: rewrites what the GitHub rules reported, as text splices that keep the
// file's comments, quoting and layout (a YAML round trip would reformat the whole file):
// - unpinned-action: `uses: o/r@v4` → `uses: o/r@<sha> # v4`, the SHA from pins.ts;
// - excessive-permissions: an unneeded `scope: write` → `read` (`id-token` → `none`), `write-all`
//   → the scopes the jobs in reach use; missing-permissions: a `permissions:` block for the job;
// - template-injection in `run:`: the expression moves to the step's `env:` and the script reads
//   the variable, quoted for where it stood.
// Only findings the check reported (after --disable) are fixed; each is fixed or said why not.
import { isScalar, Scalar, type Node, type Pair, type YAMLMap } from 'yaml';
import type { Finding } from '../model.js';
import { ALL, actionName, jobNeeds, SHA40, stepsOf, UNTRUSTED_CONTEXT } from '../rules/github.js';
import { asMap, entries, lineAt, pairOf, str, text, valueOf, type YamlFile } from '../yaml-doc.js';
import type { PinLookup } from './pins.js';

export interface Edit {
  start: number;
  end: number;
  text: string;
}

export interface FixNote {
  rule: string;
  file: string;
  line: number;
  /** What was changed, or why it could not be. */
  message: string;
}

export interface FilePlan {
  file: string;
  before: string;
  after: string;
  fixed: FixNote[];
}

interface Candidate {
  rule: string;
  line: number;
  edits: Edit[];
  message: string;
}

/** Candidate fixes for one workflow or composite action, before they are matched to findings. */
async function candidates(f: YamlFile, kind: 'workflow' | 'action', pins: PinLookup): Promise<{ fixes: Candidate[]; notes: FixNote[] }> {
  const fixes: Candidate[] = [];
  const notes: FixNote[] = [];
  const note = (rule: string, offset: number, message: string) => notes.push({ rule, file: f.file, line: lineAt(f, offset), message });
  const root = asMap(f.root);
  if (!root) return { fixes, notes };
  const jobs = kind === 'workflow' ? entries(asMap(valueOf(root, 'jobs'))).map((e) => ({ key: e.pair.key, job: asMap(e.pair.value) })) : [];
  const stepLists = kind === 'workflow' ? jobs.map((j) => stepsOf(j.job)) : [stepsOf(asMap(valueOf(root, 'runs')))];

  // Pins: steps' uses and reusable workflows.
  const usesNodes: Node[] = [...jobs.map((j) => valueOf(j.job, 'uses')), ...stepLists.flat().map((s) => s.usesNode)].filter((n): n is Node => Boolean(n));
  for (const n of usesNodes) {
    const c = await pinFix(f, n, pins);
    if (c && 'edits' in c) fixes.push(c);
    else if (c) note('unpinned-action', n.range![0], c.why);
  }

  // Permissions.
  const topPerms = pairOf(root, 'permissions');
  const inheriting = jobs.filter((j) => j.job && !pairOf(j.job, 'permissions')).map((j) => j.job!);
  if (topPerms) fixes.push(...permissionFixes(f, topPerms, inheriting));
  for (const { key, job } of jobs) {
    if (!job) continue;
    const own = pairOf(job, 'permissions');
    if (own) fixes.push(...permissionFixes(f, own, [job]));
    else if (!topPerms && key.range) {
      const c = addPermissions(f, key, job);
      if ('edits' in c) fixes.push(c);
      else note('missing-permissions', key.range[0], c.why);
    }
  }

  // Expressions out of run: scripts.
  for (const s of stepLists.flat()) {
    const r = moveToEnv(f, s.map);
    fixes.push(...r.fixes);
    for (const w of r.notes) note('template-injection', w.offset, w.why);
  }
  return { fixes, notes };
}

async function pinFix(f: YamlFile, n: Node, pins: PinLookup): Promise<Candidate | { why: string } | null> {
  const v = text(n)?.trim();
  if (!v || !isScalar(n) || !n.range || v.startsWith('./') || v.startsWith('docker://')) return null;
  const at = v.lastIndexOf('@');
  const ref = at < 0 ? '' : v.slice(at + 1);
  if (SHA40.test(ref)) return null;
  if (!ref) return { why: `${v} names no version: pin it by hand` };
  const repo = actionName(v).split('/').slice(0, 2).join('/');
  const found = await pins.resolve(repo, ref);
  if (!found) return { why: `no commit known for ${repo}@${ref}: give --action-clones DIR or --github-token` };
  const quote = n.type === Scalar.QUOTE_DOUBLE ? '"' : n.type === Scalar.QUOTE_SINGLE ? "'" : '';
  const edits: Edit[] = [{ start: n.range[0], end: n.range[1], text: `${quote}${v.slice(0, at)}@${found.sha}${quote}` }];
  // The tag stays as a comment (Dependabot and Renovate read it to update the pin).
  if (n.type === Scalar.PLAIN || quote) edits.push({ start: n.range[1], end: n.range[1], text: ` # ${ref}` });
  return { rule: 'unpinned-action', line: lineAt(f, n.range[0]), edits, message: `pinned ${repo}@${ref} to ${found.sha} (from ${found.source})` };
}

/** The scopes the jobs use as a flow map, or null when one hands the token to code we cannot see. */
function scopesFor(f: YamlFile, jobs: YAMLMap[]): string | null {
  const needs = new Set<string>();
  for (const j of jobs) for (const s of jobNeeds(j, f)) needs.add(s);
  if (needs.has(ALL)) return null;
  const grants = new Map<string, string>([['contents', 'read']]);
  for (const s of needs) grants.set(s, 'write');
  return [...grants]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
}

function permissionFixes(f: YamlFile, perms: Pair<Node, Node | null>, jobs: YAMLMap[]): Candidate[] {
  const v = perms.value;
  if (str(v) === 'write-all' && v?.range) {
    const scopes = scopesFor(f, jobs);
    if (!scopes) return [];
    return [
      {
        rule: 'excessive-permissions',
        line: lineAt(f, v.range[0]),
        edits: [{ start: v.range[0], end: v.range[1], text: `{ ${scopes} }` }],
        message: `write-all narrowed to { ${scopes} }`,
      },
    ];
  }
  const m = asMap(v);
  if (!m) return [];
  const needs = new Set<string>();
  for (const j of jobs) for (const s of jobNeeds(j, f)) needs.add(s);
  if (needs.has(ALL)) return [];
  const out: Candidate[] = [];
  for (const { key, pair } of entries(m)) {
    const val = pair.value;
    if (str(val) !== 'write' || needs.has(key) || !val?.range || !(pair.key as Node).range) continue;
    const to = key === 'id-token' ? 'none' : 'read';
    out.push({
      rule: 'excessive-permissions',
      line: lineAt(f, (pair.key as Node).range![0]),
      edits: [{ start: val.range[0], end: val.range[1], text: to }],
      message: `${key}: write → ${key}: ${to} (nothing in reach writes ${key})`,
    });
  }
  return out;
}

/** The column a map's keys start at, and the text before the first key's line. */
function keyColumn(f: YamlFile, m: YAMLMap): number | null {
  const first = (m.items[0] as Pair<Node, Node | null> | undefined)?.key;
  return first?.range ? f.lines.linePos(first.range[0]).col - 1 : null;
}

/** Offset of the start of the line after the one `offset` is on (or the end of the text). */
function nextLineStart(src: string, offset: number): number {
  if (offset > 0 && src[offset - 1] === '\n') return offset;
  const nl = src.indexOf('\n', offset);
  return nl < 0 ? src.length : nl + 1;
}

/** Where a new key of map `m` goes: after its last entry, on a line of its own. */
function appendPoint(f: YamlFile, m: YAMLMap): number | null {
  const last = m.items[m.items.length - 1] as Pair<Node, Node | null> | undefined;
  const end = (last?.value ?? last?.key)?.range?.[1];
  return end === undefined ? null : nextLineStart(f.src, end);
}

function addPermissions(f: YamlFile, key: Node, job: YAMLMap): Candidate | { why: string } {
  const scopes = scopesFor(f, [job]);
  if (!scopes)
    return { why: 'the job hands the token to code whose needs cannot be seen (a script calling the API, an unknown action): choose its scopes by hand' };
  const first = (job.items[0] as Pair<Node, Node | null> | undefined)?.key;
  const col = keyColumn(f, job);
  if (job.flow || col === null || !first?.range) return { why: 'the job is written as a flow map: add permissions: by hand' };
  // First in the job, on its own line: where readers look for a job's grants.
  const at = f.src.lastIndexOf('\n', first.range[0]) + 1;
  const pad = ' '.repeat(col);
  const lines = scopes.split(', ').map((s) => `${pad}  ${s}\n`);
  return {
    rule: 'missing-permissions',
    line: lineAt(f, key.range![0]),
    edits: [{ start: at, end: at, text: `${pad}permissions:\n${lines.join('')}` }],
    message: `added permissions: { ${scopes} }`,
  };
}

/** A variable name for an attacker-controlled expression: its last two path segments, upper case. */
function envName(path: string): string {
  const parts = path
    .replace(/^to[jJ][sS][oO][nN]\(\s*/, '')
    .replace(/\[[^\]]*\]|\.\*/g, '')
    .replace(/\)$/, '')
    .split('.')
    .filter((p) => p && p !== 'github' && p !== 'event');
  const base = (parts.slice(-2).join('_') || 'VALUE').toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  return /^to[jJ][sS][oO][nN]\(/.test(path) ? `${base}_JSON` : base;
}

/** Is `offset` of the script inside '…', "…" or neither (a small POSIX shell quote scanner)? */
function quoteState(script: string, offset: number): 'single' | 'double' | 'none' {
  let state: 'single' | 'double' | 'none' = 'none';
  for (let i = 0; i < offset; i++) {
    const c = script[i];
    if (state === 'single') {
      if (c === "'") state = 'none';
    } else if (c === '\\') i++;
    else if (c === '"') state = state === 'double' ? 'none' : 'double';
    else if (c === "'" && state === 'none') state = 'single';
  }
  return state;
}

function moveToEnv(f: YamlFile, step: YAMLMap): { fixes: Candidate[]; notes: { offset: number; why: string }[] } {
  const run = valueOf(step, 'run');
  if (!isScalar(run) || !run.range) return { fixes: [], notes: [] };
  const body = f.src.slice(run.range[0], run.range[1]);
  const hits = [...body.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].filter((m) => UNTRUSTED_CONTEXT.test(m[1] ?? ''));
  if (!hits.length) return { fixes: [], notes: [] };
  const at0 = run.range[0] + hits[0]!.index;
  const block = run.type === Scalar.BLOCK_LITERAL || run.type === Scalar.BLOCK_FOLDED;
  if (!block && run.type !== Scalar.PLAIN)
    return { fixes: [], notes: [{ offset: at0, why: 'the script is a quoted YAML string: move the expression to env: by hand' }] };
  const env = pairOf(step, 'env');
  const envMap = asMap(env?.value);
  if (env && (!envMap || envMap.flow)) return { fixes: [], notes: [{ offset: at0, why: 'the step has a flow-style env: add the variable by hand' }] };
  const taken = new Set(entries(envMap).map((e) => e.key));
  const names = new Map<string, string>();
  const edits: Edit[] = [];
  const fixes: Candidate[] = [];
  for (const m of hits) {
    const expr = m[0];
    const offset = m.index;
    if (!block && offset === 0) return { fixes: [], notes: [{ offset: at0, why: 'the script starts with the expression: move it to env: by hand' }] };
    let name = names.get(expr);
    if (!name) {
      const base = envName(UNTRUSTED_CONTEXT.exec(m[1] ?? '')![0]);
      name = base;
      for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
      taken.add(name);
      names.set(expr, name);
    }
    const q = quoteState(body, offset);
    const ref = q === 'double' ? `\${${name}}` : q === 'single' ? `'"\${${name}}"'` : `"\${${name}}"`;
    const start = run.range[0] + offset;
    edits.push({ start, end: start + expr.length, text: ref });
    fixes.push({ rule: 'template-injection', line: lineAt(f, start), edits: [], message: `${expr.trim()} moved to env: ${name}` });
  }
  // One env: insertion for the step, carried by its first fix (fixes of one step stand or fall together).
  const vars = [...names].map(([expr, name]) => ({ name, expr }));
  if (envMap) {
    const col = keyColumn(f, envMap);
    const at = appendPoint(f, envMap);
    if (col === null || at === null) return { fixes: [], notes: [{ offset: at0, why: 'the step env: is empty: add the variable by hand' }] };
    edits.push({ start: at, end: at, text: vars.map((x) => `${' '.repeat(col)}${x.name}: ${x.expr}\n`).join('') });
  } else {
    const col = keyColumn(f, step);
    const at = appendPoint(f, step);
    if (col === null || at === null) return { fixes: [], notes: [{ offset: at0, why: 'cannot place env: in this step' }] };
    const pad = ' '.repeat(col);
    const prefix = at === f.src.length && !f.src.endsWith('\n') ? '\n' : '';
    edits.push({ start: at, end: at, text: `${prefix}${pad}env:\n${vars.map((x) => `${pad}  ${x.name}: ${x.expr}\n`).join('')}` });
  }
  fixes[0]!.edits = edits;
  return { fixes, notes: [] };
}

/** Applies non-overlapping splices (insertions at one point keep their order). */
export function applyEdits(src: string, edits: Edit[]): string {
  const sorted = edits.map((e, i) => ({ ...e, i })).sort((a, b) => a.start - b.start || a.end - b.end || a.i - b.i);
  let out = '';
  let pos = 0;
  for (const e of sorted) {
    if (e.start < pos) continue; // overlaps an earlier splice: left for the next run
    out += src.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  return out + src.slice(pos);
}

/**
 * Plans the fixes for the reported findings in each GitHub file. `parsed` gives each workflow or
 * action file its parsed form and kind. Returns the new texts and what was fixed or not.
 */
export async function planFixes(
  parsed: { doc: YamlFile; kind: 'workflow' | 'action' }[],
  findings: Finding[],
  pins: PinLookup,
): Promise<{ files: FilePlan[]; notFixed: FixNote[] }> {
  const reported = new Set(findings.map((x) => `${x.rule}\0${x.file}\0${x.line}`));
  const files: FilePlan[] = [];
  const notFixed: FixNote[] = [];
  const fixedKeys = new Set<string>();
  for (const { doc, kind } of parsed) {
    const { fixes, notes } = await candidates(doc, kind, pins);
    const chosen = fixes.filter((c) => reported.has(`${c.rule}\0${doc.file}\0${c.line}`));
    for (const n of notes) if (reported.has(`${n.rule}\0${n.file}\0${n.line}`)) notFixed.push(n);
    if (!chosen.length) continue;
    const after = applyEdits(
      doc.src,
      chosen.flatMap((c) => c.edits),
    );
    for (const c of chosen) fixedKeys.add(`${c.rule}\0${doc.file}\0${c.line}`);
    files.push({ file: doc.file, before: doc.src, after, fixed: chosen.map((c) => ({ rule: c.rule, file: doc.file, line: c.line, message: c.message })) });
  }
  // Reported findings of fixable rules that no candidate covered, and nothing said why: say so.
  const FIXABLE = new Set(['unpinned-action', 'excessive-permissions', 'missing-permissions', 'template-injection']);
  const explained = new Set(notFixed.map((n) => `${n.rule}\0${n.file}\0${n.line}`));
  for (const x of findings) {
    const k = `${x.rule}\0${x.file}\0${x.line}`;
    if (!FIXABLE.has(x.rule) || fixedKeys.has(k) || explained.has(k)) continue;
    notFixed.push({ rule: x.rule, file: x.file, line: x.line, message: notFixableWhy(x) });
  }
  const order = (a: FixNote, b: FixNote) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || (a.rule < b.rule ? -1 : 1));
  return { files: files.sort((a, b) => (a.file < b.file ? -1 : 1)), notFixed: notFixed.sort(order) };
}

function notFixableWhy(x: Finding): string {
  if (x.rule === 'unpinned-action' && /container image/.test(x.message)) return 'a docker:// image needs its digest from a registry: pin it by hand';
  if (x.rule === 'excessive-permissions' || x.rule === 'missing-permissions')
    return 'a job hands the token to code whose needs cannot be seen (a script calling the API, an unknown action): choose the scopes by hand';
  if (x.rule === 'template-injection') return 'the expression is in actions/github-script: read it from context.payload instead';
  return 'not fixed automatically';
}
