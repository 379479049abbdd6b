// One entry of a container (tar, zip, ar, a folder), as every reader yields it: its metadata and a
// one-shot reader of its bytes. Entries are read in archive order; the bytes of an entry must be
// read (or are skipped) before the next entry is asked for.
import { CiError } from '../../../core/errors.js';

export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

export interface ArchiveEntry {
  name: string;
  type: EntryType;
  size: number;
  mode?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  /** Modification time, seconds since the epoch. */
  mtime?: number;
  linkname?: string;
  /** Other recorded times and attributes (`atime`, `ctime`, zip `extra-time` ...), compared as timestamps. */
  times?: Record<string, number>;
  /** Compressed size, when the container compresses each entry (zip): the base of the zip-bomb cap. */
  packedSize?: number;
  /** Path on disk when the entry is a file of a folder (compared in place, no copy). */
  diskPath?: string;
  /** Streams the entry's bytes to `onChunk`; call at most once. */
  read: (onChunk: (b: Buffer) => void | Promise<void>) => Promise<void>;
}

export type EntrySource = () => AsyncIterable<ArchiveEntry>;

/**
 * Refuses names that would leave an extraction folder: absolute, `..` components, NUL. Nothing is
 * ever extracted by name here (scratch files are numbered), but such an archive is hostile or
 * broken and the user must know.
 */
export function checkEntryName(name: string, where: string): void {
  const parts = name.split(/[\\/]+/);
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || parts.includes('..') || name.includes('\0')) {
    throw new CiError('E_ARCHIVE_UNSAFE', `entry ${JSON.stringify(name)} points outside the archive (absolute path or ..)`, {
      where: `${where}!${name}`,
      hint: 'rebuild the archive with relative entry names; ci-intel never extracts such entries',
    });
  }
}

/** Pull-based reader over a byte stream: exact reads and skips, for streaming parsers. */
export class ByteReader {
  private buf = Buffer.alloc(0);
  private done = false;
  private readonly it: AsyncIterator<Buffer | string>;
  /** Bytes consumed so far. */
  offset = 0;

  constructor(src: AsyncIterable<Buffer | string>) {
    this.it = src[Symbol.asyncIterator]();
  }

  private async fill(n: number): Promise<boolean> {
    while (this.buf.length < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else this.buf = this.buf.length ? Buffer.concat([this.buf, Buffer.from(r.value)]) : Buffer.from(r.value);
    }
    return this.buf.length >= n;
  }

  /** Exactly n bytes, or null at a clean end (no bytes left); a short read is an error. */
  async read(n: number, what: string): Promise<Buffer | null> {
    if (!(await this.fill(n))) {
      if (this.buf.length === 0) return null;
      throw new Error(`truncated ${what}: ${this.buf.length} of ${n} bytes at offset ${this.offset}`);
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    this.offset += n;
    return out;
  }

  /** Streams the next n bytes to onChunk (onChunk undefined: skip them). */
  async pipe(n: number, what: string, onChunk?: (b: Buffer) => void | Promise<void>): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0 && !(await this.fill(1))) throw new Error(`truncated ${what}: ${left} bytes missing at offset ${this.offset}`);
      const take = this.buf.subarray(0, Math.min(left, this.buf.length));
      this.buf = this.buf.subarray(take.length);
      this.offset += take.length;
      left -= take.length;
      if (onChunk) await onChunk(take);
    }
  }

  async atEnd(): Promise<boolean> {
    return !(await this.fill(1));
  }
}
