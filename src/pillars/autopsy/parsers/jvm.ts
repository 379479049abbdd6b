// javac, java, Maven (with surefire) and Gradle. javac: `File.java:N: error: msg`; Maven's compiler
// plugin: `[ERROR] /abs/File.java:[N,C] msg`; surefire 3: `[ERROR] pkg.Class.method -- Time elapsed
// ... <<< FAILURE!`; Gradle: `Class > method FAILED` and `* What went wrong:`; a JVM crash:
// `Exception in thread "main" ...` then `at pkg.Class.method(File.java:N)` frames.
import type { Hit } from '../types.js';
import { relPath, sq, stepBefore, type Location, type ToolParser } from './common.js';

const JAVA_FRAME = /^\s*at ([\w$.<>]+)\(([\w$]+\.(?:java|kt|scala|groovy)):(\d+)\)$/;

/** The first frame of a JVM stack trace that is not the JDK's or a test framework's. */
function javaFrame(lines: Array<{ text: string }>): Location | null {
  for (const l of lines.slice(0, 40)) {
    const m = JAVA_FRAME.exec(l.text);
    if (m && !/^(?:java|javax|jdk|sun|org\.junit|org\.opentest4j|org\.apache\.maven|org\.gradle)\./.test(m[1]!)) return { file: m[2]!, line: Number(m[3]) };
  }
  return null;
}

export const javac: ToolParser = {
  tool: 'javac',
  signals: [/\.java:\d+: error: /, /^\d+ errors?$/, /^Usage: javac /],
  locate(hit) {
    const m = /^(\S+\.java):(\d+): /.exec(hit.text);
    return m ? { file: relPath(m[1]!), line: Number(m[2]) } : null;
  },
  repro(hit, _t, facts) {
    return stepBefore(facts, hit.line);
  },
};

export const java: ToolParser = {
  tool: 'java',
  signals: [/^Exception in thread "/, /^\s+at [\w$.<>]+\([\w$]+\.java:\d+\)$/, /^Caused by: [\w$.]+/, /^Error: Could not find or load main class/],
  locate(hit) {
    return javaFrame(hit.after);
  },
  repro(hit, _t, facts) {
    return stepBefore(facts, hit.line);
  },
};

export const maven: ToolParser = {
  tool: 'maven',
  signals: [
    /^\[INFO\] (?:BUILD FAILURE|BUILD SUCCESS|Scanning for projects)/,
    /^\[ERROR\] /,
    /Tests run: \d+, Failures: \d+, Errors: \d+/,
    /^\[INFO\] Building \S+ /,
  ],
  facts(text, line, facts) {
    const m =
      /^\[ERROR\] ([\w$.]+)\.(\w+)(?:\(\))? -- Time elapsed.*<<< (?:FAILURE|ERROR)!/.exec(text) ??
      /^\[ERROR\] (?:Tests run:.*)?(\w+)\(([\w$.]+)\)\s+Time elapsed.*<<< (?:FAILURE|ERROR)!/.exec(text);
    if (m) {
      const [cls, method] = /--/.test(text) ? [m[1]!, m[2]!] : [m[2]!, m[1]!];
      facts.failingTests.push({ tool: 'maven', id: `${cls}#${method}`, name: method, pkg: cls, line });
    }
  },
  locate(hit) {
    const own = /\[ERROR\] (\/\S+?\.(?:java|kt|scala)):\[(\d+),\d+\]/.exec(hit.text);
    if (own) return { file: relPath(own[1]!), line: Number(own[2]) };
    const sf = /^\[ERROR\]\s+(\w+)\.(\w+):(\d+) /.exec(hit.text);
    if (sf) return { file: `${sf[1]}.java`, line: Number(sf[3]) };
    return javaFrame(hit.after);
  },
  repro(hit, test, facts) {
    if (test) return `mvn -Dtest=${sq(`${test.pkg!.split('.').pop()}#${test.name}`)} test`;
    return stepBefore(facts, hit.line);
  },
};

export const gradle: ToolParser = {
  tool: 'gradle',
  signals: [
    /^> Task :\S+/,
    /^BUILD (?:FAILED|SUCCESSFUL) in /,
    /^FAILURE: Build failed with an exception\.$/,
    /^\* What went wrong:$/,
    /^[\w.$]+ > .+ FAILED$/,
  ],
  facts(text, line, facts) {
    const m = /^([\w.$]+) > (.+?)(?:\(\))? FAILED$/.exec(text);
    if (m) facts.failingTests.push({ tool: 'gradle', id: `${m[1]}.${m[2]}`, name: m[2], pkg: m[1], line });
  },
  locate(hit) {
    const own = /^(?:e: )?(?:file:\/\/)?(\/\S+?\.(?:java|kt|gradle|kts)):(\d+)/.exec(hit.text);
    if (own) return { file: relPath(own[1]!), line: Number(own[2]) };
    const build = /(?:Build file|Script) '([^']+)' line: (\d+)/.exec([hit.text, ...hit.after.slice(0, 4).map((a) => a.text)].join('\n'));
    if (build) return { file: relPath(build[1]!), line: Number(build[2]) };
    return javaFrame(hit.after);
  },
  repro(hit, test, facts) {
    if (test) return `gradle test --tests ${sq(test.id)}`;
    return stepBefore(facts, hit.line);
  },
};

export function jvmLocate(hit: Hit): Location | null {
  return javaFrame(hit.after);
}
