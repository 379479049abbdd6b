// A parsed YAML file with line positions: the rules walk the yaml package's node tree and report the
// line where a construct is written (keys and values carry source offsets).
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';

export interface YamlFile {
  /** Path relative to the checked folder. */
  file: string;
  src: string;
  root: Node | null;
  lines: LineCounter;
}

export class YamlSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

export function parseYaml(file: string, src: string): YamlFile {
  const lines = new LineCounter();
  const doc = parseDocument(src, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const line = lines.linePos(err.pos[0]).line;
    throw new YamlSyntaxError(line, err.message.split('\n')[0] ?? 'invalid YAML');
  }
  return { file, src, root: (doc.contents as Node | null) ?? null, lines };
}

export const lineAt = (f: YamlFile, offset: number) => f.lines.linePos(offset).line;
export const colAt = (f: YamlFile, offset: number) => f.lines.linePos(offset).col;

/** The line a node starts on (1-based). */
export function lineOf(f: YamlFile, n: Node | Pair | null | undefined): number {
  if (!n) return 1;
  if (isPair(n)) return lineOf(f, n.key as Node);
  return n.range ? lineAt(f, n.range[0]) : 1;
}

export const asMap = (n: unknown): YAMLMap | null => (isMap(n) ? n : null);

/** The pair of a map under a key (the last one wins, as in GitHub's and GitLab's loaders). */
export function pairOf(m: YAMLMap | null, key: string): Pair<Node, Node | null> | undefined {
  if (!m) return undefined;
  let found: Pair<Node, Node | null> | undefined;
  for (const p of m.items as Pair<Node, Node | null>[]) if (isScalar(p.key) && String(p.key.value) === key) found = p;
  return found;
}

export const valueOf = (m: YAMLMap | null, key: string): Node | null => pairOf(m, key)?.value ?? null;

/** A scalar's value as a string (numbers and booleans as written), else null. */
export function str(n: unknown): string | null {
  if (!isScalar(n)) return null;
  const v = n.value;
  return v === null || v === undefined ? null : String(v);
}

/** A string scalar's value (numbers and booleans are not names of images or actions), else null. */
export const text = (n: unknown): string | null => (isScalar(n) && typeof n.value === 'string' ? n.value : null);

export function entries(m: YAMLMap | null): { key: string; pair: Pair<Node, Node | null> }[] {
  if (!m) return [];
  return (m.items as Pair<Node, Node | null>[]).filter((p) => isScalar(p.key)).map((p) => ({ key: String((p.key as { value: unknown }).value), pair: p }));
}

export const items = (n: unknown): Node[] => (isSeq(n) ? (n.items as Node[]) : []);

/** The source text of a node, exactly as written (expressions appear literally in every style). */
export function sourceOf(f: YamlFile, n: Node | null | undefined): { text: string; offset: number } | null {
  if (!n?.range) return null;
  return { text: f.src.slice(n.range[0], n.range[1]), offset: n.range[0] };
}
