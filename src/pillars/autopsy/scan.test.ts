import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HELDOUT_DIR, sharedCorpusDir } from './corpus.js';
import { normalizeText } from './normalize.js';
import { builtinRules } from './rules.js';
import { LogScanner, MAX_LINE_BYTES, scanText } from './scan.js';

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
    expect(hit.before.at(-1)!.raw.length).toBe(MAX_LINE_BYTES);
  });

  it('marks private-key blocks so their lines are never shown as context', () => {
    const r = scanText(log('ho-secrets-deploy'), rules);
    expect(r.facts.secretRanges).toEqual([[14, 28]]);
  });
});

describe('LogScanner on raw bytes', () => {
  const rules = builtinRules();
  const hitsOf = (r: ReturnType<typeof scanText>) => r.hits.map((h) => `${h.line}:${h.rule.id}:${h.raw}`);

  it('numbers a hit on the first and on the last line (with and without a final newline), CRLF kept out of the raw text', () => {
    const line = 'npm error 404 Not Found - GET https://registry.npmjs.org/nope';
    expect(hitsOf(scanText(`${line}\nok\n`, rules))).toContain(`1:npm.e404:${line}`);
    for (const end of ['', '\n', '\r\n']) {
      const r = scanText(`a\r\nb\r\n${line}${end}`, rules);
      expect(hitsOf(r)).toContain(`3:npm.e404:${line}`);
      expect(r.facts.lines).toBe(3);
      expect(r.hits[0]!.before.map((b) => b.raw)).toEqual(['a', 'b']);
    }
  });

  it('sees a literal an ANSI colour splits, and keeps line numbers through escapes and carriage-return progress', () => {
    // `Err<ESC>[0mor`, `mod<ESC>[1mule`: normalizing joins the words (no other literal is on the
    // line); the raw bytes must flag the line all the same.
    const text =
      "\x1b[32mok\x1b[0m\n10%\r50%\r\x1b[2K\n\x1b[1mnpm \x1b[31mERR\x1b[0m! code E404\n\x1b[31mModuleNotFoundErr\x1b[0mor: No mod\x1b[1mule named 'yaml'\n";
    const r = scanText(text, rules);
    const hit = r.hits.find((h) => h.rule.id === 'py.import.missing')!;
    expect(hit.line).toBe(4);
    expect(hit.text).toBe("ModuleNotFoundError: No module named 'yaml'");
    expect(hit.raw).toBe("\x1b[31mModuleNotFoundErr\x1b[0mor: No mod\x1b[1mule named 'yaml'");
    expect(hit.before.map((b) => b.line)).toEqual([1, 2, 3]);
    expect(hit.before[1]!.text).toBe('50%');
  });

  it('gives context that spans blocks, from one-line writes and from byte-by-byte writes', () => {
    const lines = Array.from({ length: 60 }, (_, i) => `passing line ${i + 1}`);
    lines[44] = 'npm error 404 Not Found - GET https://registry.npmjs.org/nope';
    const text = lines.join('\n') + '\n';
    const whole = scanText(text, rules);
    for (const pieces of [lines.map((l) => l + '\n'), [...Buffer.from(text)].map((b) => Buffer.from([b]))]) {
      const s = new LogScanner(rules);
      for (const p of pieces) s.write(p);
      const r = s.end();
      const hit = r.hits.find((h) => h.rule.id === 'npm.e404')!;
      expect(hit.line).toBe(45);
      expect(hit.before.map((b) => `${b.line}|${b.raw}`)).toEqual(lines.slice(4, 44).map((l, i) => `${i + 5}|${l}`));
      expect(hit.after.map((b) => `${b.line}|${b.raw}`)).toEqual(lines.slice(45).map((l, i) => `${i + 46}|${l}`));
      expect(r.facts.tail.at(-1)).toEqual({ line: 60, raw: 'passing line 60', text: 'passing line 60' });
      expect(summary(r)).toEqual(summary(whole));
    }
  });

  it('keeps the flagged lines it has read bounded by the hits, not by the log', () => {
    // Every line is flagged (a salient word) and none fires a rule; one hit in the middle.
    const lines = Array.from({ length: 20_000 }, (_, i) => `step ${i}: retrying, the mirror could not be reached`);
    lines[10_000] = 'npm error 404 Not Found - GET https://registry.npmjs.org/nope';
    const s = new LogScanner(rules);
    s.write(lines.join('\n') + '\n');
    const r = s.end();
    expect(r.hits.map((h) => h.line)).toEqual([10_001]);
    expect(r.facts.salient.length).toBeGreaterThan(100);
    const seen = (s as unknown as { seenLines: Set<number> }).seenLines;
    expect(seen.size).toBeGreaterThan(40);
    expect(seen.size).toBeLessThanOrEqual(81);
  });

  it('finds every hit that testing every rule on every line finds (the prefilter and the per-rule literals lose nothing)', () => {
    // The same rules marked case-insensitive cannot use the prefilter: the scanner then offers
    // every line to every rule (the slow path), which is the reference.
    const everyLine = rules.map((r) => ({ ...r, match: { ...r.match, ignoreCase: true } }));
    const logs = [HELDOUT_DIR + '/logs', ...(sharedCorpusDir() ? [path.join(sharedCorpusDir()!, 'logs')] : [])].flatMap((d) =>
      readdirSync(d)
        .filter((f) => f.endsWith('.log'))
        .map((f) => path.join(d, f)),
    );
    expect(logs.length).toBeGreaterThan(50);
    let hits = 0;
    for (const f of logs) {
      const text = readFileSync(f, 'utf8');
      const fast = scanText(text, rules);
      hits += fast.hits.length;
      expect(hitsOf(fast), f).toEqual(hitsOf(scanText(text, everyLine)));
    }
    expect(hits).toBeGreaterThan(100);
  });
});

describe('prefilter', () => {
  it('every built-in rule has required literals; the automaton flags exactly the lines holding a literal', async () => {
    const { buildPrefilter, requiredLiterals } = await import('./prefilter.js');
    for (const r of builtinRules()) expect(requiredLiterals(r.match.source), r.id).not.toBeNull();
    expect(requiredLiterals('^E\\s+(?:assert\\b|AssertionError\\b)')).toEqual(['assert', 'AssertionError']);
    expect(requiredLiterals('a?b*c')).toBeNull();
    // Literals join across groups and quantifiers (`x{3,}` gives three x), small classes expand, and a
    // bare common word or file extension loses to a rarer literal of the same regex.
    expect(requiredLiterals('^_{3,} (?<test>(?:\\w+\\.)*test\\w*(?:\\[.*\\])?) _{3,}$')).toEqual(['___ ']);
    expect(requiredLiterals('^(?<file>\\S+\\.(?:tex|sty|cls)):(?<line>\\d+): (?<msg>.+)')).toEqual(['.tex:', '.sty:', '.cls:']);
    expect(requiredLiterals('^\\s+(?<file>\\S+\\.lua):(?<line>\\d+):\\d+: (?<msg>.+)')).toEqual(['.lua:']);
    expect(requiredLiterals('\\bE40[13]\\b')).toEqual(['E401', 'E403']);
    expect(requiredLiterals('^npm (?:error|ERR!) (?:code )?E40[13]')).toHaveLength(8);
    const pf = buildPrefilter(builtinRules().map((r) => r.match.source));
    expect(pf.unfiltered).toEqual([]);
    const text = log('ho-go-test-fail') + log('ho-vitest-assert') + log('ho-cargo-fmt') + 'plain passing line\n  ✓ ok\n';
    const lines = text.split('\n');
    lines.forEach((l) => {
      const b = Buffer.from(l + '\n');
      const flagged = pf.scanner.find(b, 0, b.length) >= 0;
      // What the automaton reads: the raw line with its escape sequences stepped over.
      const visible = l.includes('\x1b') ? normalizeText(l.replace(/^\d{4}-\d\d-\d\dT\S+Z /, '')) : l;
      const holds = pf.literals.some((k) => visible.includes(k));
      if (!l.includes('\x1b')) expect(flagged, l).toBe(holds);
      else if (holds) expect(flagged, l).toBe(true);
    });
    expect(pf.scanner.find(Buffer.from('  ✓ ok\n'), 0, 7)).toBe(-1);
  });

  it('every string a built-in rule matches holds one of its required literals (generated from the regex)', async () => {
    const { requiredLiterals } = await import('./prefilter.js');
    let checked = 0;
    for (const r of builtinRules()) {
      const lits = requiredLiterals(r.match.source)!;
      let gen: fc.Arbitrary<string>;
      try {
        gen = fc.stringMatching(new RegExp(r.match.source));
      } catch {
        continue; // a construct fast-check cannot generate from (lookarounds, \\b)
      }
      checked++;
      fc.assert(
        fc.property(gen, (line) => !new RegExp(r.match.source).test(line) || lits.some((l) => line.includes(l))),
        { numRuns: 40, seed: 15 },
      );
    }
    expect(checked).toBeGreaterThan(builtinRules().length / 2);
  });

  it('flags every salient-line word in the cases tools print it (lower, capitalized, upper)', async () => {
    const { KEYWORDS } = await import('./prefilter.js');
    const { SALIENT } = await import('./parsers/index.js');
    const inner = SALIENT.source.replace(/^\\b/, '').replace(/\\b$/, '');
    const words = new Set(fc.sample(fc.stringMatching(new RegExp(`^${inner}$`)), { numRuns: 3000, seed: 15 }));
    expect(words.size).toBeGreaterThan(30);
    const unflagged = [...words].flatMap((w) => [w, w[0]!.toUpperCase() + w.slice(1), w.toUpperCase()]).filter((v) => !KEYWORDS.some((k) => v.includes(k)));
    expect(unflagged).toEqual([]);
  });

  it('flags few lines of real passing output (a weak literal, such as a bare `test`, would flag most)', async () => {
    const { buildPrefilter } = await import('./prefilter.js');
    const pf = buildPrefilter(builtinRules().map((r) => r.match.source));
    const dir = path.join(import.meta.dirname, '../../../bench/autopsy/passing');
    let lines = 0;
    let flagged = 0;
    for (const f of readdirSync(dir)) {
      const b = readFileSync(path.join(dir, f));
      let n = 0;
      let all = 0;
      for (let pos = 0; pos < b.length;) {
        const at = pf.scanner.find(b, pos, b.length);
        all += pf.scanner.lines;
        if (at < 0) break;
        n++;
        all++;
        pos = b.indexOf(0x0a, at) + 1 || b.length;
      }
      if (all >= 100) expect(n / all, f).toBeLessThan(0.05);
      lines += all;
      flagged += n;
    }
    expect(lines).toBeGreaterThan(2000);
    expect(flagged / lines).toBeLessThan(0.05);
  });

  it('counts newlines and reports the flagged line start; lists each literal a line holds once', async () => {
    const { LiteralScanner } = await import('./prefilter.js');
    const s = new LiteralScanner(['rror', 'panic', 'né']);
    const b = Buffer.from('ok\nfine\nsome Error here\nné\n');
    expect(s.find(b, 0, b.length)).toBe(b.indexOf('rror') + 3);
    expect([s.lines, s.lineStart]).toEqual([2, 8]);
    const next = b.indexOf('\n', 8) + 1;
    expect(s.find(b, next, b.length)).toBe(b.length - 2);
    expect([s.lines, s.lineStart]).toEqual([0, next]);
    expect(s.find(b, 0, 8)).toBe(-1);
    expect(s.lines).toBe(2);
    expect(s.literalsIn(Buffer.from('panic: rror, another error, né'))).toEqual([1, 0, 2]);
    expect(s.literalsIn(Buffer.from('nothing'))).toEqual([]);
  });
});
