// parseReport: detect the format from the first bytes (or take --format), decompress gzip, and
// stream the report through its parser into the assembler. Used by the CLI and the hub alike.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CiError } from '../../../core/errors.js';
import type { TestCase } from '../../../core/model/index.js';
import { Assembler } from './assemble.js';
import { parseCtrf } from './ctrf.js';
import { parseDartJson } from './dart-json.js';
import { describeHead, detectFormat } from './detect.js';
import { parseGoJson } from './go-json.js';
import { parseJunit } from './junit.js';
import { parseLibtest } from './libtest.js';
import { parseMochaJson } from './mocha-json.js';
import { parseNunit } from './nunit.js';
import { parseRspecJson } from './rspec-json.js';
import { parseTap } from './tap.js';
import { parseTrx } from './trx.js';
import { FORMAT_NAMES, REPORT_FORMATS, type CaseSink, type ParseSummary, type ReportFormat, type ReportParser } from './types.js';
import { parseXunitNet } from './xunit-net.js';

export { detectFormat } from './detect.js';
export { FORMAT_NAMES, REPORT_FORMATS, type ParseSummary, type ReportFormat } from './types.js';

const PARSERS: Record<ReportFormat, ReportParser> = {
  junit: parseJunit,
  trx: parseTrx,
  nunit: parseNunit,
  'xunit-net': parseXunitNet,
  'go-test-json': parseGoJson,
  'cargo-test-text': parseLibtest,
  tap: parseTap,
  ctrf: parseCtrf,
  'mocha-json': parseMochaJson,
  'rspec-json': parseRspecJson,
  'dart-json': parseDartJson,
};

/** Aliases users type for --format. */
const ALIASES: Record<string, ReportFormat> = {
  junit: 'junit',
  xml: 'junit',
  'junit-xml': 'junit',
  go: 'go-test-json',
  'go-test-json': 'go-test-json',
  'go-json': 'go-test-json',
  gotest: 'go-test-json',
  cargo: 'cargo-test-text',
  libtest: 'cargo-test-text',
  'cargo-test-text': 'cargo-test-text',
  'cargo-test': 'cargo-test-text',
  'libtest-json': 'cargo-test-text',
  tap: 'tap',
  ctrf: 'ctrf',
  trx: 'trx',
  vstest: 'trx',
  mstest: 'trx',
  nunit: 'nunit',
  nunit2: 'nunit',
  nunit3: 'nunit',
  'xunit-net': 'xunit-net',
  xunit: 'xunit-net',
  'xunit.net': 'xunit-net',
  xunit2: 'xunit-net',
  'mocha-json': 'mocha-json',
  mocha: 'mocha-json',
  'rspec-json': 'rspec-json',
  rspec: 'rspec-json',
  'dart-json': 'dart-json',
  dart: 'dart-json',
  flutter: 'dart-json',
};

/** `--format` help: every format with what writes it. */
export const FORMATS_HELP = REPORT_FORMATS.map((f) => `${f} (${FORMAT_NAMES[f]})`).join(', ');

export function normalizeFormat(f: string, where = '--format'): ReportFormat {
  const v = ALIASES[f.toLowerCase()];
  if (!v) throw new CiError('E_USAGE', `unknown report format ${JSON.stringify(f)}`, { where, hint: `use one of ${REPORT_FORMATS.join(', ')}` });
  return v;
}

const HEAD_BYTES = 64 * 1024;

export interface ParseOptions {
  /** File name as given, for messages. */
  name: string;
  format?: ReportFormat;
  /** Receives every execution with its attempt number, in report order. */
  onCase?: CaseSink;
}

/** Reads the first bytes for detection and returns them with the rest of the stream. */
async function peek(input: AsyncIterable<Buffer>, n: number): Promise<{ head: Buffer; rest: AsyncIterable<Buffer> }> {
  const it = input[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let len = 0;
  let done = false;
  while (len < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const b = typeof r.value === 'string' ? Buffer.from(r.value) : (r.value as Buffer);
    parts.push(b);
    len += b.length;
  }
  const head = Buffer.concat(parts, len);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield typeof r.value === 'string' ? Buffer.from(r.value) : (r.value as Buffer);
    }
  }
  return { head, rest: rest() };
}

export async function parseReport(input: AsyncIterable<Buffer> | Readable, opts: ParseOptions): Promise<ParseSummary> {
  let { head, rest } = await peek(input as AsyncIterable<Buffer>, 4);
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    const src = Readable.from(rest);
    src.on('error', (e) => gunzip.destroy(e));
    src.pipe(gunzip);
    rest = gunzip.on('error', () => {}) as unknown as AsyncIterable<Buffer>;
    const zipped = rest;
    rest = (async function* () {
      try {
        for await (const c of zipped) yield c as Buffer;
      } catch (e) {
        throw new CiError('E_REPORT_MALFORMED', `the gzip stream is corrupt: ${(e as Error).message}`, {
          where: opts.name,
          hint: 'recompress the report or send it uncompressed',
        });
      }
    })();
  }
  ({ head, rest } = await peek(rest, HEAD_BYTES));
  if (head.length === 0)
    throw new CiError('E_REPORT_MALFORMED', 'the report is empty', {
      where: opts.name,
      hint: 'the runner wrote nothing: check it ran and where its report goes',
    });
  const format = opts.format ?? detectFormat(head.toString('utf8'));
  if (!format) {
    throw new CiError('E_FORMAT_UNKNOWN', `not a test report format ci-intel reads: the file is ${describeHead(head.toString('utf8'))}`, {
      where: opts.name,
      hint: `the formats read are ${FORMATS_HELP}; if it is one of them, pass --format`,
    });
  }
  const asm = new Assembler(opts.onCase);
  await PARSERS[format](rest, asm, opts.name);
  return asm.summary(format);
}

/** Parses a file (or `-` for stdin). */
export async function parseReportFile(file: string, opts: Omit<ParseOptions, 'name'> & { stdin?: Readable } = {}): Promise<ParseSummary> {
  let input: Readable;
  if (file === '-') input = opts.stdin ?? process.stdin;
  else {
    input = createReadStream(file, { highWaterMark: 256 * 1024 });
    await new Promise<void>((resolve, reject) => {
      input.once('open', () => resolve());
      input.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          new CiError('E_INPUT_UNREADABLE', `cannot read ${file}: ${e.code === 'EISDIR' ? 'it is a folder' : (e.code ?? e.message)}`, {
            where: file,
            hint: 'check the path and permissions',
          }),
        ),
      );
    });
  }
  return parseReport(input, { ...opts, name: file });
}

/** Parses a report and keeps every execution (for --cases, CTRF and storage). */
export async function parseReportCases(
  file: string,
  opts: Omit<ParseOptions, 'name' | 'onCase'> & { stdin?: Readable } = {},
): Promise<{ summary: ParseSummary; cases: TestCase[] }> {
  const cases: TestCase[] = [];
  const summary = await parseReportFile(file, { ...opts, onCase: (c) => cases.push(c) });
  return { summary, cases };
}
