// Which report format a file is, from its first bytes: the XML root element, the first JSON event or
// the keys of a JSON document, the shape of a text report. When none fits, `describe` says what the
// file looks like, for the error that lists the formats read.
import type { ReportFormat } from './types.js';

/** XML root element → format. */
const XML_ROOT: Record<string, ReportFormat> = {
  testsuites: 'junit',
  testsuite: 'junit',
  testrun: 'junit',
  TestRun: 'trx',
  'test-run': 'nunit',
  'test-results': 'nunit',
  'test-suite': 'nunit',
  assemblies: 'xunit-net',
  assembly: 'xunit-net',
};

/** The name of the first element after the prolog (declaration, comments, DOCTYPE), or null if cut off. */
export function xmlRoot(t: string): string | null {
  let i = 0;
  for (;;) {
    while (i < t.length && /\s/.test(t[i]!)) i++;
    if (t.startsWith('<?', i)) i = t.indexOf('?>', i);
    else if (t.startsWith('<!--', i)) i = t.indexOf('-->', i);
    else if (t.startsWith('<!', i)) {
      // A DOCTYPE, with an internal subset in brackets or not.
      const br = t.indexOf('[', i);
      const gt = t.indexOf('>', i);
      i = br !== -1 && br < gt ? t.indexOf(']', br) : gt;
    } else break;
    if (i === -1) return null;
    i += 1;
    while (t[i] === '>' || t[i] === '-' || t[i] === '?' || t[i] === ']') i++;
  }
  const m = /^<([A-Za-z_:][\w:.-]*)/.exec(t.slice(i, i + 256));
  return m ? m[1]! : null;
}

/** The top-level keys of a JSON object from its start (the whole document may not be in the head). */
function jsonKeys(t: string): Set<string> {
  try {
    const v = JSON.parse(t) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return new Set(Object.keys(v));
  } catch {
    // cut off: the keys seen at the start of a line or after the opening brace
  }
  return new Set([...t.matchAll(/(?:^\{|^\s{0,4}|,)\s*"(\w+)"\s*:/gm)].map((m) => m[1]!));
}

/** Guesses the format from the start of a report (already decompressed). */
export function detectFormat(head: string): ReportFormat | null {
  const t = head.replace(/^\uFEFF/, '').trimStart();
  if (t.startsWith('<')) {
    const root = xmlRoot(t);
    // A prolog longer than the head: let the JUnit reader say what is wrong.
    if (root === null) return 'junit';
    return XML_ROOT[root] ?? null;
  }
  // go test -json: events one per line; plain `FAIL pkg [build failed]` lines may come first.
  if (/^\{\s*"(Time|Action|Package|ImportPath)"\s*:/m.test(t) && /"Action"\s*:\s*"(run|output|pass|fail|skip|start|build-output|build-fail)"/.test(t))
    return 'go-test-json';
  const first = t.slice(0, t.indexOf('\n') === -1 ? t.length : t.indexOf('\n'));
  // Dart/Flutter --reporter json: the first event is {"protocolVersion":…,"type":"start"}.
  if (first.startsWith('{') && /"protocolVersion"\s*:/.test(first) && /"type"\s*:\s*"start"/.test(first)) return 'dart-json';
  // libtest --format json (cargo test -- -Z unstable-options --format json), possibly after cargo's own lines.
  if (/^\{ ?"type": ?"(suite|test)", ?"(event|name)"/m.test(t)) return 'cargo-test-text';
  if (t.startsWith('{')) {
    const keys = jsonKeys(t);
    if (keys.has('results') || keys.has('reportFormat')) return 'ctrf';
    if (keys.has('stats') && keys.has('tests')) return 'mocha-json';
    if (keys.has('examples') && (keys.has('version') || keys.has('summary') || keys.has('summary_line'))) return 'rspec-json';
    if (keys.has('stats') && /^\{\s*"stats"\s*:/.test(t)) return 'mocha-json';
    return null;
  }
  if (/^TAP version \d+/m.test(t) || /^(1\.\.\d+|(not )?ok\b)/m.test(t)) {
    // libtest also prints `test x ... ok`; TAP test points start the line with ok / not ok.
    if (!/^running \d+ tests?$/m.test(t)) return 'tap';
  }
  if (/^running \d+ tests?$/m.test(t) || /^test .+ \.\.\. (ok|FAILED|ignored)/m.test(t) || /^\s*(Running|Doc-tests) /m.test(t) || /^test result: /m.test(t))
    return 'cargo-test-text';
  return null;
}

/** What an undetected report looks like, for the error message. */
export function describeHead(head: string): string {
  const t = head.replace(/^\uFEFF/, '').trimStart();
  if (t.startsWith('<')) {
    const root = xmlRoot(t);
    return root ? `an XML document whose root element is <${root}>` : 'XML-like text without a root element';
  }
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      const v = JSON.parse(t) as unknown;
      if (Array.isArray(v)) return `a JSON array of ${v.length} items`;
      const keys = Object.keys(v as object);
      return keys.length ? `a JSON object with the keys ${keys.slice(0, 8).join(', ')}` : 'an empty JSON object';
    } catch (e) {
      if (t.length < 64 * 1024) return `text that starts like JSON but is not valid JSON (${(e as Error).message})`;
      const keys = [...jsonKeys(t)];
      return keys.length ? `a JSON document with the keys ${keys.slice(0, 8).join(', ')}` : 'a JSON document';
    }
  }
  const line = t.split('\n', 1)[0]!.slice(0, 60);
  return `text starting with ${JSON.stringify(line)}`;
}
