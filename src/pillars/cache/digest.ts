// BLAKE3 content addressing (seed 000 pillar 8: "BLAKE3 content-addressed keys"). The native
// @napi-rs/blake-hash is the hasher: hash-wasm is ~8x slower, @noble/hashes ~150x slower and the
// `blake3` npm package does not install (MEASURED.md "Hashing").
import { Blake3Hasher, blake3 } from '@napi-rs/blake-hash';
import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** A BLAKE3 digest as 64 lower-case hex characters. */
export type Digest = string;

export const DIGEST_RE = /^[0-9a-f]{64}$/;

/** One-shot BLAKE3 of a buffer (a hasher object costs ~30 µs to create: too much for 1 KB blobs). */
export function blake3Hex(data: Uint8Array): Digest {
  return blake3(asBuffer(data)).toString('hex');
}

/** A Buffer view of the same bytes (no copy): the 1.3.4 typings take Buffer, not Uint8Array. */
function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Incremental BLAKE3 for streams. */
export class StreamDigest {
  private readonly h = new Blake3Hasher();
  size = 0;
  update(chunk: Uint8Array): void {
    this.h.update(asBuffer(chunk));
    this.size += chunk.length;
  }
  hex(): Digest {
    return this.h.digest('hex');
  }
}

/** BLAKE3 of a whole file read from an open handle from offset 0 (the fd's position is untouched). */
export async function hashHandle(fh: FileHandle, size: number, chunk = 1 << 20): Promise<{ digest: Digest; size: number }> {
  const d = new StreamDigest();
  const buf = Buffer.allocUnsafe(Math.min(chunk, Math.max(size, 1)));
  let pos = 0;
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) break;
    d.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
  return { digest: d.hex(), size: d.size };
}

/** BLAKE3 of a file by path, streamed (a 2 GB blob never sits in memory). */
export async function hashFile(file: string): Promise<{ digest: Digest; size: number }> {
  const d = new StreamDigest();
  for await (const c of createReadStream(file, { highWaterMark: 1 << 20 })) d.update(c as Buffer);
  return { digest: d.hex(), size: d.size };
}
