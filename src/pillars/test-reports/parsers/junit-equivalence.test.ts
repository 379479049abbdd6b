// The JUnit tokenizer (xml-scan.ts) against the reference (saxes, junit-sax.ts), both driving the same
// JunitReader (D-tests-6): every fixture and corpus report, and generated documents fed in random
// chunk sizes, give the same cases (ids, statuses, attempts, durations, messages) and the same
// summary; truncated and mis-nested documents are refused by both.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CiError } from '../../../core/errors.js';
import type { TestCase } from '../../../core/model/index.js';
import { CORPUS, FIXTURES } from '../fixtures/paths.js';
import { Assembler } from './assemble.js';
import { parseJunit } from './junit.js';
import { parseJunitSax } from './junit-sax.js';
import type { ReportParser } from './types.js';

function chunks(buf: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  return Readable.from(parts);
}

async function run(parser: ReportParser, xml: Buffer, size: number): Promise<{ cases: TestCase[]; summary: unknown } | { error: string }> {
  const cases: TestCase[] = [];
  const asm = new Assembler((c) => cases.push(c));
  try {
    await parser(chunks(xml, size), asm, 'r.xml');
  } catch (e) {
    if (e instanceof CiError) return { error: e.code };
    throw e;
  }
  return { cases, summary: asm.summary('junit') };
}

const both = async (xml: Buffer | string, size = 256 * 1024) => {
  const b = Buffer.isBuffer(xml) ? xml : Buffer.from(xml);
  return { ours: await run(parseJunit, b, size), ref: await run(parseJunitSax, b, size) };
};

/** Every JUnit XML report the tests hold: the real runners' fixtures and the shared corpus. */
function reports(): string[] {
  const out: string[] = [];
  const dir = path.join(FIXTURES, 'reports');
  for (const runner of readdirSync(dir, { withFileTypes: true })) {
    if (!runner.isDirectory()) continue;
    for (const f of readdirSync(path.join(dir, runner.name))) if (f.endsWith('.xml')) out.push(path.join(dir, runner.name, f));
  }
  for (const f of readdirSync(path.join(CORPUS, 'files'))) if (f.endsWith('.xml')) out.push(path.join(CORPUS, 'files', f));
  return out;
}

describe('JUnit tokenizer = saxes reference', () => {
  const files = reports();
  it('finds the reports', () => {
    expect(files.length).toBeGreaterThanOrEqual(9);
  });
  for (const f of files) {
    it(path.relative(path.join(FIXTURES, '../../../..'), f), async () => {
      const xml = readFileSync(f);
      const { ours, ref } = await both(xml);
      expect('cases' in ref && ref.cases.length).toBeGreaterThan(0);
      expect(ours).toEqual(ref);
      // Chunk boundaries anywhere (in tags, entities, CDATA, multi-byte characters) change nothing.
      for (const size of [1, 7, 64, 1000]) expect((await both(xml, size)).ours).toEqual(ref);
    });
  }

  it('the same on CRLF files, tabs and newlines in attributes, character references, comments and PIs', async () => {
    const xml = [
      '\uFEFF<?xml version="1.0" encoding="UTF-8"?>',
      '<!-- a comment -->',
      '<!DOCTYPE testsuites>',
      '<testsuites name="x" time="1.5">',
      '<?pi data?>',
      '  <testsuite name="s&#9;1" tests="3">',
      '    <properties><property name="a" value="b > c"/></properties>',
      '    <testcase classname="C&#x41;" name="a\tb\r\nc&#10;d" time="0.0000001">',
      '      <failure message="m &apos;q&apos; &#233;" type="T"><![CDATA[line1\r\nline2\rline3]]> tail &amp; &#x1F600;</failure>',
      '      <system-out>out &lt; <![CDATA[x]]></system-out>',
      '    </testcase>',
      "    <testcase classname='single' name='q \"x\"' time='1,234.5'><skipped/></testcase>",
      '    <testcase name="no classname" time="2e-3"><error message="failed on teardown with x">body</error></testcase>',
      '  </testsuite>',
      '</testsuites>',
      '<!-- tests 3 -->',
    ].join('\r\n');
    const { ours, ref } = await both(xml);
    expect('cases' in ref).toBe(true);
    expect(ours).toEqual(ref);
    for (const size of [1, 2, 3, 5, 11]) expect((await both(xml, size)).ours).toEqual(ref);
  });

  const PIECES = ['a', ' ', '<', '>', '&', '"', "'", '\t', '\r\n', '\n', 'é', '𝄞', ']]>', ']]', '-->', '?>', '/>', '='];
  const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 6 }).map((p) => p.join(''));
  const escAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  const escText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/]]>/g, ']]&gt;');
  const cdata = (s: string) => `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
  const node = fc.record({
    kind: fc.constantFrom('passed', 'failure', 'error', 'skipped', 'flakyFailure', 'rerunError', 'other'),
    classname: text,
    name: fc.constantFrom('t1', 't2', 't3', 'a b'),
    message: text,
    body: text,
    cdata: fc.boolean(),
    time: fc.constantFrom('', '0.5', '1', '0.000001', 'x', '1e3'),
    comment: fc.boolean(),
  });
  const doc = fc.array(fc.array(node, { maxLength: 6 }), { minLength: 1, maxLength: 4 }).map((suites) =>
    [
      '<?xml version="1.0"?>\n<testsuites>',
      ...suites.map((cases, si) =>
        [
          `<testsuite name="s${si}" tests="${cases.length}">`,
          ...cases.map((c) => {
            const attrs = `classname="${escAttr(c.classname)}" name="${c.name}"${c.time ? ` time="${c.time}"` : ''}`;
            const body = c.cdata ? cdata(c.body) : escText(c.body);
            const note = c.comment ? `<!--${c.body.replace(/--/g, '')}-->` : '';
            if (c.kind === 'passed') return `<testcase ${attrs}/>${note}`;
            if (c.kind === 'other') return `<testcase ${attrs}><system-err x="${escAttr(c.message)}">${body}</system-err>${note}</testcase>`;
            return `<testcase ${attrs}>\n<${c.kind} message="${escAttr(c.message)}">${body}${note}</${c.kind}></testcase>`;
          }),
          '</testsuite>',
        ].join('\n'),
      ),
      '</testsuites>\n',
    ].join(''),
  );

  it('generated documents in random chunk sizes: the same cases and summary', async () => {
    await fc.assert(
      fc.asyncProperty(doc, fc.integer({ min: 1, max: 64 }), async (xml, size) => {
        const { ours, ref } = await both(xml, size);
        expect('cases' in ref).toBe(true);
        expect(ours).toEqual(ref);
      }),
      { numRuns: 300 },
    );
  });

  it('truncated anywhere, or with an end tag swapped: refused by both', async () => {
    await fc.assert(
      fc.asyncProperty(doc, fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 64 }), async (xml, at, size) => {
        const b = Buffer.from(xml);
        // Cut before the root's end tag is complete.
        const end = b.lastIndexOf('</testsuites>');
        const cut = b.subarray(0, Math.floor(at * (end + 12)));
        const { ours, ref } = await both(cut, size);
        expect(ref).toHaveProperty('error');
        expect(ours).toHaveProperty('error', 'E_REPORT_MALFORMED');
      }),
      { numRuns: 200 },
    );
    const swapped = '<testsuites><testsuite name="s"><testcase name="a"></testsuite></testcase></testsuites>';
    expect(await both(swapped)).toEqual({ ours: { error: 'E_REPORT_MALFORMED' }, ref: { error: 'E_REPORT_MALFORMED' } });
  });
});
