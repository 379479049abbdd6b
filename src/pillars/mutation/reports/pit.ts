// PIT's mutations.xml (pitest's XMLReportListener): one <mutation detected status ...> element per
// mutant with sourceFile, mutatedClass, mutatedMethod, methodDescription, lineNumber, mutator,
// index(es), block(s), killingTest(s), description. Parsed with saxes (streaming, no entity
// expansion). Statuses are pitest's DetectionStatus values.
import { SaxesParser } from 'saxes';
import { CiError } from '../../../core/errors.js';
import type { MutantRecord, MutationReport, ReportStatus } from '../model.js';

const STATUS: Record<string, ReportStatus> = {
  KILLED: 'killed',
  SURVIVED: 'survived',
  NO_COVERAGE: 'no_coverage',
  TIMED_OUT: 'timeout',
  // Both are the JVM failing under the mutant, not a test noticing it (mutation-testing-elements'
  // PIT plugin maps them to RuntimeError too).
  MEMORY_ERROR: 'runtime_error',
  RUN_ERROR: 'runtime_error',
  // Rejected by the JVM's verifier: the mutant never ran, like a compile error.
  NON_VIABLE: 'compile_error',
  STARTED: 'pending',
  NOT_STARTED: 'pending',
};

const FIELDS = new Set([
  'sourceFile',
  'mutatedClass',
  'mutatedMethod',
  'methodDescription',
  'lineNumber',
  'mutator',
  'index',
  'killingTest',
  'killingTests',
  'description',
]);

/** `com.example.Foo$Inner` + `Foo.java` → `com/example/Foo.java` (the path PIT's HTML report uses). */
function sourcePath(mutatedClass: string, sourceFile: string): string {
  const dot = mutatedClass.lastIndexOf('.');
  return dot < 0 ? sourceFile : `${mutatedClass.slice(0, dot).replace(/\./g, '/')}/${sourceFile}`;
}

export function isPitXml(text: string): boolean {
  return /<mutations[\s>]/.test(text.slice(0, 4096));
}

export function parsePit(text: string, name: string): MutationReport {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const mutants: MutantRecord[] = [];
  let cur: { attrs: Record<string, string>; fields: Record<string, string>; line: number } | null = null;
  let field: string | null = null;
  let textBuf = '';
  let sawRoot = false;
  let failure: CiError | null = null;
  const fail = (message: string, line: number) => {
    failure ??= new CiError('E_MUTATION_REPORT_INVALID', message, { where: `${name}:${line}`, hint: 'pass the mutations.xml PIT wrote (outputFormats XML)' });
  };
  parser.on('opentag', (node) => {
    if (node.name === 'mutations') sawRoot = true;
    else if (node.name === 'mutation') {
      cur = { attrs: node.attributes as Record<string, string>, fields: {}, line: parser.line };
    } else if (cur && FIELDS.has(node.name)) {
      field = node.name;
      textBuf = '';
    }
  });
  parser.on('text', (t) => {
    if (field) textBuf += t;
  });
  parser.on('closetag', (node) => {
    if (cur && field && node.name === field) {
      // The first <index> wins (PIT 1.6+ writes <indexes><index>..</index></indexes>).
      if (!(field in cur.fields)) cur.fields[field] = textBuf.trim();
      field = null;
    } else if (node.name === 'mutation' && cur) {
      const c = cur as { attrs: Record<string, string>; fields: Record<string, string>; line: number };
      cur = null;
      const raw = c.attrs.status ?? '';
      const status = STATUS[raw];
      if (!status) return fail(`unknown PIT status ${JSON.stringify(raw)} (expected ${Object.keys(STATUS).join(', ')})`, c.line);
      const f = c.fields;
      if (!f.sourceFile || !f.mutatedClass || !f.lineNumber) return fail('a <mutation> lacks sourceFile, mutatedClass or lineNumber', c.line);
      const line = Number(f.lineNumber);
      if (!Number.isInteger(line) || line < 0) return fail(`lineNumber ${JSON.stringify(f.lineNumber)} is not a line number`, c.line);
      const mutator = (f.mutator ?? 'unknown').split('.').pop()!;
      const killers = f.killingTests ?? f.killingTest;
      mutants.push({
        id: `pit-${mutants.length + 1}`,
        fingerprint: '',
        file: sourcePath(f.mutatedClass, f.sourceFile),
        mutator,
        replacement: null,
        description: f.description || null,
        status,
        statusReason: null,
        start: { line, column: 0 },
        end: { line, column: 0 },
        scope: `${f.mutatedClass}#${f.mutatedMethod ?? ''}${f.methodDescription ?? ''}`,
        coveredBy: c.attrs.numberOfTestsRun !== undefined ? Number(c.attrs.numberOfTestsRun) : null,
        killedBy: killers ? killers.split('|').filter(Boolean) : null,
        diff: null,
      });
    }
  });
  parser.on('error', (e) => fail(`malformed XML: ${e.message}`, parser.line));
  try {
    parser.write(text).close();
  } catch (e) {
    fail(`malformed XML: ${(e as Error).message}`, parser.line);
  }
  const failed = failure as CiError | null; // set inside the parser's callbacks
  if (failed) throw failed;
  if (!sawRoot) throw new CiError('E_MUTATION_REPORT_INVALID', 'no <mutations> root element', { where: name, hint: 'pass the mutations.xml PIT wrote' });
  return { format: 'pit', tool: 'PIT', files: {}, mutants };
}
