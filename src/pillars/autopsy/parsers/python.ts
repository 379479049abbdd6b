// pytest and Python tracebacks. pytest prints each failure as a section (`____ test_x ____`) with
// the traceback frames (`path.py:N: in func` in --tb=short, code lines in long form), the `E   `
// lines of the exception, and in long form a closing `path.py:N: ExcType` location line; the
// `short test summary info` names each failing test id (`FAILED tests/x.py::test_y - msg`).
import type { FailingTest, Hit } from '../types.js';
import { isForeignPath, relPath, sq, type Location, type ToolParser } from './common.js';

const SUMMARY = /^(FAILED|ERROR) (\S+?\.py)(?:::(\S+?))?(?: - (.*))?$/;
const PY_FILE_LINE = /File "([^"]+)", line (\d+)/;
const LONG_LOCATION = /^(\S+\.py):(\d+): (?!in )[A-Za-z_][\w.]*/;
const SHORT_FRAME = /^(\S+\.py):(\d+): in /;

export const pytest: ToolParser = {
  tool: 'pytest',
  signals: [
    /^=+ (?:test session starts|FAILURES|ERRORS|short test summary info|warnings summary) =+$/,
    /^(?:FAILED|ERROR) \S+\.py/,
    /^!+ (?:Interrupted|stopping after)/,
    /^=* ?\d+ (?:failed|passed|errors?)(?:, \d+ \w+)* in [\d.]+s/,
    /^_{3,} (?:ERROR collecting )?\S.* _{3,}$/,
    /^platform linux -- Python [\d.]+, pytest-/,
  ],
  facts(text, line, facts) {
    const m = SUMMARY.exec(text);
    if (m) facts.failingTests.push({ tool: 'pytest', id: m[3] ? `${m[2]}::${m[3]}` : m[2]!, file: m[2], name: m[3], line });
  },
  locate(hit) {
    // A SyntaxError names the file it could not compile in the E lines above it.
    if (/SyntaxError|IndentationError|TabError/.test(hit.text)) {
      for (let i = hit.before.length - 1; i >= Math.max(0, hit.before.length - 8); i--) {
        const m = PY_FILE_LINE.exec(hit.before[i]!.text);
        if (m) return { file: relPath(m[1]!), line: Number(m[2]) };
      }
    }
    // Long form: the location line closes the failure block.
    for (const a of hit.after.slice(0, 25)) {
      if (/^_{3,} |^=+ /.test(a.text)) break;
      const m = LONG_LOCATION.exec(a.text);
      if (m) return { file: relPath(m[1]!), line: Number(m[2]) };
    }
    // Short form: the innermost frame above the E lines.
    for (let i = hit.before.length - 1; i >= 0; i--) {
      const t = hit.before[i]!.text;
      if (/^_{3,} /.test(t)) break;
      const m = SHORT_FRAME.exec(t);
      if (m && !isForeignPath(m[1]!)) return { file: relPath(m[1]!), line: Number(m[2]) };
    }
    return pythonFrame(hit);
  },
  repro(hit, test) {
    if (test) return `pytest ${sq(test.id)}`;
    const loc = pytest.locate?.(hit);
    return loc?.file && /(?:^|\/)test_|_test\.py$/.test(loc.file) ? `pytest ${sq(loc.file)}` : null;
  },
};

/** The innermost project frame of a Python traceback above the exception line. */
function pythonFrame(hit: Hit): Location | null {
  for (let i = hit.before.length - 1; i >= 0; i--) {
    const m = PY_FILE_LINE.exec(hit.before[i]!.text);
    if (m && !isForeignPath(m[1]!)) return { file: relPath(m[1]!), line: Number(m[2]) };
  }
  return null;
}

export const python: ToolParser = {
  tool: 'python',
  signals: [/^Traceback \(most recent call last\):$/, /^\s*File "[^"]+", line \d+, in /],
  locate: pythonFrame,
  repro(hit, _t: FailingTest | null, facts) {
    for (const b of hit.before) {
      const m = /^\+ (python3? .+)$/.exec(b.text);
      if (m) return m[1]!;
    }
    return facts.steps.find((s) => /^python/.test(s.command))?.command ?? null;
  },
};
