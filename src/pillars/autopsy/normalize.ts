// Log normalizing (issue 4, deliverable 3): what a CI runner adds around a tool's output is taken
// off before rules look at a line, and every line keeps its raw text and 1-based number so the
// evidence is always shown (and checked) as the raw line.
//
// Understood: ANSI escape sequences (SGR colours, cursor moves, OSC titles), GitHub Actions
// timestamps (`2026-11-22T07:51:28.6066958Z `) and `##[group]` / `##[endgroup]` / `##[error]` ...
// markers, GitLab `section_start:` / `section_end:` markers, and carriage-return progress lines
// (`10%\r20%\rdone` shows as `done`, as a terminal would).
//
// Normalizing never adds or removes a newline, and works within a line: line N of the normalized
// text is line N of the raw text, so the scanner counts lines on the raw bytes and normalizes only
// the lines it reads (scan.ts).

// CSI (ESC [ ... final), OSC (ESC ] ... BEL|ST), and two-character escapes. Bounded classes, no
// nesting: linear time.
const ANSI = /\x1b\[[0-9;?<=>!]*[ -/]*[@-~]|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|\x1b[()*+][0-9A-Za-z]|\x1b[@-Z\\-_=>78]/g;

/**
 * End (exclusive) of the escape sequence ANSI matches at `u[i]` (an ESC byte) within `u[i, to)`,
 * or -1 when ANSI matches none there: the same alternatives in the same order, on bytes, for the
 * prefilter that scans raw bytes (prefilter.ts). No sequence holds a newline.
 */
export function ansiEnd(u: Uint8Array, i: number, to: number): number {
  const c = i + 1 < to ? u[i + 1]! : -1;
  if (c === 0x5b) {
    // CSI: ESC [ params* intermediates* final
    let j = i + 2;
    while (j < to && isCsiParam(u[j]!)) j++;
    while (j < to && u[j]! >= 0x20 && u[j]! <= 0x2f) j++;
    return j < to && u[j]! >= 0x40 && u[j]! <= 0x7e ? j + 1 : -1;
  }
  if (c === 0x5d) {
    // OSC: ESC ] body, ended by BEL or ESC \ when present
    let j = i + 2;
    while (j < to && u[j] !== 0x07 && u[j] !== 0x1b && u[j] !== 0x0a) j++;
    if (j < to && u[j] === 0x07) return j + 1;
    if (j + 1 < to && u[j] === 0x1b && u[j + 1] === 0x5c) return j + 2;
    return j;
  }
  if (c >= 0x28 && c <= 0x2b) {
    // charset switch: ESC ( B
    const d = i + 2 < to ? u[i + 2]! : -1;
    return (d >= 0x30 && d <= 0x39) || (d >= 0x41 && d <= 0x5a) || (d >= 0x61 && d <= 0x7a) ? i + 3 : -1;
  }
  // two-character escapes: ESC [@-Z\\-_=>78]
  return (c >= 0x40 && c <= 0x5a) || (c >= 0x5c && c <= 0x5f) || c === 0x3d || c === 0x3e || c === 0x37 || c === 0x38 ? i + 2 : -1;
}

/** CSI parameter bytes: [0-9;?<=>!]. */
function isCsiParam(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || b === 0x3b || b === 0x3f || b === 0x3c || b === 0x3d || b === 0x3e || b === 0x21;
}

// GitHub Actions raw-log timestamp prefix (7 fractional digits in practice; any number accepted).
const GHA_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?/gm;
// `gh run view --log` columns: job name, step name, then the raw line (with its timestamp).
const GH_COLUMNS = /^[^\t\n]*\t[^\t\n]*\t(?=\d{4}-\d\d-\d\dT)/gm;
// GitHub Actions log markers (the runner's `##[...]` and the workflow-command echo).
const GHA_MARKER = /^##\[(?:group|endgroup|error|warning|notice|debug|command|section)\]/gm;
// GitLab collapsible sections: `section_start:1700000000:name[collapsed=true]\r` and the end marker.
const GITLAB_SECTION = /section_(?:start|end):\d+:[^\r\n]*\r?/g;

/**
 * Carriage returns, as a terminal shows them: a line's trailing `\r`s go, and of a line holding
 * `\r` inside only what follows the last one stays (`10%\r50%\rdone` shows as `done`). A scan
 * from each line's end, linear in the text: the regex this replaces (`[^\r\n]*\r(?=[^\r\n])`)
 * ran over the rest of the line from every position, 3.4 s on one 45k-character line (issue 15).
 */
function crOverwrite(s: string): string {
  let out = '';
  let from = 0;
  while (from <= s.length) {
    let nl = s.indexOf('\n', from);
    if (nl < 0) nl = s.length;
    let end = nl;
    while (end > from && s.charCodeAt(end - 1) === 13) end--;
    const cr = s.lastIndexOf('\r', end - 1);
    out += s.slice(cr >= from ? cr + 1 : from, end);
    if (nl < s.length) out += '\n';
    from = nl + 1;
  }
  return out;
}

/** True when a text may need normalizing (cheap test that keeps the common case fast). */
function needsWork(s: string): boolean {
  return s.includes('\x1b') || s.includes('\r') || s.includes('\t') || s.includes('##[') || s.includes('section_') || /^\d{4}-\d\d-\d\dT/m.test(s);
}

/**
 * Normalizes a block of log text (any number of lines). The number of `\n` is unchanged, so line
 * numbers of the result are those of the input.
 */
export function normalizeText(raw: string): string {
  if (!needsWork(raw)) return raw;
  let s = raw;
  if (s.includes('\x1b')) s = s.replace(ANSI, '');
  if (s.includes('section_')) s = s.replace(GITLAB_SECTION, '');
  if (s.includes('\r')) s = crOverwrite(s);
  if (s.includes('\t')) s = s.replace(GH_COLUMNS, '');
  s = s.replace(GHA_TIMESTAMP, '');
  if (s.includes('##[')) s = s.replace(GHA_MARKER, '');
  return s;
}

/** Normalizes one line (no newline inside). */
export function normalizeLine(raw: string): string {
  return normalizeText(raw);
}

/** The GitHub Actions step command (`##[group]Run npm test` → `npm test`), or null. */
export function ghaRunCommand(raw: string): string | null {
  const m = /^(?:[^\t\n]*\t[^\t\n]*\t)?(?:\d{4}-\d\d-\d\dT\S+Z )?##\[group\]Run (.+)$/.exec(raw);
  return m ? m[1]!.trim() : null;
}
