// Weakness ids (CWE) a finding names, and whether two of them describe the same weakness.
// Scanners name the same flaw at different depths of the CWE tree — clang says CWE-119 for an
// unbounded strcpy, Flawfinder CWE-120 — so two findings on the same line are one weakness when one
// id is the other's ancestor. The parents below are the ChildOf relations of MITRE's Research
// Concepts view (CWE-1000, version 4.x) for the weaknesses scanners commonly report; an id not listed
// matches only itself.
const PARENT: Record<number, number[]> = {
  20: [707],
  22: [706, 668],
  23: [22],
  36: [22],
  74: [707],
  77: [74],
  78: [77],
  79: [74],
  88: [77],
  89: [943],
  90: [943],
  91: [74],
  94: [74, 913],
  95: [94],
  116: [707],
  117: [116],
  119: [118],
  120: [119],
  121: [787, 788],
  122: [787, 788],
  125: [119],
  126: [125],
  134: [668],
  190: [682],
  250: [269],
  295: [287],
  327: [693],
  328: [326],
  338: [330],
  377: [668],
  415: [672, 666],
  416: [672, 825],
  476: [754, 710],
  502: [913],
  611: [610],
  676: [1177],
  732: [285, 668],
  787: [119],
  798: [1391, 344],
  829: [669],
  918: [441],
  943: [74],
};

/** Every CWE id in a text ("CWE-120", "external/cwe/cwe-89"), sorted, without repeats. */
export function cwesIn(text: string): number[] {
  const ids = new Set<number>();
  for (const m of text.matchAll(/\bcwe[-_/]?(\d{1,5})\b/gi)) ids.add(Number(m[1]));
  return [...ids].sort((a, b) => a - b);
}

function ancestors(id: number): Set<number> {
  const seen = new Set<number>();
  const todo = [id];
  while (todo.length) {
    const x = todo.pop()!;
    if (seen.has(x)) continue;
    seen.add(x);
    todo.push(...(PARENT[x] ?? []));
  }
  return seen;
}

/** True when some id of `a` is the same weakness as some id of `b` or one of its ancestors or descendants. */
export function sameWeakness(a: number[], b: number[]): boolean {
  return a.some((x) => b.some((y) => ancestors(x).has(y) || ancestors(y).has(x)));
}
