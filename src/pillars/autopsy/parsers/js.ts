// JavaScript test runners and Node itself. jest titles a failure `● describe › test` under
// `FAIL path`; vitest prints `FAIL  path > describe > test` and `❯ file:line:col` frames (and, under
// GITHUB_ACTIONS, `::error file=...,line=N::` annotations); mocha numbers failures `1) suite` /
// `title:`; node --test prints TAP `not ok N - name` or the spec reporter's `✖ name`; a Node crash
// prints `file:line`, the source line, a caret, the error, and the stack.
import type { Hit, LogFacts } from '../types.js';
import { dq, firstJsFrame, isForeignPath, relPath, stepBefore, type Location, type ToolParser } from './common.js';

function suiteFile(facts: LogFacts, key: string): string | undefined {
  return facts.state.get(key);
}

export const jest: ToolParser = {
  tool: 'jest',
  signals: [/^Test Suites: \d/, /^(?:FAIL|PASS) (?!\t)\S+\.[cm]?[jt]sx?\b/, /^\s+● (?!Console)/, /^Snapshot Summary$/, /^Ran all test suites/],
  facts(text, line, facts) {
    const f = /^(?:FAIL|PASS) (\S+\.[cm]?[jt]sx?)\b/.exec(text);
    if (f) {
      facts.state.set('jest.file', f[1]!);
      return;
    }
    const t = /^\s+● (.+)$/.exec(text);
    if (t && !/^(?:Test suite failed to run|Console)$/.test(t[1]!.trim())) {
      const file = suiteFile(facts, 'jest.file');
      facts.failingTests.push({ tool: 'jest', id: t[1]!.trim(), name: t[1]!.trim().replace(/ › /g, ' '), file, line });
    }
  },
  locate(hit) {
    const vitestStyle = firstJsFrame(hit.after);
    return vitestStyle;
  },
  repro(_hit, test) {
    if (!test) return null;
    return `npx jest ${test.file ? test.file + ' ' : ''}-t ${dq(test.name ?? test.id)}`;
  },
};

const GH_ANNOTATION = /^::error file=([^,]+),(?:[^:]*?,)?line=(\d+)/;

export const vitest: ToolParser = {
  tool: 'vitest',
  signals: [
    /^ ?RUN {1,2}v\d+\.\d+/,
    /^ ?(?:Test Files|Tests) {1,2}\d+ (?:failed|passed)/,
    /⎯{2,} ?(?:Failed Tests?|Unhandled (?:Errors?|Rejection)) ?\d* ?⎯/,
    /^ ?FAIL {1,2}\S+ > /,
    /^::error file=/,
  ],
  facts(text, line, facts) {
    const m = /^ ?FAIL {1,2}(\S+\.[cm]?[jt]sx?) > (.+?)(?: \d+ms)?$/.exec(text);
    if (m) {
      const name = m[2]!.trim();
      facts.failingTests.push({ tool: 'vitest', id: `${m[1]} > ${name}`, name: name.split(' > ').pop(), file: m[1], line });
    }
  },
  locate(hit) {
    for (const a of hit.after) {
      const m = GH_ANNOTATION.exec(a.text);
      if (m) return { file: relPath(m[1]!), line: Number(m[2]) };
    }
    return firstJsFrame(hit.after);
  },
  repro(_hit, test) {
    if (!test) return null;
    return `npx vitest run ${test.file ? test.file + ' ' : ''}-t ${dq(test.name ?? test.id)}`;
  },
};

/** mocha's failure title: `  1) suite` then indented title lines ending with `:`. */
function mochaTitle(hit: Hit): string | null {
  for (let i = hit.before.length - 1; i >= 0; i--) {
    const m = /^\s+\d+\) (.+)$/.exec(hit.before[i]!.text);
    if (!m) continue;
    const parts = [m[1]!.replace(/:$/, '').trim()];
    for (let j = i + 1; j < hit.before.length; j++) {
      const t = hit.before[j]!.text.trim();
      if (!t) break;
      parts.push(t.replace(/:$/, ''));
      if (t.endsWith(':')) break;
    }
    return parts[parts.length - 1] ?? null;
  }
  return null;
}

export const mocha: ToolParser = {
  tool: 'mocha',
  signals: [/^\s+\d+ (?:passing|failing|pending)(?: \(\d+m?s\))?$/],
  locate(hit) {
    const inMsg = /\((\/[^()\s]+\.[cm]?[jt]s)\)\s*$/.exec(hit.text);
    const frame = firstJsFrame(hit.after);
    if (frame) return frame;
    if (inMsg) return { file: relPath(inMsg[1]!), line: null };
    return null;
  },
  repro(hit) {
    const title = mochaTitle(hit);
    return title ? `npx mocha --grep ${dq(title)}` : null;
  },
};

export const nodeTest: ToolParser = {
  tool: 'node-test',
  signals: [
    /^# (?:tests|suites|pass|fail|cancelled) \d+$/,
    /^ℹ (?:tests|suites|pass|fail) \d+$/,
    /^\s*not ok \d+ - /,
    /^✖ failing tests:$/,
    /^TAP version \d+$/,
  ],
  facts(text, line, facts) {
    const m = /^\s*not ok \d+ - (.+?)(?: # .*)?$/.exec(text);
    if (m && !/\.[cm]?[jt]s$/.test(m[1]!)) facts.failingTests.push({ tool: 'node-test', id: m[1]!, name: m[1]!, line });
  },
  locate(hit) {
    for (const a of [...hit.after.slice(0, 30)]) {
      const m = /location: '([^']+?):(\d+):\d+'/.exec(a.text);
      if (m) return { file: relPath(m[1]!), line: Number(m[2]) };
    }
    return firstJsFrame(hit.after);
  },
  repro(_hit, test) {
    return test ? `node --test --test-name-pattern=${dq(test.name ?? test.id)}` : null;
  },
};

/** Node's crash header: `/path/file.js:12` then the source line and a caret. */
function crashHeader(hit: Hit): Location | null {
  for (let i = hit.before.length - 1; i >= Math.max(0, hit.before.length - 6); i--) {
    const m = /^((?:file:\/\/)?\/\S+?|node:[\w/]+):(\d+)$/.exec(hit.before[i]!.text);
    if (m && !isForeignPath(m[1]!)) return { file: relPath(m[1]!), line: Number(m[2]) };
  }
  return null;
}

export const node: ToolParser = {
  tool: 'node',
  signals: [/^Node\.js v\d+\.\d+\.\d+$/, /^node:[\w/]+:\d+$/, /^\s+at .*\(node:internal\//, /^\s+at node:internal\//, /^\s+code: '(?:E[A-Z]+|ERR_\w+)',?$/],
  locate(hit) {
    return firstJsFrame(hit.after) ?? crashHeader(hit);
  },
  repro(hit, _t, facts) {
    const step = stepBefore(facts, hit.line);
    if (step) return step;
    for (const b of hit.before) {
      const m = /^(?:\+ |\$ |> )(node \S+.*)$/.exec(b.text);
      if (m) return m[1]!;
    }
    const loc = firstJsFrame(hit.after);
    return loc?.file ? `node ${loc.file}` : null;
  },
};
