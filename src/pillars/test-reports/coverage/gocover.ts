// Go coverprofiles (`go test -coverprofile`): `file:startLine.startCol,endLine.endCol numStmts count`.
// Statements are the profile's own unit (what `go tool cover -func` reports); a line is covered when
// any block over it ran. Blocks repeated by several test binaries (-coverpkg) are merged, max count.
import { splitLines } from '../../../core/lines.js';
import { CiError } from '../../../core/errors.js';
import { acc, finish, type CoverageReport, type FileAcc } from './types.js';

const BLOCK_RE = /^(.+):(\d+)\.(\d+),(\d+)\.(\d+) (\d+) (\d+)$/;

export async function parseGoCover(input: AsyncIterable<Buffer>, name: string): Promise<CoverageReport> {
  const blocks = new Map<string, { file: string; start: number; end: number; stmts: number; count: number }>();
  for await (const l of splitLines(input, { maxLineBytes: 1024 * 1024 })) {
    const t = l.text?.trim();
    if (!t || t.startsWith('mode:')) continue;
    const m = BLOCK_RE.exec(t);
    if (!m)
      throw new CiError('E_REPORT_MALFORMED', `not a coverprofile block: ${t.slice(0, 80)}`, {
        where: `${name}:${l.no}`,
        hint: 'pass the file `go test -coverprofile` wrote',
      });
    const key = `${m[1]}:${m[2]}.${m[3]},${m[4]}.${m[5]}`;
    const count = Number(m[7]);
    const prev = blocks.get(key);
    if (prev) prev.count = Math.max(prev.count, count);
    else blocks.set(key, { file: m[1]!, start: Number(m[2]), end: Number(m[4]), stmts: Number(m[6]), count });
  }
  const files = new Map<string, FileAcc>();
  const lineHits = new Map<string, Map<number, number>>();
  for (const b of blocks.values()) {
    const a = acc(files, b.file);
    a.hasStatements = true;
    a.statements.total += b.stmts;
    if (b.count > 0) a.statements.covered += b.stmts;
    let lh = lineHits.get(b.file);
    if (!lh) lineHits.set(b.file, (lh = new Map()));
    for (let n = b.start; n <= b.end; n++) lh.set(n, Math.max(lh.get(n) ?? 0, b.count));
  }
  for (const [f, lh] of lineHits) for (const [n, c] of lh) files.get(f)!.line(n, c);
  return finish('go-coverprofile', files);
}
