// Decompressors for the compressed layers of artifacts (.tar.gz, .tgz, .tar.xz, .tar.zst, .deb
// members). gzip is Node's own zlib; xz, zstd and bzip2 run the system's `xz`, `zstd` and `bzip2`
// (Node 20 has none of them), when installed — otherwise the layer is compared as bytes and the
// report says which decoder was missing.
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Kind } from './sniff.js';

export type Codec = 'gzip' | 'xz' | 'zstd' | 'bzip2';
export const CODECS: readonly Kind[] = ['gzip', 'xz', 'zstd', 'bzip2'];

const TOOL: Record<Exclude<Codec, 'gzip'>, string> = { xz: 'xz', zstd: 'zstd', bzip2: 'bzip2' };
const available = new Map<string, boolean>();

/** Can this codec be decoded here? */
export function canDecode(codec: Codec): boolean {
  if (codec === 'gzip') return true;
  const tool = TOOL[codec];
  if (!available.has(tool)) available.set(tool, spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0);
  return available.get(tool)!;
}

/** The decompressed bytes of a file. */
export function decompress(codec: Codec, file: string): Readable {
  if (codec === 'gzip') return createReadStream(file).pipe(createGunzip());
  const child = spawn(TOOL[codec], ['-dc', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.on('close', (code) => {
    if (code) child.stdout.destroy(new Error(`${TOOL[codec]} -dc failed (${code}): ${err.trim()}`));
  });
  // Stopping early (a cap, the budget) must not leave the decoder running.
  child.stdout.on('close', () => child.kill());
  return child.stdout;
}

/** The gzip header's own fields that vary between builds: mtime and the original file name. */
export function gzipHeader(head: Buffer): { mtime: number; name?: string } {
  const flags = head[3]!;
  const mtime = head.readUInt32LE(4);
  if (!(flags & 0x08)) return { mtime };
  let p = 10;
  if (flags & 0x04) p += 2 + head.readUInt16LE(10);
  const end = head.indexOf(0, p);
  return { mtime, name: end > p ? head.subarray(p, end).toString('latin1') : undefined };
}
