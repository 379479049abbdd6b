import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CiError } from '../errors.js';
import { syncDir } from '../fsync.js';
import { checkKey, type BlobInfo, type BlobStore } from './index.js';

/** Filesystem store: atomic temp-file + fsync + rename, so a reader never sees a torn blob. */
export class FsBlobStore implements BlobStore {
  readonly kind = 'fs' as const;

  constructor(readonly root: string) {}

  private file(key: string): string {
    return path.join(this.root, ...checkKey(key).split('/'));
  }

  async put(key: string, data: Buffer | Readable): Promise<{ key: string; size: number }> {
    const file = this.file(key);
    const dir = path.dirname(file);
    await mkdir(dir, { recursive: true });
    const tmp = path.join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    let size = 0;
    try {
      if (Buffer.isBuffer(data)) {
        const fh = await open(tmp, 'w');
        try {
          await fh.writeFile(data);
          await fh.sync();
        } finally {
          await fh.close();
        }
        size = data.length;
      } else {
        const out = createWriteStream(tmp);
        data.on('data', (c: Buffer) => (size += c.length));
        await pipeline(data, out);
        const fh = await open(tmp, 'r+');
        try {
          await fh.sync();
        } finally {
          await fh.close();
        }
      }
      await rename(tmp, file);
      await syncDir(dir);
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => {});
      if (e instanceof CiError) throw e;
      throw new CiError('E_BLOB_UNAVAILABLE', `cannot write ${key}: ${(e as Error).message}`, {
        where: file,
        hint: 'check the blob folder exists, is writable and the disk is not full',
        cause: e,
      });
    }
    return { key, size };
  }

  async get(key: string): Promise<Readable> {
    const file = this.file(key);
    try {
      await stat(file);
    } catch {
      throw new CiError('E_NOT_FOUND', `no object ${key}`, { where: file });
    }
    return createReadStream(file);
  }

  async getBuffer(key: string): Promise<Buffer> {
    try {
      return await readFile(this.file(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CiError('E_NOT_FOUND', `no object ${key}`);
      throw e;
    }
  }

  async head(key: string): Promise<BlobInfo | null> {
    try {
      const s = await stat(this.file(key));
      return { key, size: s.size, modified: s.mtime };
    } catch {
      return null;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.file(key), { force: true });
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    // Walk only the folders that can hold the prefix.
    const slash = prefix.lastIndexOf('/');
    const base = slash >= 0 ? prefix.slice(0, slash) : '';
    if (base) checkKey(base);
    const start = base ? path.join(this.root, ...base.split('/')) : this.root;
    yield* this.walk(start, base, prefix);
  }

  private async *walk(dir: string, rel: string, prefix: string): AsyncIterable<BlobInfo> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      if (e.name.startsWith('.tmp-')) continue;
      const key = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (prefix.startsWith(key + '/') || key.startsWith(prefix) || prefix === '' || (key + '/').startsWith(prefix))
          yield* this.walk(path.join(dir, e.name), key, prefix);
      } else if (key.startsWith(prefix)) {
        const s = await stat(path.join(dir, e.name));
        yield { key, size: s.size, modified: s.mtime };
      }
    }
  }
}

export { Readable };
