// The dashboard's own words: every string literal of the browser code (the shell, the kit, the
// pillars' pages) is read from the source, so the text drawn on charts' canvases, which the browser
// test cannot read as page text, is checked too. Design-document references ("seed 004", "§4.4",
// "issue 8", "GATE 4") belong in code comments and docs/, never in what users read.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '..');
const DESIGN_REFERENCE = /seed 0|issue |§|GATE \d/i;

/** The .ts files of the dashboard's browser code: src/web, src/core/web and src/pillars/<id>/web. */
function browserSources(): string[] {
  const dirs = [
    path.join(SRC, 'web'),
    path.join(SRC, 'core', 'web'),
    ...readdirSync(path.join(SRC, 'pillars')).map((p) => path.join(SRC, 'pillars', p, 'web')),
  ];
  return dirs
    .filter((d) => existsSync(d))
    .flatMap((d) => (readdirSync(d, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => path.join(d, f)));
}

/** Every string and template text of a file, with its line. */
function literals(file: string): Array<{ line: number; text: string }> {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: Array<{ line: number; text: string }> = [];
  const visit = (n: ts.Node) => {
    if (ts.isStringLiteralLike(n) || ts.isTemplateLiteralToken(n)) out.push({ line: sf.getLineAndCharacterOfPosition(n.getStart()).line + 1, text: n.text });
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe("the dashboard speaks the user's language", () => {
  it('no string in its browser code cites a design document', () => {
    const files = browserSources();
    expect(files.map((f) => path.relative(SRC, f))).toEqual(expect.arrayContaining(['web/app.ts', 'core/web/widgets.ts', 'pillars/metrics/web/health.ts']));
    const found = files.flatMap((f) =>
      literals(f)
        .filter((l) => DESIGN_REFERENCE.test(l.text))
        .map((l) => `${path.relative(SRC, f)}:${l.line}: ${l.text}`),
    );
    expect(found).toEqual([]);
  });
});
