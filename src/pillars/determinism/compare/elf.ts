// ELF objects and executables: section by section. `.note.gnu.build-id` drift is `build-id`; other
// sections are judged by their strings (__DATE__ in .rodata, the build folder in .debug_str /
// .debug_line_str); a section whose bytes differ while its strings do not has moved offsets, caused
// by the differences found elsewhere in the file.
import { firstDifference, compareStrings } from './text.js';
import type { CompareCtx } from './context.js';

interface Section {
  name: string;
  type: number;
  data: Buffer;
}

export function elfSections(f: Buffer): Section[] {
  const is64 = f[4] === 2;
  const le = f[5] === 1;
  const u16 = (o: number) => (le ? f.readUInt16LE(o) : f.readUInt16BE(o));
  const u32 = (o: number) => (le ? f.readUInt32LE(o) : f.readUInt32BE(o));
  const uN = (o: number) => (is64 ? Number(le ? f.readBigUInt64LE(o) : f.readBigUInt64BE(o)) : u32(o));
  const shoff = uN(is64 ? 0x28 : 0x20);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  const shnum = u16(is64 ? 0x3c : 0x30);
  const shstrndx = u16(is64 ? 0x3e : 0x32);
  if (shoff === 0 || shoff + shnum * shentsize > f.length) throw new Error('ELF section headers out of range');
  const raw = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    const type = u32(o + 4);
    const offset = uN(o + (is64 ? 0x18 : 0x10));
    const size = uN(o + (is64 ? 0x20 : 0x14));
    // SHT_NOBITS (.bss) occupies no bytes in the file
    const data = type === 8 || offset + size > f.length ? Buffer.alloc(0) : f.subarray(offset, offset + size);
    raw.push({ nameOff: u32(o), type, data });
  }
  const names = raw[shstrndx]?.data ?? Buffer.alloc(0);
  return raw.map((s) => {
    const end = names.indexOf(0, s.nameOff);
    return { name: names.toString('latin1', s.nameOff, end < 0 ? names.length : end), type: s.type, data: s.data };
  });
}

/** Where the GNU build id lies in a .note.gnu.build-id section's bytes: [start, end). */
export function noteDescRange(note: Buffer): [number, number] {
  if (note.length < 16) return [0, note.length];
  const namesz = note.readUInt32LE(0);
  const descsz = note.readUInt32LE(4);
  const descOff = 12 + Math.ceil(namesz / 4) * 4;
  return [Math.min(descOff, note.length), Math.min(descOff + descsz, note.length)];
}

/** The GNU build id (hex) from a .note.gnu.build-id section's bytes. */
const buildId = (note: Buffer): string => note.subarray(...noteDescRange(note)).toString('hex');

export function compareElf(a: Buffer, b: Buffer, where: string, ctx: CompareCtx): void {
  const { c } = ctx;
  const sa = elfSections(a);
  const sb = elfSections(b);
  const mb = new Map(sb.map((s) => [s.name, s]));
  const ma = new Map(sa.map((s) => [s.name, s]));
  const shifted: string[] = [];
  const before = c.total;
  for (const s of sa) {
    const o = mb.get(s.name);
    if (!o) {
      c.add('content', `${where}[${s.name}]`, 'section only in the first');
      continue;
    }
    if (s.data.equals(o.data)) continue;
    if (s.name === '.note.gnu.build-id') {
      c.add('build-id', `${where}[${s.name}]`, `build id ${buildId(s.data)} vs ${buildId(o.data)}`);
      continue;
    }
    if (compareStrings(s.data, o.data, `${where}[${s.name}]`, c, ctx.known) === 0) shifted.push(s.name);
  }
  for (const s of sb) if (!ma.has(s.name)) c.add('content', `${where}[${s.name}]`, 'section only in the second');
  // Sections differing without a string of difference: offsets moved by what was found above; with
  // nothing found above, the code itself differs.
  const found = Object.entries(c.counts)
    .filter(([k, n]) => k !== 'build-id' && k !== 'content' && n)
    .map(([k]) => k);
  const explained = c.total > before && found.length > 0;
  for (const name of shifted) {
    const s = ma.get(name)!;
    const o = mb.get(name)!;
    if (explained) c.note(`${where}: sections ${shifted.join(', ')} differ only in offsets moved by the differences listed`);
    else c.add('content', `${where}[${name}]`, `bytes differ from offset ${firstDifference(s.data, o.data)} (${s.data.length} vs ${o.data.length} bytes)`);
  }
}
