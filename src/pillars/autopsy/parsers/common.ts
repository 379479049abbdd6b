// What every tool parser shares: the parser shape, path clean-up, stack-frame and location finders.
import type { FailingTest, Hit, LogFacts } from '../types.js';

export interface Location {
  file: string | null;
  line: number | null;
}

/**
 * A tool's structure, beyond single lines (issue 4, deliverable 4): which lines show the tool is
 * running (signals, rare lines only: they join the scanner's prefilter), the facts its summaries
 * state (failing tests), where a hit points (file and line, read from the surrounding lines) and
 * the command that reproduces it.
 */
export interface ToolParser {
  tool: string;
  signals: RegExp[];
  facts?(text: string, line: number, facts: LogFacts): void;
  locate?(hit: Hit): Location | null;
  repro?(hit: Hit, test: FailingTest | null, facts: LogFacts): string | null;
}

/**
 * A path as the project sees it: CI workspace prefixes taken off (GitHub Actions
 * `/home/runner/work/<repo>/<repo>/`, container `/__w/<repo>/<repo>/`, `/github/workspace/`,
 * GitLab `/builds/<group>/<project>/`), `file://` and a leading `./` dropped.
 */
export function relPath(p: string): string {
  let s = p.trim().replace(/^file:\/\//, '');
  const gh = /^(?:\/home\/runner\/work|\/__w)\/([^/]+)\/(?:([^/]+)\/)?/.exec(s);
  if (gh) s = gh[2] !== undefined && gh[2] === gh[1] ? s.slice(gh[0].length) : s.slice(gh[0].length - (gh[2] !== undefined ? gh[2].length + 1 : 0));
  else s = s.replace(/^\/github\/workspace\//, '').replace(/^\/builds\/[^/]+\/[^/]+\//, '');
  return s.replace(/^\.\//, '');
}

/** Frames that are not the project's code (runtimes, dependencies). */
export function isForeignPath(p: string): boolean {
  return /(?:^|\/)node_modules\/|^node:|^internal\/|\/usr\/(?:local\/)?lib\/|\/lib\/python\d|site-packages\/|dist-packages\/|^<frozen|\/rustc\/|\/\.cargo\/registry\/|\/go\/pkg\/mod\/|^\/usr\/lib\/go|\/hostedtoolcache\//.test(
    p,
  );
}

const JS_FRAME = /^\s*at (?:.*? \()?((?:file:\/\/)?[^\s()]+?):(\d+):\d+\)?\s*$/;
const VITEST_FRAME = /^\s*❯ (?:\S+ )?([^\s:]+\.[cm]?[jt]sx?):(\d+):\d+/;

/** The first project frame of a JS stack trace in `lines`. */
export function firstJsFrame(lines: Array<{ text: string }>, max = 40): Location | null {
  for (const l of lines.slice(0, max)) {
    const m = JS_FRAME.exec(l.text) ?? VITEST_FRAME.exec(l.text);
    if (m && !isForeignPath(m[1]!)) return { file: relPath(m[1]!), line: Number(m[2]) };
  }
  return null;
}

export const num = (s: string | undefined): number | null => (s !== undefined && /^\d+$/.test(s) ? Number(s) : null);

/** Shell-quotes a word when it needs it. */
export function sq(s: string): string {
  return /^[\w./:@=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Double-quotes a test name for `-t "..."`-style options. */
export function dq(s: string): string {
  return `"${s.replace(/(["\\$`])/g, '\\$1')}"`;
}

/** Escapes regex metacharacters (test-name filters are regexes). */
export function reEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The step command nearest before a line (GitHub Actions `Run ...`). */
export function stepBefore(facts: LogFacts, line: number): string | null {
  let best: string | null = null;
  for (const s of facts.steps) if (s.line <= line) best = s.command;
  return best ?? facts.steps[0]?.command ?? null;
}
