// Reads any supported mutation report into the one internal shape (issue 6 "Reports in"): the
// format is given or detected from the content; a folder is searched for the file its tool writes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { CiError } from '../../../core/errors.js';
import { unreadable } from '../../../core/input.js';
import { finalizeReport } from '../identity.js';
import { REPORT_FORMATS, type MutationReport, type ReportFormat } from '../model.js';
import { parseCargoMutants, isCargoMutants } from './cargo-mutants.js';
import { isGoMutestingJson, isGoMutestingText, parseGoMutestingJson, parseGoMutestingText } from './go-mutesting.js';
import { isObject, parseJson } from './json.js';
import { isMutmutJson, isMutmutResults, parseMutmutJson, parseMutmutResults } from './mutmut.js';
import { isPitXml, parsePit } from './pit.js';
import { isStrykerReport, parseStryker } from './stryker.js';

export interface ParseOptions {
  /** Force a format instead of detecting it. */
  format?: ReportFormat;
  /** Project root, for tools that print absolute paths (go-mutesting). */
  root?: string;
}

/** Largest report read from disk (a 100k-mutant StrykerJS report is ~40 MB). */
export const MAX_REPORT_BYTES = 1024 * 1024 * 1024;

export function parseFormat(v: unknown): ReportFormat | undefined {
  if (v === undefined || v === null || v === '' || v === 'auto') return undefined;
  if (!(REPORT_FORMATS as readonly string[]).includes(String(v))) {
    throw new CiError('E_USAGE', `--format ${String(v)} is not a known report format`, { hint: `use one of: auto, ${REPORT_FORMATS.join(', ')}` });
  }
  return v as ReportFormat;
}

const unknownFormat = (name: string) =>
  new CiError('E_MUTATION_FORMAT_UNKNOWN', 'cannot tell which mutation tool wrote this report', {
    where: name,
    hint: `pass --format (${REPORT_FORMATS.join(', ')}); supported: StrykerJS/Stryker.NET/Stryker4s JSON, PIT mutations.xml, mutmut .meta or results, go-mutesting output or report.json, cargo-mutants outcomes.json`,
  });

/** Parses report text (any supported format) and fingerprints its mutants. */
export function parseReportText(text: string, name: string, opts: ParseOptions = {}): MutationReport {
  // Only the head decides the format: never copy a report of hundreds of MB to look at it.
  const trimmed = text
    .slice(0, 65536)
    .replace(/^\uFEFF/, '')
    .trimStart();
  const f = opts.format;
  let report: MutationReport;
  if (f === 'pit' || (!f && trimmed.startsWith('<'))) {
    if (!f && !isPitXml(trimmed)) throw unknownFormat(name);
    report = parsePit(text, name);
  } else if (trimmed.startsWith('{') && f !== 'go-mutesting' && f !== 'mutmut') {
    report = parseJsonReport(parseJson(text, name, 'the report'), name, opts);
  } else if (f === 'go-mutesting' || (!f && isGoMutestingText(text))) {
    report = trimmed.startsWith('{') ? parseJsonReport(parseJson(text, name, 'the report'), name, opts) : parseGoMutestingText(text, name, opts);
  } else if (f === 'mutmut' || (!f && isMutmutResults(text))) {
    report = trimmed.startsWith('{') ? parseJsonReport(parseJson(text, name, 'the report'), name, opts) : parseMutmutResults(text, name);
  } else throw unknownFormat(name);
  return finalizeReport(report);
}

function parseJsonReport(doc: unknown, name: string, opts: ParseOptions): MutationReport {
  const f = opts.format;
  if (f === 'stryker' || (!f && isStrykerReport(doc))) return parseStryker(doc, name);
  if (!isObject(doc)) throw unknownFormat(name);
  if (f === 'cargo-mutants' || (!f && isCargoMutants(doc))) {
    if (!isCargoMutants(doc))
      throw new CiError('E_MUTATION_REPORT_INVALID', 'no `outcomes` array', { where: `${name}: /outcomes`, hint: 'pass mutants.out/outcomes.json' });
    return parseCargoMutants(doc, name);
  }
  if (f === 'mutmut' || (!f && isMutmutJson(doc))) {
    if (!isMutmutJson(doc))
      throw new CiError('E_MUTATION_REPORT_INVALID', 'no `exit_code_by_key` map', {
        where: name,
        hint: 'pass a mutants/**/*.meta file or the mutants/ folder',
      });
    return parseMutmutJson(doc, name);
  }
  if (f === 'go-mutesting' || (!f && isGoMutestingJson(doc))) return parseGoMutestingJson(doc, name, opts);
  throw unknownFormat(name);
}

function readCapped(file: string): string {
  let size: number;
  try {
    const s = statSync(file);
    size = s.size;
  } catch (e) {
    throw unreadable(file, e);
  }
  if (size > MAX_REPORT_BYTES) throw new CiError('E_INPUT_UNREADABLE', `${file} is ${size} bytes, over the ${MAX_REPORT_BYTES}-byte cap`, { where: file });
  return readFileSync(file, 'utf8');
}

function walk(dir: string, match: (name: string) => boolean, out: string[] = [], depth = 0): string[] {
  if (depth > 12) return out;
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name === 'node_modules' || e.name === '.git') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, match, out, depth + 1);
    else if (match(e.name)) out.push(p);
  }
  return out;
}

/**
 * The report text behind a path: the file itself, or in a folder the file its tool writes
 * (`reports/mutation/mutation.json` StrykerJS, `mutants.out/outcomes.json` cargo-mutants,
 * `report.json` go-mutesting, `target/pit-reports/**\/mutations.xml` PIT) or, for mutmut, its
 * `mutants/**\/*.meta` files combined as `{"<meta path>": {exit_code_by_key}}`.
 */
export function loadReportInput(p: string, format?: ReportFormat): { text: string; name: string } {
  let st;
  try {
    st = statSync(p);
  } catch (e) {
    throw unreadable(p, e);
  }
  if (!st.isDirectory()) return { text: readCapped(p), name: p };
  const metas = walk(p, (n) => n.endsWith('.meta'));
  if (metas.length && (!format || format === 'mutmut')) {
    const bundle: Record<string, unknown> = {};
    for (const m of metas) bundle[path.relative(path.dirname(p), m).split(path.sep).join('/')] = parseJson(readCapped(m), m, 'the mutmut meta file');
    return { text: JSON.stringify(bundle), name: p };
  }
  for (const candidate of ['reports/mutation/mutation.json', 'mutation.json', 'mutants.out/outcomes.json', 'outcomes.json', 'report.json']) {
    const f = path.join(p, candidate);
    try {
      if (statSync(f).isFile()) return { text: readCapped(f), name: f };
    } catch {
      /* next */
    }
  }
  const pit = walk(p, (n) => n === 'mutations.xml');
  if (pit.length) return { text: readCapped(pit[pit.length - 1]!), name: pit[pit.length - 1]! };
  throw new CiError('E_INPUT_UNREADABLE', `no mutation report found in folder ${p}`, {
    where: p,
    hint: 'pass the report file itself (reports/mutation/mutation.json, mutations.xml, mutants.out/outcomes.json ...)',
  });
}

/** Reads and parses a report file or folder (see loadReportInput). */
export function readReport(p: string, opts: ParseOptions = {}): MutationReport {
  const input = loadReportInput(p, opts.format);
  return parseReportText(input.text, input.name, opts);
}
