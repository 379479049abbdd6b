// Streaming `ar` reader (Debian .deb packages, static libraries): 60-byte member headers with
// mtime, uid, gid and mode — the fields `dpkg-deb` and `ar` fill from the build machine.
import type { Readable } from 'node:stream';
import { ByteReader, type ArchiveEntry } from './entry.js';

export const AR_MAGIC = '!<arch>\n';

export async function* arEntries(src: Readable | AsyncIterable<Buffer>): AsyncGenerator<ArchiveEntry> {
  const r = new ByteReader(src);
  const magic = await r.read(8, 'ar magic');
  if (!magic || magic.toString('latin1') !== AR_MAGIC) throw new Error('not an ar archive');
  let longNames = '';
  for (;;) {
    const h = await r.read(60, 'ar member header');
    if (!h) return;
    const field = (o: number, l: number) =>
      h
        .subarray(o, o + l)
        .toString('latin1')
        .trim();
    let name = field(0, 16);
    const size = parseInt(field(48, 10), 10);
    if (!Number.isFinite(size) || h.subarray(58, 60).toString('latin1') !== '`\n') throw new Error(`bad ar member header at offset ${r.offset - 60}`);
    const padded = size + (size % 2);
    if (name === '//') {
      longNames = (await r.read(padded, 'ar name table'))!.toString('latin1');
      continue;
    }
    if (/^\/\d+$/.test(name)) name = longNames.slice(Number(name.slice(1))).split('/\n')[0]!;
    else if (name.endsWith('/') && name !== '/') name = name.slice(0, -1);
    let consumed = false;
    const entry: ArchiveEntry = {
      name,
      type: 'file',
      size,
      mtime: parseInt(field(16, 12), 10) || 0,
      uid: parseInt(field(28, 6), 10) || 0,
      gid: parseInt(field(34, 6), 10) || 0,
      mode: parseInt(field(40, 8), 8) & 0o7777,
      read: async (onChunk) => {
        consumed = true;
        await r.pipe(size, `ar member ${name}`, onChunk);
        await r.pipe(padded - size, 'ar padding');
      },
    };
    yield entry;
    if (!consumed) await r.pipe(padded, `ar member ${name}`);
  }
}
