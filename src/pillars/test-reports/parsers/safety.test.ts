// Hostile and broken inputs: entity attacks are refused before any expansion, errors name the
// place, deep nesting does not crash, gzip is read, nothing is capped by size.
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CiError } from '../../../core/errors.js';
import { parseReport } from './index.js';

const run = (s: string | Buffer, format?: 'junit') => parseReport(Readable.from([Buffer.from(s)]), { name: 'r.xml', format });
const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return null;
  } catch (e) {
    return e instanceof CiError ? `${e.code} ${e.where}` : String(e);
  }
};

describe('XML safety', () => {
  it('refuses external entities (XXE) and billion laughs with a clear error', async () => {
    const xxe =
      '<?xml version="1.0"?>\n<!DOCTYPE testsuites [\n  <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n<testsuites><testsuite><testcase classname="a" name="&xxe;"/></testsuite></testsuites>';
    expect(await code(run(xxe))).toBe('E_REPORT_UNSAFE r.xml:4');
    const lol = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE lolz [',
      ' <!ENTITY lol "lol">',
      ...Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`),
      ']>',
      '<testsuites><testcase classname="a" name="&lol9;"/></testsuites>',
    ].join('\n');
    const err = await run(lol).catch((e: CiError) => e);
    expect(err).toBeInstanceOf(CiError);
    expect((err as CiError).code).toBe('E_REPORT_UNSAFE');
    expect((err as CiError).message).toMatch(/entities.*refused/);
    expect(await code(run('<!DOCTYPE testsuites SYSTEM "http://127.0.0.1:1/x.dtd"><testsuites/>'))).toBe('E_REPORT_UNSAFE r.xml:1');
    // A plain DOCTYPE without declarations is harmless.
    expect((await run('<!DOCTYPE testsuites><testsuites><testcase classname="a" name="b"/></testsuites>')).tests).toBe(1);
  });

  it('undefined entities, truncation and wrong roots name file:line:column', async () => {
    expect(await code(run('<testsuites>\n<testcase classname="a" name="&nbsp;"/></testsuites>'))).toMatch(/^E_REPORT_MALFORMED r\.xml:2:\d+$/);
    expect(await code(run('<testsuites>\n<testsuite>\n<testcase name="x">'))).toMatch(/^E_REPORT_MALFORMED r\.xml:3/);
    // Detected: not a report format; told to read it as JUnit: the root is wrong, at line 1.
    expect(await code(run('<html><body/></html>'))).toBe('E_FORMAT_UNKNOWN r.xml');
    expect(await code(run('<html><body/></html>', 'junit'))).toMatch(/^E_REPORT_MALFORMED r\.xml:1/);
    expect(await code(run(''))).toBe('E_REPORT_MALFORMED r.xml');
  });

  it('the JUnit tokenizer refuses what breaks the structure, naming the line (D-tests-6)', async () => {
    // Documents by the line their error is on.
    const byLine: Record<number, string[]> = {
      1: [
        '<testsuites><testcase name="a"><failure>x &amp y</failure></testcase>\n</testsuites>',
        '<testsuites><testcase name="a &#0;"/></testsuites>',
        '<testsuites></testsuite>',
      ],
      2: [
        '<testsuites>\n<testcase name="a<b"/></testsuites>',
        '<testsuites>\n<testcase name=a/></testsuites>',
        '<testsuites>\n<testcase name="a" name="b"/></testsuites>',
        '<testsuites/>\n<testsuites/>',
        '<testsuites/>\ntrailing',
        '<testsuites>\n<!-- never closed',
        '<testsuites>\n<testcase name="a"',
        '<testsuites>\n<testcase name="a"><failure><![CDATA[never closed',
      ],
      3: ['<testsuites>\n<testsuite>\n<testcase name="a"></testsuite>\n</testcase></testsuites>'],
    };
    const bad = Object.entries(byLine).flatMap(([line, docs]) =>
      docs.map((d): [string, RegExp] => [d, new RegExp(`^E_REPORT_MALFORMED r\\.xml:${line}:\\d+$`)]),
    );
    for (const [xml, want] of bad) expect([xml, await code(run(xml))]).toEqual([xml, expect.stringMatching(want)]);
    // Terminal colour codes in captured output are control characters XML forbids; saxes refused the
    // whole report, the tokenizer keeps it (D-tests-6).
    const s = await run(
      '<testsuites><testcase classname="c" name="n"><failure>\u001b[31mred\u001b[0m</failure><system-out>\u001b[1m</system-out></testcase></testsuites>',
    );
    expect([s.tests, s.failed]).toEqual([1, 1]);
  });

  it('survives 100,000 levels of nesting', async () => {
    const depth = 100_000;
    const xml =
      '<testsuites>' + '<testsuite name="s">'.repeat(depth) + '<testcase classname="deep" name="t"/>' + '</testsuite>'.repeat(depth) + '</testsuites>';
    const s = await run(xml);
    expect(s.tests).toBe(1);
  });

  it('reads gzip-compressed reports', async () => {
    const s = await run(gzipSync('<testsuite name="x"><testcase classname="a" name="b"><failure/></testcase></testsuite>'));
    expect([s.format, s.tests, s.failed]).toEqual(['junit', 1, 1]);
    expect(await code(run(Buffer.concat([gzipSync('<testsuite>'), Buffer.from('garbage')]).subarray(0, 20)))).toMatch(/^E_REPORT_MALFORMED/);
  });

  it('go test -json: a malformed event names its line', async () => {
    const s = '{"Action":"run","Package":"p","Test":"T"}\n{"Action":"pass","Package":"p","Test":"T"\n';
    expect(await code(parseReport(Readable.from([Buffer.from(s)]), { name: 'g.json' }))).toBe('E_REPORT_MALFORMED g.json:2');
  });
});
