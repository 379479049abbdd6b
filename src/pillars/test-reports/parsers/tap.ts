// TAP 13/14 (node --test's tap reporter, tape, node-tap, prove): `ok`/`not ok` test points,
// `# SKIP`/`# TODO` directives, indented subtests (`# Subtest: name`) and YAML diagnostics. Test id:
// the enclosing subtests joined by ` > ` (or tape's `# test name` comment), then `::<description>`
// (the description alone at top level).
// A point whose diagnostics say `type: 'suite'` is a describe block, not a test (node counts suites
// apart); a `# TODO` point is skipped, as runners count todo tests.
import { splitLines } from '../../../core/lines.js';
import type { TestStatus } from '../../../core/model/index.js';
import { capMessage, ms } from './assemble.js';
import type { ReportParser } from './types.js';

const POINT_RE = /^(\s*)(ok|not ok)\b(?:\s+(\d+))?(?:\s*-)?\s*(.*)$/;
const SUBTEST_RE = /^(\s*)# Subtest: (.*)$/;
const ERRORED_FAILURE_TYPES = new Set(['cancelledByParent', 'testTimeoutFailure']);

interface Point {
  indent: number;
  ok: boolean;
  desc: string;
  directive: 'skip' | 'todo' | null;
  reason: string | null;
  parents: string[];
  yaml: Record<string, string>;
  inYaml: boolean;
  yamlIndent: number;
  lastKey: string | null;
}

/** Splits `description # SKIP reason`, honouring `\#` escapes. */
function splitDirective(rest: string): { desc: string; directive: 'skip' | 'todo' | null; reason: string | null } {
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '\\') {
      i++;
      continue;
    }
    if (rest[i] === '#') {
      const m = /^#\s*(SKIP|TODO)\S*\s*(.*)$/i.exec(rest.slice(i));
      if (m) return { desc: unescape(rest.slice(0, i).trim()), directive: m[1]!.toUpperCase() === 'SKIP' ? 'skip' : 'todo', reason: m[2]!.trim() || null };
    }
  }
  return { desc: unescape(rest.trim()), directive: null, reason: null };
}
const unescape = (s: string) => s.replace(/\\([\\#])/g, '$1');

function yamlScalar(v: string): string {
  const t = v.trim();
  if ((t.startsWith("'") && t.endsWith("'")) || (t.startsWith('"') && t.endsWith('"'))) return t.slice(1, -1).replace(/''/g, "'");
  return t;
}

export const parseTap: ReportParser = async (input, target) => {
  const stack: Array<{ indent: number; name: string }> = [];
  let point: Point | null = null;
  let totalMs: number | null = null;
  // tape-style TAP names its tests in top-level comments (`# adds numbers`) before their assertions.
  let group: string | null = null;

  const emit = (p: Point) => {
    if (p.yaml.type === 'suite') return;
    let status: TestStatus = p.ok ? 'passed' : 'failed';
    if (p.directive) status = 'skipped';
    else if (!p.ok && p.yaml.failureType && ERRORED_FAILURE_TYPES.has(p.yaml.failureType)) status = 'errored';
    const d = Number(p.yaml.duration_ms);
    const parents = p.parents.length ? p.parents : group ? [group] : [];
    const suite = parents.length ? parents.join(' > ') : null;
    target.add({
      // TAP has no retries: a repeated description (tape's "should be equal") is another test point.
      separate: true,
      id: suite ? `${suite}::${p.desc}` : p.desc,
      suite,
      classname: suite,
      name: p.desc,
      status,
      duration_ms: p.yaml.duration_ms !== undefined && Number.isFinite(d) ? Math.round(d * 1000) / 1000 : null,
      message: status === 'passed' ? null : capMessage(p.reason ?? p.yaml.error ?? p.yaml.message ?? null),
      file: p.yaml.location ? p.yaml.location.replace(/:\d+:\d+$/, '') : null,
    });
  };

  for await (const l of splitLines(input, { maxLineBytes: 16 * 1024 * 1024 })) {
    if (l.tooLong || l.text === undefined) continue;
    const line = l.text;
    if (point) {
      const ind = line.length - line.trimStart().length;
      const t = line.trim();
      if (!point.inYaml && t === '---' && ind > point.indent) {
        point.inYaml = true;
        point.yamlIndent = ind;
        continue;
      }
      if (point.inYaml) {
        if (t === '...' && ind === point.yamlIndent) {
          point.inYaml = false;
          continue;
        }
        const kv = /^([A-Za-z_][\w-]*):\s?(.*)$/.exec(line.slice(point.yamlIndent));
        if (kv && ind === point.yamlIndent) {
          point.lastKey = kv[1]!;
          point.yaml[kv[1]!] = kv[2] === '|-' || kv[2] === '|' || kv[2] === '>-' ? '' : yamlScalar(kv[2]!);
        } else if (point.lastKey && ind > point.yamlIndent) {
          const k = point.lastKey;
          if ((point.yaml[k] ?? '').length < 4096) point.yaml[k] = (point.yaml[k] ? point.yaml[k] + '\n' : '') + t;
        }
        continue;
      }
      emit(point);
      point = null;
    }
    const sub = SUBTEST_RE.exec(line);
    if (sub) {
      const ind = sub[1]!.length;
      while (stack.length && stack[stack.length - 1]!.indent >= ind) stack.pop();
      stack.push({ indent: ind, name: sub[2]!.trim() });
      continue;
    }
    const m = POINT_RE.exec(line);
    if (m) {
      const ind = m[1]!.length;
      while (stack.length && stack[stack.length - 1]!.indent > ind) stack.pop();
      const { desc, directive, reason } = splitDirective(m[4] ?? '');
      const top = stack[stack.length - 1];
      if (top && top.indent === ind) stack.pop();
      point = {
        indent: ind,
        ok: m[2] === 'ok',
        desc,
        directive,
        reason,
        parents: stack.map((s) => s.name),
        yaml: {},
        inYaml: false,
        yamlIndent: 0,
        lastKey: null,
      };
      continue;
    }
    const bail = /^\s*Bail out!\s*(.*)$/.exec(line);
    if (bail) {
      target.problem({ kind: 'binary_crashed', where: `line ${l.no}`, message: `Bail out! ${bail[1] ?? ''}`.trim() });
      continue;
    }
    const dur = /^# duration_ms ([\d.]+)/.exec(line);
    if (dur) totalMs = Number(dur[1]);
    else {
      const c = /^# (.+)$/.exec(line);
      // tape marks skipped and todo tests in the comment itself: `# SKIP name`, `# TODO name`.
      if (c && !/^(tests|suites|pass|fail|cancelled|skipped|skip|todo|ok)\b( +\d+)?\s*$/.test(c[1]!.trim())) group = c[1]!.trim().replace(/^(SKIP|TODO) /, '');
    }
  }
  if (point) emit(point);
  target.setRunner(null);
  target.setDuration(totalMs === null ? null : ms(totalMs / 1000));
};
