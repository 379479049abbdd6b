// What one comparison carries down the archive layers: the collector, what is known about the two
// builds, the scratch folder, the caps and the budget's deadline.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { CiError } from '../../../core/errors.js';
import type { KnownValues } from './classify.js';
import type { DiffCollector } from './report.js';

export interface Limits {
  /** Bytes decoded per side across every layer of one artifact; past it the comparison stops (zip bombs). */
  maxBytes: number;
  /** A compressed layer may expand to max(bombFloor, bombRatio × its packed size); more is a zip bomb. */
  bombRatio: number;
  bombFloor: number;
  /** Entries bigger than this are compared by hash only, not looked into. */
  entryBytes: number;
  /** Text, strings and ELF files read whole up to this size. */
  textBytes: number;
  /** Archive nesting depth looked into. */
  maxDepth: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxBytes: 16 * 1024 ** 3,
  bombRatio: 200,
  bombFloor: 64 * 1024 ** 2,
  entryBytes: 256 * 1024 ** 2,
  textBytes: 32 * 1024 ** 2,
  maxDepth: 8,
};

/** Thrown when the time budget runs out; caught per artifact, which becomes a partial verdict. */
export class BudgetExhausted extends Error {
  constructor() {
    super('the time budget ran out');
  }
}

export interface CompareCtx {
  c: DiffCollector;
  known: KnownValues;
  scratch: string;
  limits: Limits;
  /** Epoch ms after which work stops (undefined: no budget). */
  deadline?: number;
  now: () => number;
  depth: number;
  /** Decoded bytes per side (zip-bomb cap). */
  decoded: [number, number];
  seq: { n: number };
}

export function checkBudget(ctx: CompareCtx): void {
  if (ctx.deadline !== undefined && ctx.now() > ctx.deadline) throw new BudgetExhausted();
}

export function scratchFile(ctx: CompareCtx, side: 'a' | 'b'): string {
  return path.join(ctx.scratch, `${++ctx.seq.n}.${side}`);
}

/** Counts decoded bytes of one side and stops at the caps (total, and per compressed layer). */
export function byteGuard(ctx: CompareCtx, side: 0 | 1, where: string, layerCap = Infinity): (n: number) => void {
  let layer = 0;
  return (n) => {
    ctx.decoded[side] += n;
    layer += n;
    if (layer > layerCap)
      throw new CiError('E_ARCHIVE_UNSAFE', `expands to more than ${layerCap} bytes (over ${ctx.limits.bombRatio}× its packed size): a decompression bomb`, {
        where,
        hint: 'the archive is hostile or broken: nothing was extracted; rebuild it, or compare its checksum only',
      });
    if (ctx.decoded[side] > ctx.limits.maxBytes)
      throw new CiError('E_ARCHIVE_UNSAFE', `more than ${ctx.limits.maxBytes} bytes decoded from one side`, {
        where,
        hint: 'raise --max-size if the artifact is really that large',
      });
  };
}

export const layerCap = (ctx: CompareCtx, packed: number) => Math.max(ctx.limits.bombFloor, ctx.limits.bombRatio * packed);

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return h.digest('hex');
}

export async function readHead(file: string, n: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(n);
    const { bytesRead } = await fh.read(b, 0, n, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
