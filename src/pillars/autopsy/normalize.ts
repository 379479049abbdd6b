// Log normalizing (issue 4, deliverable 3): what a CI runner adds around a tool's output is taken
// off before rules look at a line, and every line keeps its raw text and 1-based number so the
// evidence is always shown (and checked) as the raw line.
//
// Understood: ANSI escape sequences (SGR colours, cursor moves, OSC titles), GitHub Actions
// timestamps (`2026-11-22T07:51:28.6066958Z `) and `##[group]` / `##[endgroup]` / `##[error]` ...
// markers, GitLab `section_start:` / `section_end:` markers, and carriage-return progress lines
// (`10%\r20%\rdone` shows as `done`, as a terminal would).
//
// Normalizing never adds or removes a newline, so line N of the normalized text is line N of the
// raw text: the scanner runs its regexes over whole normalized blocks and maps a hit back to the
// raw line by counting newlines.

// CSI (ESC [ ... final), OSC (ESC ] ... BEL|ST), and two-character escapes. Bounded classes, no
// nesting: linear time.
const ANSI = /\x1b\[[0-9;?<=>!]*[ -/]*[@-~]|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|\x1b[()*+][0-9A-Za-z]|\x1b[@-Z\\-_=>78]/g;
// GitHub Actions raw-log timestamp prefix (7 fractional digits in practice; any number accepted).
const GHA_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?/gm;
// GitHub Actions log markers (the runner's `##[...]` and the workflow-command echo).
const GHA_MARKER = /^##\[(?:group|endgroup|error|warning|notice|debug|command|section)\]/gm;
// GitLab collapsible sections: `section_start:1700000000:name[collapsed=true]\r` and the end marker.
const GITLAB_SECTION = /section_(?:start|end):\d+:[^\r\n]*\r?/g;
// A carriage return inside a line: the terminal shows only what follows the last one.
const CR_OVERWRITE = /[^\r\n]*\r(?=[^\r\n])/g;
const CR_BEFORE_NL = /\r+(?=\n|$)/g;

/** True when a text may need normalizing (cheap test that keeps the common case fast). */
function needsWork(s: string): boolean {
  return s.includes('\x1b') || s.includes('\r') || s.includes('##[') || s.includes('section_') || /^\d{4}-\d\d-\d\dT/m.test(s);
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
  if (s.includes('\r')) s = s.replace(CR_BEFORE_NL, '').replace(CR_OVERWRITE, '');
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
  const m = /^(?:\d{4}-\d\d-\d\dT\S+Z )?##\[group\]Run (.+)$/.exec(raw);
  return m ? m[1]!.trim() : null;
}
