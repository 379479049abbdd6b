// Property-based (issue 5 "Tests"): random JUnit documents — random nesting, names and messages full
// of XML-special characters, CDATA or escaped text — parse to exactly the counts and ids they were
// built from, and survive a trip through CTRF.
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TestCase, TestStatus } from '../../../core/model/index.js';
import { toCtrf } from '../ctrf.js';
import { parseReport } from './index.js';

const PIECES = ['a', 'Z', '0', ' ', '<', '>', '&', '"', "'", '&amp;', '&quot;', ']]>', 'é', 'ß', '→', '𝄞', '\t', '\n', '::', '>', '/', '[1]', '\\'];
const text = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 8 }).map((p) => p.join(''));

const escAttr = (s: string, apos: boolean) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, apos ? '&apos;' : '&#39;')
    .replace(/\n/g, '&#10;')
    .replace(/\t/g, '&#9;');
const escText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const cdata = (s: string) => `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;

interface GenCase {
  classname: string;
  name: string;
  status: TestStatus;
  message: string;
  useCdata: boolean;
  time: number;
}
interface GenSuite {
  name: string;
  cases: GenCase[];
  children: GenSuite[];
}

const genCase = fc.record({
  classname: text,
  name: text,
  status: fc.constantFrom<TestStatus>('passed', 'failed', 'errored', 'skipped'),
  message: text,
  useCdata: fc.boolean(),
  time: fc.integer({ min: 0, max: 100_000 }),
});
const genSuite: fc.Arbitrary<GenSuite> = fc.letrec<{ suite: GenSuite }>((tie) => ({
  suite: fc.record({
    name: text,
    cases: fc.array(genCase, { maxLength: 5 }),
    children: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant<GenSuite[]>([]),
      fc.array(tie('suite') as fc.Arbitrary<GenSuite>, { maxLength: 3 }),
    ),
  }),
})).suite;

/** Writes the document; names get a unique suffix so every case is its own test. */
function render(root: GenSuite[], apos: boolean): { xml: string; cases: GenCase[] } {
  const all: GenCase[] = [];
  const suite = (s: GenSuite): string => {
    const inner = s.cases
      .map((c) => {
        const named = { ...c, name: `${c.name}#${all.length}` };
        all.push(named);
        const body = c.useCdata ? cdata(c.message) : escText(c.message);
        const attrs = `classname="${escAttr(named.classname, apos)}" name="${escAttr(named.name, apos)}" time="${(c.time / 1000).toFixed(3)}"`;
        if (c.status === 'passed') return `<testcase ${attrs}/>`;
        const tag = c.status === 'failed' ? 'failure' : c.status === 'errored' ? 'error' : 'skipped';
        return `<testcase ${attrs}><${tag} type="x">${body}</${tag}><system-out>${escText(c.message)}</system-out></testcase>`;
      })
      .join('\n');
    return `<testsuite name="${escAttr(s.name, apos)}">${inner}${s.children.map(suite).join('')}</testsuite>`;
  };
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>${root.map(suite).join('\n')}</testsuites>`;
  return { xml, cases: all };
}

/** Feeds the document in random chunk sizes (multi-byte characters split across chunks). */
function chunked(s: string, size: number): Readable {
  const buf = Buffer.from(s, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  return Readable.from(parts);
}

async function parse(xml: string, chunk: number) {
  const cases: TestCase[] = [];
  const summary = await parseReport(chunked(xml, chunk), { name: 'gen.xml', onCase: (c) => cases.push(c) });
  return { summary, cases };
}

describe('JUnit property tests', () => {
  it('counts and ids round-trip for random nesting, names and XML-special characters', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(genSuite, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.integer({ min: 1, max: 97 }), async (root, apos, chunk) => {
        const { xml, cases } = render(root, apos);
        const { summary, cases: got } = await parse(xml, chunk);
        const count = (s: TestStatus) => cases.filter((c) => c.status === s).length;
        expect({ tests: summary.tests, passed: summary.passed, failed: summary.failed, errored: summary.errored, skipped: summary.skipped }).toEqual({
          tests: cases.length,
          passed: count('passed'),
          failed: count('failed'),
          errored: count('errored'),
          skipped: count('skipped'),
        });
        expect(got.map((c) => c.id)).toEqual(cases.map((c) => `${c.classname}::${c.name}`));
        expect(got.map((c) => c.status)).toEqual(cases.map((c) => c.status));
        expect(got.every((c) => c.attempt === 1)).toBe(true);
        // Messages are the text the document holds, trimmed (CDATA or escaped: the same string).
        got.forEach((c, i) => {
          if (cases[i]!.status !== 'passed') expect(c.message ?? '').toBe(cases[i]!.message.trim().slice(0, 4096));
        });
        // And through CTRF: the same ids and counts.
        const doc = toCtrf(summary, got, { now: new Date(0) });
        const back: TestCase[] = [];
        const s2 = await parseReport(Readable.from([Buffer.from(JSON.stringify(doc))]), { name: 'ctrf.json', onCase: (c) => back.push(c) });
        expect(back.map((c) => c.id)).toEqual(got.map((c) => c.id));
        expect([s2.tests, s2.passed, s2.failed, s2.errored, s2.skipped]).toEqual([
          summary.tests,
          summary.passed,
          summary.failed,
          summary.errored,
          summary.skipped,
        ]);
      }),
      { numRuns: 150 },
    );
  });

  it('retries: an id seen again after a failure is the next attempt; after a pass it is another test', async () => {
    const seq = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom<TestStatus>('passed', 'failed', 'errored', 'skipped')), {
      minLength: 1,
      maxLength: 30,
    });
    await fc.assert(
      fc.asyncProperty(seq, async (events) => {
        const xml = `<testsuite name="s">${events
          .map(([id, st]) => {
            const a = `classname="C" name="t${id}"`;
            return st === 'passed'
              ? `<testcase ${a}/>`
              : `<testcase ${a}><${st === 'failed' ? 'failure' : st === 'errored' ? 'error' : 'skipped'}/></testcase>`;
          })
          .join('')}</testsuite>`;
        // The model: a per-id "last execution failed" flag decides retry vs new test.
        const last = new Map<number, { status: TestStatus; attempt: number }>();
        const final: TestStatus[] = [];
        const index = new Map<number, number>();
        const attempts: number[] = [];
        for (const [id, st] of events) {
          const prev = last.get(id);
          if (prev && (prev.status === 'failed' || prev.status === 'errored')) {
            final[index.get(id)!] = st;
            last.set(id, { status: st, attempt: prev.attempt + 1 });
            attempts.push(prev.attempt + 1);
          } else {
            index.set(id, final.length);
            final.push(st);
            last.set(id, { status: st, attempt: 1 });
            attempts.push(1);
          }
        }
        const { summary, cases } = await parse(xml, 64);
        expect(cases.map((c) => c.attempt)).toEqual(attempts);
        expect(summary.tests).toBe(final.length);
        expect(summary.failed).toBe(final.filter((s) => s === 'failed').length);
        expect(summary.passed).toBe(final.filter((s) => s === 'passed').length);
      }),
      { numRuns: 200 },
    );
  });
});
