// Cobertura and JaCoCo XML, streamed through saxes like the JUnit parser. JaCoCo reports carry a
// PUBLIC DOCTYPE naming report.dtd; saxes never loads it, so it is allowed — but a DOCTYPE that
// declares entities is refused (XXE, billion laughs), never expanded.
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { CiError } from '../../../core/errors.js';
import { acc, finish, type CoverageReport, type FileAcc } from './types.js';

async function sax(
  input: AsyncIterable<Buffer>,
  name: string,
  on: { open(tag: SaxesTagPlain, p: SaxesParser): void; close(tag: SaxesTagPlain): void },
): Promise<void> {
  const parser = new SaxesParser({ xmlns: false, position: true, fileName: name });
  let error: unknown = null;
  parser.on('doctype', (dt) => {
    if (/<!ENTITY/i.test(dt))
      error ??= new CiError('E_REPORT_UNSAFE', 'the report declares XML entities; refused (entity expansion is how XXE and billion-laughs attacks work)', {
        where: `${name}:${parser.line}`,
        hint: 'regenerate the report with the coverage tool; none of them declares entities',
      });
  });
  parser.on('opentag', (t) => {
    try {
      on.open(t, parser);
    } catch (e) {
      error ??= e;
    }
  });
  parser.on('closetag', (t) => on.close(t));
  await streamSaxes(
    parser,
    input,
    name,
    'the report is truncated or corrupt; regenerate it',
    () => error,
    (e) => (error ??= e),
  );
}

/**
 * Streams `input` through a saxes parser. saxes's own errors become E_REPORT_MALFORMED naming
 * file:line:column; `pending()` is the first error the handlers raised, thrown as soon as it exists.
 */
export async function streamSaxes(
  parser: SaxesParser,
  input: AsyncIterable<Buffer>,
  name: string,
  hint: string,
  pending: () => unknown,
  fail: (e: unknown) => void,
): Promise<void> {
  parser.on('error', (e) => {
    fail(
      new CiError('E_REPORT_MALFORMED', `not well-formed XML: ${e.message.replace(/^.*?:\d+:\d+: /, '')}`, {
        where: `${name}:${parser.line}:${parser.column}`,
        hint,
      }),
    );
  });
  const check = () => {
    const e = pending() as Error | null | undefined; // what a handler raised: an error
    if (e) throw e;
  };
  const decoder = new TextDecoder('utf-8');
  for await (const c of input) {
    parser.write(decoder.decode(c, { stream: true }));
    check();
  }
  parser.write(decoder.decode());
  check();
  parser.close();
  check();
}

/** Cobertura (coverage.py `coverage xml`, gcovr, istanbul's cobertura reporter): class-level <lines>. */
export async function parseCobertura(input: AsyncIterable<Buffer>, name: string): Promise<CoverageReport> {
  const files = new Map<string, FileAcc>();
  let cls: FileAcc | null = null;
  let inMethod = 0;
  let root = true;
  await sax(input, name, {
    open(t, p) {
      if (root) {
        root = false;
        if (t.name !== 'coverage')
          throw new CiError('E_REPORT_MALFORMED', `the root element is <${t.name}>, not Cobertura's <coverage>`, {
            where: `${name}:${p.line}`,
            hint: 'pass --format for another coverage format',
          });
      }
      if (t.name === 'class') cls = acc(files, t.attributes.filename ?? t.attributes.name ?? '');
      else if (t.name === 'method') inMethod++;
      else if (t.name === 'line' && cls && inMethod === 0) {
        const n = Number(t.attributes.number);
        if (!Number.isInteger(n)) return;
        cls.line(n, Number(t.attributes.hits) || 0);
        const cc = /\((\d+)\/(\d+)\)/.exec(t.attributes['condition-coverage'] ?? '');
        if (t.attributes.branch === 'true' && cc) {
          cls.branches.covered += Number(cc[1]);
          cls.branches.total += Number(cc[2]);
        }
      }
    },
    close(t) {
      if (t.name === 'class') cls = null;
      else if (t.name === 'method') inMethod--;
    },
  });
  return finish('cobertura', files);
}

/** JaCoCo XML: per <sourcefile>, <line nr mi ci mb cb> and INSTRUCTION counters (as statements). */
export async function parseJacoco(input: AsyncIterable<Buffer>, name: string): Promise<CoverageReport> {
  const files = new Map<string, FileAcc>();
  let pkg = '';
  let src: FileAcc | null = null;
  let root = true;
  await sax(input, name, {
    open(t, p) {
      if (root) {
        root = false;
        if (t.name !== 'report')
          throw new CiError('E_REPORT_MALFORMED', `the root element is <${t.name}>, not JaCoCo's <report>`, {
            where: `${name}:${p.line}`,
            hint: 'pass --format for another coverage format',
          });
      }
      const a = t.attributes;
      if (t.name === 'package') pkg = a.name ?? '';
      else if (t.name === 'sourcefile') {
        src = acc(files, pkg ? `${pkg}/${a.name}` : (a.name ?? ''));
        src.hasStatements = true;
      } else if (src && t.name === 'line') {
        const mi = Number(a.mi) || 0;
        const ci = Number(a.ci) || 0;
        const mb = Number(a.mb) || 0;
        const cb = Number(a.cb) || 0;
        if (mi + ci > 0) src.line(Number(a.nr), ci);
        src.branches.covered += cb;
        src.branches.total += mb + cb;
      } else if (src && t.name === 'counter' && a.type === 'INSTRUCTION') {
        src.statements.covered += Number(a.covered) || 0;
        src.statements.total += (Number(a.covered) || 0) + (Number(a.missed) || 0);
      }
    },
    close(t) {
      if (t.name === 'sourcefile') src = null;
      else if (t.name === 'package') pkg = '';
    },
  });
  return finish('jacoco', files);
}
