import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { splitLines, type Line } from './lines.js';

async function collect(chunks: (string | Buffer)[], max = 1024): Promise<Line[]> {
  const out: Line[] = [];
  for await (const l of splitLines(Readable.from(chunks), { maxLineBytes: max })) out.push(l);
  return out;
}

describe('splitLines', () => {
  it('splits LF and CRLF, keeps blank lines counted, handles a last line without newline', async () => {
    const lines = await collect(['a\r\nb', '\n\nc']);
    expect(lines.map((l) => [l.no, l.text])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, ''],
      [4, 'c'],
    ]);
  });

  it('reports a line over the cap without holding it and goes on', async () => {
    const lines = await collect(['ok\n', 'x'.repeat(600), 'x'.repeat(600), '\nnext\n'], 1000);
    expect(lines).toEqual([
      { no: 1, text: 'ok', bytes: 2 },
      { no: 2, bytes: 1200, tooLong: true },
      { no: 3, text: 'next', bytes: 4 },
    ]);
  });

  it('decodes UTF-8 split across chunks', async () => {
    const buf = Buffer.from('héllo ✓\n');
    const lines = await collect([buf.subarray(0, 2), buf.subarray(2, 8), buf.subarray(8)]);
    expect(lines[0]!.text).toBe('héllo ✓');
  });

  it('any chunking of any text gives the same lines (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ maxLength: 40 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1 }),
        async (parts, cuts) => {
          const text = parts.join('\n');
          const bytes = Buffer.from(text);
          const chunks: Buffer[] = [];
          let i = 0;
          let k = 0;
          while (i < bytes.length) {
            const n = cuts[k++ % cuts.length]!;
            chunks.push(bytes.subarray(i, i + n));
            i += n;
          }
          const lines = await collect(chunks, 1 << 20);
          const expected = text === '' ? [] : text.split('\n').map((t) => t.replace(/\r$/, ''));
          if (text.endsWith('\n')) expected.pop();
          expect(lines.map((l) => l.text)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
