// Rule packs (issue 4, deliverable 5): YAML in the seed's shape (seed 000 "Autopsy rule example":
// `id`, `tool`, `match`, `hint`) plus `category`, `severity`, `docs_uri` and `priority`.
//
// Built-in packs (src/pillars/autopsy/rules/*.yml, shipped with the package) are reviewed JS
// regexes: fast, and a test checks each against safe-regex2. User packs (`--rules DIR`, or the hub's
// `autopsy.rules` setting) are compiled with re2js, a linear-time RE2 engine, so a user's pattern
// cannot hang the hub however it is written (MEASURED.md: `(a+)+$` takes seconds in JS RegExp).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RE2JS } from 're2js';
import { CiError } from '../../core/errors.js';
import type { FailureCategory } from '../../core/model/index.js';
import { CATEGORIES, TOOLS, type Matcher, type Rule, type Severity } from './types.js';

/** The YAML parser, loaded when a pack is read from YAML (user packs, or an unbuilt checkout). */
let yamlModule: typeof import('yaml') | undefined;
const yaml = () => (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));

export const BUILTIN_RULES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'rules');

const SEVERITIES: readonly Severity[] = ['info', 'warn', 'error'];
const DEFAULT_PRIORITY = 50;

/** A JS RegExp matcher (built-in packs). */
export function jsMatcher(source: string, flags = ''): Matcher {
  const re = new RegExp(source, flags.replace(/[gy]/g, ''));
  return {
    source,
    engine: 'js',
    ignoreCase: re.ignoreCase,
    exec(text) {
      const m = re.exec(text);
      if (!m) return null;
      return { index: m.index, match: m[0], groups: m.groups ?? {} };
    },
  };
}

/** An RE2 matcher (user packs): linear time in the input whatever the pattern. */
export function re2Matcher(source: string, flags = ''): Matcher {
  let f = 0;
  if (flags.includes('i')) f |= RE2JS.CASE_INSENSITIVE;
  if (flags.includes('s')) f |= RE2JS.DOTALL;
  const re = RE2JS.compile(source, f);
  const names = [...source.matchAll(/\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1]!);
  return {
    source,
    engine: 're2',
    ignoreCase: flags.includes('i'),
    exec(text) {
      const m = re.matcher(text);
      if (!m.find()) return null;
      const groups: Record<string, string | undefined> = {};
      for (const n of names) groups[n] = m.group(n) ?? undefined;
      return { index: m.start(), match: m.group() ?? '', groups };
    },
  };
}

interface RawRule {
  id?: unknown;
  tool?: unknown;
  category?: unknown;
  match?: unknown;
  flags?: unknown;
  hint?: unknown;
  severity?: unknown;
  docs_uri?: unknown;
  priority?: unknown;
}

const FIELDS = new Set(['id', 'tool', 'category', 'match', 'flags', 'hint', 'severity', 'docs_uri', 'priority']);

/** Parses one pack's YAML text; errors name the file, the line and the field. */
export function parsePack(text: string, file: string, origin: 'builtin' | 'user'): Rule[] {
  const { list, lineOf } = readPack(text, file);
  return compilePack(list, file, origin, lineOf);
}

/** A pack's YAML text → its list of raw rules, and the line of each (for errors). */
function readPack(text: string, file: string): { list: unknown[]; lineOf: (i: number) => number } {
  const doc = yaml().parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new CiError('E_RULES_INVALID', `${e.message.split('\n')[0]}`, {
      where: `${file}:${e.linePos?.[0]?.line ?? 1}`,
      hint: 'a rule pack is a YAML list of rules: - id: ..., tool: ..., category: ..., match: "...", hint: "..."',
    });
  }
  const lineOfNode = (node: unknown): number => {
    const range = (node as { range?: [number, number] } | undefined)?.range;
    if (!range) return 1;
    return text.slice(0, range[0]).split('\n').length;
  };
  const root = doc.contents as { items?: unknown[] } | null;
  const value = doc.toJS() as unknown;
  const list = Array.isArray(value) ? value : (value as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(list)) {
    throw new CiError('E_RULES_INVALID', 'the pack is not a list of rules', {
      where: `${file}:1`,
      hint: 'write the rules as a YAML list (or under a top-level `rules:` key)',
    });
  }
  const nodes = Array.isArray(value) ? (root?.items ?? []) : [];
  return { list, lineOf: (i) => lineOfNode(nodes[i]) };
}

/** Raw rules (parsed YAML) → rules; errors name the file, the rule's line and the field. */
function compilePack(list: unknown[], file: string, origin: 'builtin' | 'user', lineOf: (i: number) => number = () => 1): Rule[] {
  return (list as RawRule[]).map((raw, i) => {
    const where = `${file}:${lineOf(i)} (rule ${i + 1})`;
    const bad = (field: string, why: string, hint?: string) =>
      new CiError('E_RULES_INVALID', `${field} ${why}`, { where, hint: hint ?? 'see docs/pillars/autopsy.md "Rule packs"' });
    if (!raw || typeof raw !== 'object') throw bad('the rule', 'is not a mapping');
    for (const k of Object.keys(raw)) if (!FIELDS.has(k)) throw bad(`field ${k}`, 'is unknown', `known fields: ${[...FIELDS].join(', ')}`);
    if (typeof raw.id !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/i.test(raw.id)) throw bad('id', 'must be a word like py.initpkg.missing');
    if (typeof raw.tool !== 'string' || !(raw.tool === '*' || (TOOLS as readonly string[]).includes(raw.tool)))
      throw bad('tool', `${JSON.stringify(raw.tool)} is not a known tool`, `one of ${TOOLS.join(', ')}, or * for the surrounding tool`);
    if (typeof raw.category !== 'string' || !(CATEGORIES as readonly string[]).includes(raw.category))
      throw bad('category', `${JSON.stringify(raw.category)} is not a category`, `one of ${CATEGORIES.join(', ')}`);
    if (typeof raw.match !== 'string' || raw.match === '') throw bad('match', 'must be a non-empty regular expression');
    if (typeof raw.hint !== 'string' || raw.hint === '') throw bad('hint', 'must be a non-empty string (the suggested fix)');
    const severity = raw.severity ?? 'error';
    if (!(SEVERITIES as readonly unknown[]).includes(severity)) throw bad('severity', 'must be info, warn or error');
    if (raw.docs_uri !== undefined && (typeof raw.docs_uri !== 'string' || !/^https?:\/\/\S+$/.test(raw.docs_uri)))
      throw bad('docs_uri', 'must be an http(s) URL');
    const priority = raw.priority ?? DEFAULT_PRIORITY;
    if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > 100) throw bad('priority', 'must be a whole number 0..100');
    const flags = raw.flags ?? '';
    if (typeof flags !== 'string' || !/^[is]*$/.test(flags)) throw bad('flags', 'may only hold i (ignore case) and s (dot matches newline)');
    let match: Matcher;
    try {
      match = origin === 'builtin' ? jsMatcher(raw.match, flags) : re2Matcher(raw.match, flags);
    } catch (e) {
      throw bad(
        'match',
        `does not compile: ${(e as Error).message}`,
        origin === 'user' ? 'user rules use the RE2 dialect: no backreferences or lookarounds; named groups as (?P<file>...)' : undefined,
      );
    }
    return {
      id: raw.id,
      tool: raw.tool,
      category: raw.category as FailureCategory,
      match,
      hint: raw.hint,
      severity: severity as Severity,
      docs_uri: (raw.docs_uri as string | undefined) ?? null,
      priority,
      pack: file,
      origin,
    };
  });
}

/** Reads every `*.yml` / `*.yaml` of a folder (or one file), in name order. */
export function loadPacks(dirOrFile: string, origin: 'builtin' | 'user'): Rule[] {
  let files: string[];
  try {
    const st = statSync(dirOrFile);
    files = st.isDirectory()
      ? readdirSync(dirOrFile)
          .filter((n) => /\.ya?ml$/.test(n))
          .sort()
          .map((n) => path.join(dirOrFile, n))
      : [dirOrFile];
  } catch (e) {
    throw new CiError('E_INPUT_UNREADABLE', `cannot read rule pack ${dirOrFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      where: dirOrFile,
      hint: '--rules takes a folder of .yml packs or one .yml file',
    });
  }
  return files.flatMap((f) => parsePack(readFileSync(f, 'utf8'), origin === 'builtin' ? path.basename(f) : f, origin));
}

/**
 * The built-in packs as parsed YAML, `[{file, rules}]`, in name order. The build writes them to
 * `dist/.../rules/builtin-packs.json` (scripts/copy-assets.mjs): parsing 189 rules of YAML was
 * ~0.2 s of every `ci-intel autopsy` start.
 */
export function packDocuments(dir: string): Array<{ file: string; rules: unknown[] }> {
  return readdirSync(dir)
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()
    .map((n) => ({ file: n, rules: readPack(readFileSync(path.join(dir, n), 'utf8'), n).list }));
}

export const PREPARSED_PACKS = 'builtin-packs.json';

/** Rules from pre-parsed pack documents (the same checks as YAML packs, without line numbers). */
export function compileDocuments(docs: Array<{ file: string; rules: unknown[] }>, origin: 'builtin' | 'user'): Rule[] {
  return docs.flatMap((d) => compilePack(d.rules, d.file, origin));
}

let builtin: Rule[] | undefined;
/** The built-in packs (loaded once per process): pre-parsed when built, else from the YAML. */
export function builtinRules(): Rule[] {
  if (!builtin) {
    const pre = path.join(BUILTIN_RULES_DIR, PREPARSED_PACKS);
    builtin = existsSync(pre) ? compileDocuments(JSON.parse(readFileSync(pre, 'utf8')), 'builtin') : loadPacks(BUILTIN_RULES_DIR, 'builtin');
  }
  return builtin;
}

/** Built-in rules plus user packs; a user rule with a built-in's id replaces it. */
export function ruleSet(userDirs: string[] = []): Rule[] {
  const user = userDirs.flatMap((d) => loadPacks(d, 'user'));
  const ids = new Set<string>();
  for (const r of user) {
    if (ids.has(r.id)) throw new CiError('E_RULES_INVALID', `rule id ${r.id} is defined twice`, { where: r.pack, hint: 'rule ids must be unique' });
    ids.add(r.id);
  }
  return [...builtinRules().filter((r) => !ids.has(r.id)), ...user];
}
