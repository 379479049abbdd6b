import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ansiEnd } from './normalize.js';
import { LiteralScanner } from './prefilter.js';

const LITERALS = ['rror', 'panic', 'ail', 'né', 'No module named'];

/**
 * The reference: the same scan in plain JS on the decoded text — each line with its escape
 * sequences removed as normalize.ts's ANSI pattern removes them (ansiEnd is property-tested against
 * it), and the literal searched with indexOf.
 */
function reference(text: string): Array<{ line: number; start: number }> {
  const u = Buffer.from(text);
  const flagged: Array<{ line: number; start: number }> = [];
  let line = 0;
  for (let start = 0; start < u.length; line++) {
    let stop = u.indexOf(0x0a, start);
    if (stop < 0) stop = u.length;
    const visible: number[] = [];
    for (let i = start; i < stop; i++) {
      const e = u[i] === 0x1b ? ansiEnd(u, i, u.length) : -1;
      if (e > 0) i = e - 1;
      else visible.push(u[i]!);
    }
    const s = Buffer.from(visible).toString('latin1');
    if (LITERALS.some((l) => s.includes(Buffer.from(l).toString('latin1')))) flagged.push({ line, start });
    start = stop + 1;
  }
  return flagged;
}

/** What the scanner flags, line by line, as the scanner drives it (scan.ts block()). */
function scanned(scanner: LiteralScanner, text: string): Array<{ line: number; start: number }> {
  const u = Buffer.from(text);
  const flagged: Array<{ line: number; start: number }> = [];
  let line = 0;
  for (let pos = 0; pos < u.length;) {
    const at = scanner.find(u, pos, u.length);
    line += scanner.lines;
    if (at < 0) break;
    flagged.push({ line, start: scanner.lineStart });
    const stop = u.indexOf(0x0a, at);
    if (stop < 0) break;
    pos = stop + 1;
    line++;
  }
  return flagged;
}

describe('the WebAssembly DFA', () => {
  const scanner = new LiteralScanner(LITERALS);

  it('flags the lines plain JS flags, through CSI, OSC, charset and lone escapes, line numbers and starts included', () => {
    const piece = fc.constantFrom(
      ...LITERALS,
      'r',
      'ror',
      'pan',
      'ic',
      'n',
      'é',
      'x',
      ' ',
      '\n',
      '\r\n',
      '\r',
      '\x1b[31m',
      '\x1b[0m',
      '\x1b[1;2',
      '\x1b[?25l',
      '\x1b[!p',
      '\x1b[',
      '\x1b',
      '\x1b]0;t\x07',
      '\x1b]8;;\x1b\\',
      '\x1b(B',
      '\x1b=',
      '\x1b[:',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (parts) => {
        const text = parts.join('');
        expect(scanned(scanner, text)).toEqual(reference(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('carries the state across its 1 MiB copy window: a literal and an escape sequence cut by the window edge', () => {
    const fill = 'x'.repeat(99) + '\n';
    const head = fill.repeat(Math.floor((1024 * 1024) / fill.length));
    // The window edge is at byte 1 MiB: `pa|nic` across it, and `r<ESC>|[31mror` (the escape
    // sequence cut by the edge splits the literal `rror`).
    const pad = 'y'.repeat(1024 * 1024 - head.length - 2);
    for (const [cut, after] of [
      ['pa', 'nic here\n'],
      ['r\x1b', '[31mror here\n'],
    ] as const) {
      const text = head + pad + cut + after + 'ok\n';
      expect(Buffer.byteLength(head + pad) + 2).toBe(1024 * 1024);
      const got = scanned(scanner, text);
      expect(got).toEqual(reference(text));
      expect(got).toEqual([{ line: head.length / fill.length, start: head.length }]);
    }
  });

  it('reads the range it is given: a window reused for the same buffer, reloaded for another', () => {
    const a = Buffer.from('one\ntwo panic\nthree\n');
    const b = Buffer.from('one\ntwo three\nfour rror\n');
    expect(scanner.find(a, 0, a.length)).toBe(a.indexOf('panic') + 4);
    expect(scanner.find(b, 0, b.length)).toBe(b.indexOf('rror') + 3);
    expect(scanner.lines).toBe(2);
    expect(scanner.find(a, 4, a.length)).toBe(a.indexOf('panic') + 4);
    expect(scanner.lines).toBe(0);
    expect(scanner.find(a, 14, a.length)).toBe(-1);
    expect([scanner.lines, scanner.lineStart]).toEqual([1, a.length]);
  });
});
