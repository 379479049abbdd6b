// The prefilter's inner loop in WebAssembly (issue 4 target: >= 100 MB/s on one core). Walking
// the DFA is one table lookup per byte, and every lookup waits for the one before it; V8 runs
// that loop in JS at ~220 MB/s here, the same loop in WebAssembly at ~400 MB/s (no bounds or type
// checks between the lookups). The module is one function of ~300 bytes, assembled below from its
// text so that no toolchain and no binary file is needed; `dfa-wasm.test.ts` checks it against a
// plain JS walk of the same table.
//
// (module
//   (memory (export "memory") 1)
//   (global $state (export "state") (mut i32) (i32.const 0))
//   (global $lines (export "lines") (mut i32) (i32.const 0))
//   (global $lineStart (export "lineStart") (mut i32) (i32.const 0))
//   ;; Walks bytes [i, to) from $state; returns the address of the first byte whose entry is a
//   ;; MATCH, or an ESC that does not start a CSI sequence, or -1 at `to`. A newline counts a line
//   ;; and returns to the root; a CSI sequence (ESC [ params* intermediates* final) is stepped over
//   ;; with the state kept. `csi` is the address of 256 byte classes: 1 param, 2 intermediate, 4 final.
//   (func (export "find") (param $i i32) (param $to i32) (param $csi i32) (result i32)
//     (local $st i32) (local $nx i32) (local $lines i32) (local $ls i32) (local $j i32)
//     st = $state; lines = $lines; ls = $lineStart
//     block $done loop $next
//       br_if $done (i >= to)
//       nx = load(st + load8_u(i) << 2)
//       if (nx >= 0) { st = nx; i++; br $next }
//       if (nx == -1) { lines++; ls = ++i; st = 0; br $next }
//       if (nx == -2) if (i + 2 <= to) if (load8_u(i + 1) == '[') {
//         j = i + 2
//         while (j < to && csi[j] & 1) j++
//         while (j < to && csi[j] & 2) j++
//         if (j < to) if (csi[j] & 4) { i = j + 1; br $next }
//       }
//       $state = st; $lines = lines; $lineStart = ls; return i
//     end end
//     $state = st; $lines = lines; $lineStart = ls; return -1))

/** Table entries below zero: what a byte completes instead of a next state (a row's byte offset). */
export const NEWLINE = -1;
export const ESCAPE = -2;
/** A transition into a state that completes a literal: MATCH - that state's row offset. */
export const MATCH = -3;
/** Bytes per table row (256 i32 entries). */
export const ROW = 1024;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
}

const name = (s: string) => [...uleb(s.length), ...Buffer.from(s)];
const section = (id: number, items: number[][]) => {
  const body = [...uleb(items.length), ...items.flat()];
  return [id, ...uleb(body.length), ...body];
};

// Instructions (WebAssembly 1.0 binary format).
const I32 = 0x7f;
const VOID = 0x40;
const get = (l: number) => [0x20, l];
const set = (l: number) => [0x21, l];
const tee = (l: number) => [0x22, l];
const gget = (g: number) => [0x23, g];
const gset = (g: number) => [0x24, g];
const i32 = (n: number) => [0x41, ...sleb(n)];
const load = [0x28, 2, 0];
const load8 = (offset = 0) => [0x2d, 0, offset];
const [eqz, eq, ltU, leU, geS, geU, add, and, shl] = [[0x45], [0x46], [0x49], [0x4d], [0x4e], [0x4f], [0x6a], [0x71], [0x74]];
const [block, loop, ifThen, end, ret] = [[0x02, VOID], [0x03, VOID], [0x04, VOID], [0x0b], [0x0f]];
const br = (depth: number) => [0x0c, depth];
const brIf = (depth: number) => [0x0d, depth];

// Params and locals; globals.
const [i, to, csi, st, nx, lines, ls, j] = [0, 1, 2, 3, 4, 5, 6, 7];
const [gState, gLines, gLineStart] = [0, 1, 2];

/** `while (j < to && csi[u[j]] & cls) j++` (depths: the loop is 0, its block 1). */
const skipClass = (cls: number) => [
  ...block,
  ...loop,
  ...get(j),
  ...get(to),
  ...geU,
  ...brIf(1),
  ...get(csi),
  ...get(j),
  ...load8(),
  ...add,
  ...load8(),
  ...i32(cls),
  ...and,
  ...eqz,
  ...brIf(1),
  ...get(j),
  ...i32(1),
  ...add,
  ...set(j),
  ...br(0),
  ...end,
  ...end,
];
const saveState = [...get(st), ...gset(gState), ...get(lines), ...gset(gLines), ...get(ls), ...gset(gLineStart)];

// prettier-ignore
const body = [
  ...uleb(1), ...uleb(5), I32, // five i32 locals
  ...gget(gState), ...set(st), ...gget(gLines), ...set(lines), ...gget(gLineStart), ...set(ls),
  ...block, ...loop, // $done = 1, $next = 0
  ...get(i), ...get(to), ...geU, ...brIf(1),
  ...get(st), ...get(i), ...load8(), ...i32(2), ...shl, ...add, ...load, ...tee(nx),
  ...i32(0), ...geS, ...ifThen,
  ...get(nx), ...set(st), ...get(i), ...i32(1), ...add, ...set(i), ...br(1),
  ...end,
  ...get(nx), ...i32(NEWLINE), ...eq, ...ifThen,
  ...get(lines), ...i32(1), ...add, ...set(lines), ...get(i), ...i32(1), ...add, ...tee(i), ...set(ls), ...i32(0), ...set(st), ...br(1),
  ...end,
  ...get(nx), ...i32(ESCAPE), ...eq, ...ifThen,
  ...get(i), ...i32(2), ...add, ...tee(j), ...get(to), ...leU, ...ifThen,
  ...get(i), ...load8(1), ...i32(0x5b), ...eq, ...ifThen,
  ...skipClass(1), ...skipClass(2),
  ...get(j), ...get(to), ...ltU, ...ifThen,
  ...get(csi), ...get(j), ...load8(), ...add, ...load8(), ...i32(4), ...and, ...ifThen,
  ...get(j), ...i32(1), ...add, ...set(i), ...br(5), // $next, from inside five ifs
  ...end, ...end, ...end, ...end, ...end,
  ...saveState, ...get(i), ...ret,
  ...end, ...end,
  ...saveState, ...i32(-1),
  ...end,
];

/** The module's bytes. */
export const DFA_WASM = Uint8Array.from([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // "\0asm", version 1
  ...section(1, [[0x60, 3, I32, I32, I32, 1, I32]]), // type 0: (i32, i32, i32) -> i32
  ...section(3, [[0]]), // function 0 has type 0
  ...section(5, [[0x00, 1]]), // memory 0: 1 page at least
  ...section(6, [
    [I32, 1, ...i32(0), ...end],
    [I32, 1, ...i32(0), ...end],
    [I32, 1, ...i32(0), ...end],
  ]),
  ...section(7, [
    [...name('memory'), 0x02, 0],
    [...name('state'), 0x03, gState],
    [...name('lines'), 0x03, gLines],
    [...name('lineStart'), 0x03, gLineStart],
    [...name('find'), 0x00, 0],
  ]),
  ...section(10, [[...uleb(body.length), ...body]]),
]);

/** The module's exports (the compiler's lib has no WebAssembly types: the part used is declared). */
interface Exports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  state: { value: number };
  lines: { value: number };
  lineStart: { value: number };
  find(i: number, to: number, csi: number): number;
}
const { Module, Instance } = (
  globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (m: object) => { exports: object } } }
).WebAssembly;

/** Bytes copied into WebAssembly memory at a time (a block of the scanner is at most this). */
const WINDOW = 1024 * 1024;

/** CSI byte classes, as normalize.ts's ANSI pattern has them: [0-9;?<=>!], [ -/], [@-~]. */
function csiClasses(): Uint8Array {
  const c = new Uint8Array(256);
  for (const b of Buffer.from('0123456789;?<=>!')) c[b]! |= 1;
  for (let b = 0x20; b <= 0x2f; b++) c[b]! |= 2;
  for (let b = 0x40; b <= 0x7e; b++) c[b]! |= 4;
  return c;
}

/**
 * A byte DFA table held in WebAssembly memory, and its scan. Memory: the table (rows of 256 i32),
 * the CSI classes, then a window the scanned bytes are copied into.
 */
export class WasmDfa {
  private readonly x: Exports;
  private readonly mem: Uint8Array;
  /** The table (entries: the next state's row offset, or NEWLINE / ESCAPE / MATCH - offset). */
  readonly table: Int32Array;
  private readonly csi: number;
  private readonly window: number;
  /** What the window holds: `src[srcFrom, srcTo)`. */
  private src: Uint8Array | null = null;
  private srcFrom = 0;
  private srcTo = 0;
  /** Newlines the last find() passed; start of the line it ended in. */
  lines = 0;
  lineStart = 0;

  constructor(rows: number) {
    this.x = new Instance(new Module(DFA_WASM)).exports as Exports;
    this.csi = rows * ROW;
    this.window = this.csi + 256;
    const bytes = this.window + WINDOW + 16;
    this.x.memory.grow(Math.ceil(bytes / 65536) - this.x.memory.buffer.byteLength / 65536);
    this.mem = new Uint8Array(this.x.memory.buffer);
    this.table = new Int32Array(this.x.memory.buffer, 0, rows * 256);
    this.mem.set(csiClasses(), this.csi);
  }

  /**
   * Index of the first byte of `u[from, to)` whose entry is a MATCH, or -1; `from` must start a
   * line (the root state). Sets `lines` and `lineStart` as LiteralScanner.find. Escape sequences
   * are stepped over: CSI in the module, the rest (and a CSI cut by the window) by `ansiEnd`. `u`
   * must not change between calls: the window is reused while it holds the range.
   */
  find(u: Uint8Array, from: number, to: number, ansiEnd: (u: Uint8Array, i: number, to: number) => number): number {
    const x = this.x;
    let lines = 0;
    let lineStart = from;
    x.state.value = 0;
    for (let w = from; w < to;) {
      if (!(u === this.src && w >= this.srcFrom && w < this.srcTo)) this.load(u, w, Math.min(to, w + WINDOW));
      const wEnd = Math.min(to, this.srcTo);
      const off = this.window - this.srcFrom; // the memory address of u[0]
      x.lines.value = 0;
      x.lineStart.value = lineStart + off;
      const found = x.find(w + off, wEnd + off, this.csi);
      lines += x.lines.value;
      lineStart = x.lineStart.value - off;
      if (found < 0) {
        w = wEnd;
        continue;
      }
      const at = found - off;
      if (u[at] !== 0x1b) {
        this.lines = lines;
        this.lineStart = lineStart;
        return at; // no literal holds ESC: a MATCH
      }
      // Stepped over with the state kept, or a lone ESC: a byte no literal holds.
      const e = ansiEnd(u, at, to);
      if (e < 0) x.state.value = 0;
      w = e < 0 ? at + 1 : e;
    }
    this.lines = lines;
    this.lineStart = lineStart;
    return -1;
  }

  private load(u: Uint8Array, from: number, to: number): void {
    this.mem.set(u.subarray(from, to), this.window);
    this.src = u;
    this.srcFrom = from;
    this.srcTo = to;
  }
}
