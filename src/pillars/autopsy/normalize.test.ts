import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ansiEnd, ghaRunCommand, normalizeLine, normalizeText } from './normalize.js';

describe('normalizeLine', () => {
  it('drops GitHub Actions timestamps and ##[...] markers, keeping the message', () => {
    expect(normalizeLine('2026-11-22T07:51:28.6066958Z ##[error]Process completed with exit code 3.')).toBe('Process completed with exit code 3.');
    expect(normalizeLine('2026-11-22T07:51:28.6066958Z ##[group]Run npm test')).toBe('Run npm test');
    expect(normalizeLine('2026-11-22T07:51:28.6066958Z ##[endgroup]')).toBe('');
    expect(normalizeLine('2026-11-22T07:51:28.6066958Z   indented')).toBe('  indented');
  });

  it('drops ANSI colours, cursor moves, OSC titles and charset switches (rustfmt prints ESC ( B)', () => {
    expect(normalizeLine('\x1b[31merror\x1b[0m: \x1b[1mboom\x1b[22m')).toBe('error: boom');
    expect(normalizeLine('\x1b[0m\x1b[0m[INFO] Scanning')).toBe('[INFO] Scanning');
    expect(normalizeLine('\x1b[31m-pub fn add()\x1b(B\x1b[m')).toBe('-pub fn add()');
    expect(normalizeLine('\x1b]0;title\x07done\x1b[2K')).toBe('done');
  });

  it('shows a carriage-return progress line as the terminal would', () => {
    expect(normalizeLine('10%\r50%\r100% done')).toBe('100% done');
    expect(normalizeLine('windows line\r')).toBe('windows line');
  });

  it('drops GitLab section markers', () => {
    expect(normalizeLine('\x1b[0Ksection_start:1700000000:build_script[collapsed=true]\r\x1b[0KExecuting "step_script"')).toBe('Executing "step_script"');
    expect(normalizeLine('\x1b[0Ksection_end:1700000001:build_script\r\x1b[0K')).toBe('');
  });

  it('reads the step command of a GitHub Actions group header', () => {
    expect(ghaRunCommand('2026-11-22T07:51:28.6066958Z ##[group]Run npx jest --ci')).toBe('npx jest --ci');
    expect(ghaRunCommand('npx jest --ci')).toBeNull();
  });

  it('never adds or removes a newline (line N of the output is line N of the input)', () => {
    const piece = fc.constantFrom(
      '\n',
      '\r',
      '\r\n',
      '\x1b[31m',
      '\x1b(B',
      '##[error]',
      '2026-11-22T07:51:28.6066958Z ',
      'section_start:1:x\r',
      'text',
      ' ',
      'é',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (parts) => {
        const s = parts.join('');
        const count = (x: string) => x.split('\n').length;
        expect(count(normalizeText(s))).toBe(count(s));
      }),
      { numRuns: 500 },
    );
  });

  it('ansiEnd steps over exactly the escape sequences normalizing removes (the prefilter reads raw bytes)', () => {
    const piece = fc.constantFrom('\x1b', '[', ']', '(', 'B', '0', '1;31', '?25', '!', ' ', 'm', 'K', '\x07', '\\', '7', '=', ':', 'é', 'x', 'A', '~');
    const strip = (s: string) => {
      const u = Buffer.from(s);
      const out: number[] = [];
      for (let i = 0; i < u.length; i++) {
        const end = u[i] === 0x1b ? ansiEnd(u, i, u.length) : -1;
        if (end > 0) i = end - 1;
        else out.push(u[i]!);
      }
      return Buffer.from(out).toString();
    };
    expect(strip('\x1b[1;31mred\x1b[0m \x1b]0;title\x07t \x1b(B\x1b=x\x1b[:')).toBe('red t x\x1b[:');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const s = parts.join('');
        expect(strip(s)).toBe(normalizeText(s));
      }),
      { numRuns: 2000 },
    );
  });
});
