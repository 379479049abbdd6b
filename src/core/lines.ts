// Streaming line splitter over bytes: memory is bounded by the line cap, whatever the input size.
// A line over the cap is reported (with its length) and skipped without being held in memory.
import type { Readable } from 'node:stream';

export interface Line {
  /** 1-based line number (blank lines count). */
  no: number;
  /** The text without its line ending (`\n` or `\r\n`); absent when the line was over the cap. */
  text?: string;
  /** Byte length of the line (without the ending). */
  bytes: number;
  tooLong?: true;
}

export interface SplitOptions {
  maxLineBytes: number;
  /** Called with the running byte total; may throw to stop (e.g. a body cap). */
  onBytes?: (total: number) => void;
}

const NL = 0x0a;

export async function* splitLines(input: AsyncIterable<Buffer | string> | Readable, opts: SplitOptions): AsyncGenerator<Line> {
  let parts: Buffer[] = [];
  let partBytes = 0;
  let overflow = false;
  let lineBytes = 0;
  let no = 0;
  let total = 0;

  const finish = (): Line => {
    no++;
    if (overflow) {
      const l: Line = { no, bytes: lineBytes, tooLong: true };
      parts = [];
      partBytes = 0;
      overflow = false;
      lineBytes = 0;
      return l;
    }
    let buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, partBytes);
    if (buf.length && buf[buf.length - 1] === 0x0d) buf = buf.subarray(0, buf.length - 1);
    parts = [];
    partBytes = 0;
    lineBytes = 0;
    return { no, text: buf.toString('utf8'), bytes: buf.length };
  };

  const take = (piece: Buffer) => {
    lineBytes += piece.length;
    if (overflow) return;
    if (partBytes + piece.length > opts.maxLineBytes + 1) {
      // +1 allows a trailing \r on a line of exactly the cap.
      overflow = true;
      parts = [];
      partBytes = 0;
      return;
    }
    parts.push(piece);
    partBytes += piece.length;
  };

  for await (const c of input as AsyncIterable<Buffer | string>) {
    const chunk = typeof c === 'string' ? Buffer.from(c) : c;
    total += chunk.length;
    opts.onBytes?.(total);
    let start = 0;
    for (;;) {
      const i = chunk.indexOf(NL, start);
      if (i < 0) break;
      take(chunk.subarray(start, i));
      yield finish();
      start = i + 1;
    }
    if (start < chunk.length) take(Buffer.from(chunk.subarray(start)));
  }
  if (partBytes > 0 || overflow) yield finish();
}
