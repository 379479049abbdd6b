import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HELDOUT_DIR } from './corpus.js';
import { builtinRules } from './rules.js';
import { LogScanner, MAX_LINE_CHARS, scanText } from './scan.js';

const log = (id: string) => readFileSync(path.join(HELDOUT_DIR, 'logs', `${id}.log`), 'utf8');
const summary = (r: ReturnType<typeof scanText>) => ({
  hits: r.hits.map((h) => `${h.line}:${h.rule.id}:${h.raw}:${h.before.length}:${h.after.map((a) => a.raw).join('|')}`),
  lines: r.facts.lines,
  tools: [...r.facts.tools.keys()].sort(),
  failing: r.facts.failingTests.map((t) => t.id),
});

describe('LogScanner', () => {
  const rules = builtinRules();

  it('finds the same hits, context and facts whatever the chunk boundaries (streaming = whole text)', () => {
    const text = log('ho-py-assert-list') + log('ho-go-test-fail') + log('ho-jest-toequal');
    const whole = summary(scanText(text, rules));
    expect(whole.hits.length).toBeGreaterThan(3);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const s = new LogScanner(rules);
        let prev = 0;
        // Bytes, so a cut may fall inside a multi-byte character too.
        const buf = Buffer.from(text);
        for (const p of points) {
          const b = Math.min(p, buf.length);
          s.write(buf.subarray(prev, b));
          prev = b;
        }
        s.write(buf.subarray(prev));
        expect(summary(s.end())).toEqual(whole);
      }),
      { numRuns: 60 },
    );
  });

  it('numbers lines from 1 and keeps the raw line (timestamps included) as evidence', () => {
    const r = scanText(log('ho-npm-etarget'), rules);
    const hit = r.hits.find((h) => h.rule.id === 'npm.etarget')!;
    expect(hit.line).toBe(7);
    expect(hit.raw).toMatch(/^2026-11-22T\S+Z npm error notarget No matching version found for ms@\^99\.1\.0\.$/);
    expect(hit.text).toBe('npm error notarget No matching version found for ms@^99.1.0.');
    expect(r.facts.steps).toEqual([{ line: 1, command: 'npm install --no-audit --no-fund' }]);
    expect(r.facts.exitCode).toBe(1);
  });

  it('caps an overlong line without holding it and keeps counting lines after it', () => {
    const s = new LogScanner(rules);
    s.write('first\n');
    for (let i = 0; i < 50; i++) s.write('x'.repeat(100_000));
    s.write('\nnpm error 404 Not Found - GET https://registry.npmjs.org/nope\n');
    const r = s.end();
    expect(r.facts.lines).toBe(3);
    const hit = r.hits.find((h) => h.rule.id === 'npm.e404')!;
    expect(hit.line).toBe(3);
    expect(hit.before.at(-1)!.raw.length).toBe(MAX_LINE_CHARS);
  });

  it('marks private-key blocks so their lines are never shown as context', () => {
    const r = scanText(log('ho-secrets-deploy'), rules);
    expect(r.facts.secretRanges).toEqual([[14, 28]]);
  });
});

describe('prefilter', () => {
  it('every built-in rule has required literals, and the automaton finds exactly the lines the literals are on', async () => {
    const { buildPrefilter, requiredLiterals } = await import('./prefilter.js');
    for (const r of builtinRules()) expect(requiredLiterals(r.match.source), r.id).not.toBeNull();
    expect(requiredLiterals('^E\\s+(?:assert\\b|AssertionError\\b)')).toEqual(['assert', 'AssertionError']);
    expect(requiredLiterals('a?b*c')).toBeNull();
    const pf = buildPrefilter(builtinRules().map((r) => r.match.source));
    expect(pf.unfiltered).toEqual([]);
    const text = log('ho-go-test-fail') + log('ho-vitest-assert') + 'plain passing line\n  ✓ ok\n';
    const viaRegex = new Set<number>();
    const lines = text.split('\n');
    lines.forEach((l, i) => {
      pf.regex.lastIndex = 0;
      if (pf.regex.test(l)) viaRegex.add(i);
    });
    const viaAutomaton = new Set<number>();
    lines.forEach((l, i) => {
      if (pf.scanner.find(l, 0) >= 0) viaAutomaton.add(i);
    });
    // Non-ASCII characters share one class in the automaton: it may flag more, never fewer.
    for (const i of viaRegex) expect(viaAutomaton.has(i)).toBe(true);
    expect(viaAutomaton.has(lines.length - 2)).toBe(false);
  });
});
