// Compilers, linters and package managers: tsc, eslint, prettier, npm, pnpm, yarn, go, cargo.
import type { Hit } from '../types.js';
import { isForeignPath, relPath, reEscape, sq, stepBefore, type Location, type ToolParser } from './common.js';

export const tsc: ToolParser = {
  tool: 'tsc',
  signals: [/error TS\d+: /, /^Found \d+ errors? in /],
  repro(hit, _t, facts) {
    return stepBefore(facts, hit.line) ?? 'npx tsc --noEmit';
  },
};

const ESLINT_FILE = /^((?:\/|[A-Za-z]:\\)\S+|\S+\.(?:[cm]?[jt]sx?|vue|svelte|json|md))$/;

export const eslint: ToolParser = {
  tool: 'eslint',
  signals: [
    /^✖ \d+ problems? \(\d+ errors?, \d+ warnings?\)/,
    /ESLint found too many warnings/,
    /^\s+\d+:\d+\s+(?:error|warning)\s{2}/,
    /^Oops! Something went wrong! :\($/,
  ],
  locate(hit) {
    // The stylish formatter: a file header line, then `  line:col  severity  message  rule`.
    for (let i = hit.before.length - 1; i >= 0; i--) {
      const f = ESLINT_FILE.exec(hit.before[i]!.text);
      if (!f) continue;
      const first = /^\s+(\d+):\d+\s/.exec(hit.before[i + 1]?.text ?? '');
      const own = /^\s+(\d+):\d+\s/.exec(hit.text);
      return {
        file: relPath(f[1]!),
        line: own
          ? Number(own[1])
          : hit.rule.category === 'lint_error' && first && /problems?|too many/.test(hit.text)
            ? null
            : first
              ? Number(first[1])
              : null,
      };
    }
    return null;
  },
  repro(hit) {
    const loc = eslint.locate?.(hit);
    return loc?.file ? `npx eslint ${sq(loc.file)}` : 'npx eslint .';
  },
};

export const prettier: ToolParser = {
  tool: 'prettier',
  signals: [/^\[warn\] Code style issues (?:found|were found)/, /^Checking formatting\.\.\.$/, /^\[(?:warn|error)\] \S/],
  locate(hit) {
    const own = /^\[(?:warn|error)\] (\S+\.\w+)(?:: |$)/.exec(hit.text);
    if (own) return { file: relPath(own[1]!), line: num2(/\((\d+):\d+\)/.exec(hit.text)?.[1]) };
    for (let i = hit.before.length - 1; i >= 0; i--) {
      const m = /^\[warn\] (\S+\.\w+)$/.exec(hit.before[i]!.text);
      if (m) {
        // The first file listed is the one to open.
        let j = i;
        while (j > 0 && /^\[warn\] \S+\.\w+$/.test(hit.before[j - 1]!.text)) j--;
        return { file: relPath(/^\[warn\] (\S+)$/.exec(hit.before[j]!.text)![1]!), line: null };
      }
    }
    return null;
  },
  repro(hit) {
    const loc = prettier.locate?.(hit);
    return `npx prettier --check ${loc?.file ? sq(loc.file) : '.'}`;
  },
};

const num2 = (s: string | undefined) => (s ? Number(s) : null);

export const npm: ToolParser = {
  tool: 'npm',
  signals: [/^npm (?:error|ERR!|warn|WARN) /, /^> \S+@\S+ \S+$/],
  facts(text, _line, facts) {
    const m = /^> \S+@\S+ (\S+)$/.exec(text);
    if (m) facts.state.set('npm.script', m[1]!);
  },
  repro(hit, _t, facts) {
    const step = stepBefore(facts, hit.line);
    if (step) return step;
    const script = facts.state.get('npm.script');
    return script ? (['test', 'start'].includes(script) ? `npm ${script}` : `npm run ${script}`) : null;
  },
};

export const pnpm: ToolParser = {
  tool: 'pnpm',
  signals: [/ERR_PNPM_[A-Z_]+/, /^Progress: resolved \d+, reused \d+/, /^Lockfile is up to date/, /^Packages: [+-]\d+/],
  repro(hit, _t, facts) {
    return stepBefore(facts, hit.line) ?? (/LOCKFILE/.test(hit.text) ? 'pnpm install --frozen-lockfile' : null);
  },
};

export const yarn: ToolParser = {
  tool: 'yarn',
  signals: [
    /^yarn (?:install|run|add) v\d/,
    /^error (?:Couldn't find|An unexpected error|Command failed|Your lockfile)/,
    /^info Visit https:\/\/yarnpkg\.com/,
    /^➤ YN\d{4}: /,
  ],
  repro(hit, _t, facts) {
    return stepBefore(facts, hit.line);
  },
};

// ---- go ----

const GO_FRAME = /^\s+(\/\S+\.go):(\d+)(?: \+0x[0-9a-f]+)?$/;

export const go: ToolParser = {
  tool: 'go',
  signals: [/^--- FAIL: \S+/, /^FAIL\t\S+/, /^ok {2}\t\S+/, /^FAIL$/, /^panic: /, /^goroutine \d+ \[/, /^go: /, /^# [\w./-]+$/],
  facts(text, line, facts) {
    const t = /^\s*--- FAIL: (\S+)/.exec(text);
    if (t) {
      facts.failingTests.push({ tool: 'go', id: t[1]!, name: t[1]!, line });
      return;
    }
    const p = /^FAIL\t(\S+)/.exec(text);
    if (p) for (const f of facts.failingTests) if (f.tool === 'go' && !f.pkg) f.pkg = p[1]!;
  },
  locate(hit) {
    const own = /^\s*(?:\.\/)?([\w./-]+\.go):(\d+)(?::\d+)?: /.exec(hit.text);
    if (own) return { file: relPath(own[1]!), line: Number(own[2]) };
    for (const a of hit.after) {
      const m = GO_FRAME.exec(a.text);
      if (m && !isForeignPath(m[1]!)) return { file: relPath(m[1]!), line: Number(m[2]) };
    }
    return null;
  },
  repro(hit, test, facts) {
    if (test) {
      const run = test.id
        .split('/')
        .map((s) => `^${reEscape(s)}$`)
        .join('/');
      return `go test -run ${sq(run)} ${test.pkg ?? './...'}`;
    }
    return stepBefore(facts, hit.line) ?? (hit.rule.category === 'compile_error' ? 'go build ./...' : null);
  },
};

// ---- cargo / rustc ----

export const cargo: ToolParser = {
  tool: 'cargo',
  signals: [
    /^\s+Compiling \S+ v\d/,
    /^error(?:\[E\d{4}\])?: /,
    /^test result: /,
    /^---- \S+ stdout ----$/,
    /^thread '.+' panicked at /,
    /^\s+(?:Finished|Running|Checking|Updating|Downloaded|Locking) /,
  ],
  facts(text, line, facts) {
    const m = /^---- (\S+) stdout ----$/.exec(text) ?? /^test (\S+) \.\.\. FAILED$/.exec(text);
    if (m && !facts.failingTests.some((f) => f.tool === 'cargo' && f.id === m[1])) facts.failingTests.push({ tool: 'cargo', id: m[1]!, name: m[1]!, line });
  },
  locate(hit) {
    const own = /panicked at ([^\s:]+\.rs):(\d+):\d+/.exec(hit.text);
    if (own) return { file: relPath(own[1]!), line: Number(own[2]) };
    for (const a of hit.after.slice(0, 4)) {
      const m = /^\s*--> ([^\s:]+):(\d+):\d+/.exec(a.text);
      if (m) return { file: relPath(m[1]!), line: Number(m[2]) };
    }
    for (let i = hit.before.length - 1; i >= Math.max(0, hit.before.length - 3); i--) {
      const m = /panicked at ([^\s:]+\.rs):(\d+):\d+/.exec(hit.before[i]!.text);
      if (m) return { file: relPath(m[1]!), line: Number(m[2]) };
    }
    return null;
  },
  repro(hit, test, facts) {
    if (test && /test_failure|crash|test_timeout/.test(hit.rule.category)) return `cargo test ${sq(test.id)} -- --exact`;
    return stepBefore(facts, hit.line) ?? (hit.rule.category === 'lint_error' ? 'cargo clippy -- -D warnings' : 'cargo build');
  },
};

export function goOrRustLocate(hit: Hit): Location | null {
  return go.locate!(hit) ?? cargo.locate!(hit);
}
