// What every XML report reader shares: the streaming tokenizer (xml-scan.ts) wired to a reader that
// says when it wants text, the refusal of entity declarations, and the error for a root element the
// reader does not read. JUnit, TRX, NUnit and xUnit.net readers are fed through it.
import { CiError } from '../../../core/errors.js';
import { type Attrs, XmlScanner } from './xml-scan.js';

export interface XmlReader {
  open(name: string, attrs: Attrs | null): void;
  close(name: string): void;
  text(t: string): void;
  comment?(c: string, depth: number): void;
  doctype(d: string): void;
  /** True while the reader wants the text of the open element. */
  readonly capturing: boolean;
  /** After the last element. */
  finish(name: string): void;
}

/** Streams `input` through the tokenizer into the reader `make` builds (`where()` names file:line). */
export async function driveXml(input: AsyncIterable<Buffer>, name: string, keep: ReadonlySet<string>, make: (where: () => string) => XmlReader): Promise<void> {
  // eslint-disable-next-line prefer-const
  let scanner: XmlScanner;
  const reader = make(() => scanner.whereLine());
  // The scanner asks `capturing` after every tag; the reader says whether a body it keeps is open.
  scanner = new XmlScanner(
    {
      open(n, a) {
        reader.open(n, a);
        scanner.capturing = reader.capturing;
      },
      close(n) {
        reader.close(n);
        scanner.capturing = reader.capturing;
      },
      text: (t) => reader.text(t),
      comment: (c, depth) => reader.comment?.(c, depth),
      doctype: (d) => reader.doctype(d),
    },
    keep,
    name,
  );
  for await (const chunk of input) scanner.write(chunk);
  scanner.end();
  reader.finish(name);
}

/** Refuses a DOCTYPE that declares entities or names an external DTD (XXE, billion laughs). */
export function refuseDoctype(dt: string, where: string): void {
  if (/<!ENTITY/i.test(dt) || /\b(SYSTEM|PUBLIC)\b/.test(dt)) {
    throw new CiError(
      'E_REPORT_UNSAFE',
      'the report declares XML entities or an external DTD; refused (entity expansion is how XXE and billion-laughs attacks work)',
      {
        where,
        hint: 'test runners never write a DOCTYPE: regenerate the report with the runner, or remove the DOCTYPE',
      },
    );
  }
}

/** The root element of each XML report format, for messages. */
export const XML_ROOTS = 'JUnit <testsuites>/<testsuite>, TRX <TestRun>, NUnit <test-run>/<test-results>, xUnit.net <assemblies>';

export function wrongRoot(root: string, expected: string, where: string): CiError {
  return new CiError('E_REPORT_MALFORMED', `the XML root element is <${root}>, not ${expected}`, {
    where,
    hint: `the test report formats read from XML are ${XML_ROOTS}; leave out --format to detect the format`,
  });
}

/** XML 1.0 forbids these characters even as references; a report holding one is corrupt. */
const FORBIDDEN = /[\x00-\x08\x0b\x0c\x0e-\x1f]/;
export function checkChars(text: string, where: string): void {
  const m = FORBIDDEN.exec(text);
  if (m)
    throw new CiError(
      'E_REPORT_MALFORMED',
      `not well-formed XML: the control character U+${m[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()} in text`,
      {
        where,
        hint: 'XML 1.0 does not allow control characters; the runner wrote raw output into the report — regenerate it or strip them',
      },
    );
}

/** Seconds as a decimal string to milliseconds, or null. */
export function secondsMs(v: string | undefined): number | null {
  if (v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 1_000_000) / 1000 : null;
}
