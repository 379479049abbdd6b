// What a file is, from its first bytes (and its name for .pyc, which has no fixed magic).
import { AR_MAGIC } from './ar.js';
import { isTarHeader } from './tar.js';

export type Kind = 'empty' | 'elf' | 'gzip' | 'xz' | 'zstd' | 'bzip2' | 'zip' | 'ar' | 'tar' | 'pyc' | 'json' | 'text' | 'binary';

export const HEAD_BYTES = 8192;

export function sniff(head: Buffer, name: string): Kind {
  if (head.length === 0) return 'empty';
  const b = (s: string) => head.subarray(0, s.length).toString('latin1') === s;
  if (b('\x7fELF')) return 'elf';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (b('\xfd7zXZ\x00')) return 'xz';
  if (b('\x28\xb5\x2f\xfd')) return 'zstd';
  if (b('BZh') && /[1-9]/.test(String.fromCharCode(head[3] ?? 0))) return 'bzip2';
  if (b('PK\x03\x04') || b('PK\x05\x06')) return 'zip';
  if (b(AR_MAGIC)) return 'ar';
  if (isTarHeader(head.subarray(0, 512))) return 'tar';
  // .pyc: a 2-byte magic number per Python version, then \r\n
  if (/\.pyc$/.test(name) && head[2] === 0x0d && head[3] === 0x0a) return 'pyc';
  if (head.includes(0)) return 'binary';
  if (/\.json$/i.test(name) || /^\s*[{[]/.test(head.toString('utf8', 0, 64))) return 'json';
  return 'text';
}
