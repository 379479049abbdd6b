// The report formats of `policy check`: text for people, JSON lines for machines, SARIF 2.1.0 for
// code-scanning UIs, JUnit XML for test dashboards, and one self-contained HTML page.
import { RULES, RULE_BY_ID, type Finding, type Severity } from './model.js';
import type { CheckResult } from './check.js';

export const FORMATS = ['text', 'json', 'sarif', 'html', 'junit'] as const;
export type OutputFormat = (typeof FORMATS)[number];

const count = (fs: Finding[], s: Severity) => fs.filter((f) => f.severity === s).length;

export function summaryLine(r: CheckResult): string {
  const e = count(r.findings, 'error');
  const w = count(r.findings, 'warning');
  return `${r.files.length} file${r.files.length === 1 ? '' : 's'} checked: ${e} error${e === 1 ? '' : 's'}, ${w} warning${w === 1 ? '' : 's'}${r.problems.length ? `, ${r.problems.length} not checked` : ''}`;
}

export function renderText(r: CheckResult): string {
  const lines = r.findings.map((f) => `${f.file}:${f.line}${f.column ? `:${f.column}` : ''}: ${f.severity} [${f.rule}] ${f.message}\n    fix: ${f.fix}`);
  return (lines.length ? lines.join('\n') + '\n' : '') + summaryLine(r) + '\n';
}

/** One JSON object per finding, one per line. */
export function renderJson(r: CheckResult): string {
  return r.findings
    .map(
      (f) =>
        JSON.stringify({
          rule: f.rule,
          severity: f.severity,
          file: f.file,
          line: f.line,
          ...(f.column ? { column: f.column } : {}),
          message: f.message,
          fix: f.fix,
        }) + '\n',
    )
    .join('');
}

const HELP_URI = 'https://github.com/ci-intel/ci-intel/blob/main/src/pillars/compliance/README.md';

export function renderSarif(r: CheckResult, version: string): string {
  const used = RULES;
  const index = new Map(used.map((x, i) => [x.id, i]));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'ci-intel',
            semanticVersion: version,
            version,
            informationUri: HELP_URI,
            rules: used.map((x) => ({
              id: x.id,
              name: x.id.replace(/(^|-)(\w)/g, (_m, _d: string, c: string) => c.toUpperCase()),
              shortDescription: { text: x.title },
              helpUri: `${HELP_URI}#${x.id}`,
              defaultConfiguration: { level: x.severity },
              properties: { tags: ['security', x.platform] },
            })),
          },
        },
        originalUriBaseIds: { SRCROOT: { description: { text: 'The checked folder' } } },
        results: r.findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: index.get(f.rule) ?? 0,
          level: f.severity,
          message: { text: `${f.message}. Fix: ${f.fix}` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: encodeURI(f.file), uriBaseId: 'SRCROOT' },
                region: { startLine: f.line, ...(f.column ? { startColumn: f.column } : {}) },
              },
            },
          ],
          partialFingerprints: { 'ciIntelFinding/v1': `${f.rule}:${f.file}:${f.line}` },
        })),
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: r.problems.map((p) => ({
              level: 'error',
              message: { text: p.message },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: encodeURI(p.file), uriBaseId: 'SRCROOT' },
                    ...(p.line ? { region: { startLine: p.line } } : {}),
                  },
                },
              ],
            })),
          },
        ],
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}

const xml = (s: string) =>
  s
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/** JUnit XML: one suite per checked file, one failing case per finding, one passing case for a clean file. */
export function renderJunit(r: CheckResult): string {
  const byFile = new Map<string, Finding[]>(r.files.map((f) => [f, []]));
  for (const f of r.findings) (byFile.get(f.file) ?? byFile.set(f.file, []).get(f.file)!).push(f);
  for (const p of r.problems) if (!byFile.has(p.file)) byFile.set(p.file, []);
  const problems = new Map(r.problems.map((p) => [p.file, p]));
  const suites = [...byFile.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const total = suites.reduce((n, [, fs]) => n + Math.max(1, fs.length), 0);
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="ci-intel policy check" tests="${total}" failures="${r.findings.length}" errors="${r.problems.length}">`,
  ];
  for (const [file, fs] of suites) {
    const problem = problems.get(file);
    out.push(`  <testsuite name="${xml(file)}" tests="${Math.max(1, fs.length)}" failures="${fs.length}" errors="${problem ? 1 : 0}">`);
    if (problem) {
      out.push(`    <testcase classname="${xml(file)}" name="read ${xml(file)}">`);
      out.push(`      <error message="${xml(problem.message)}">${xml(`${file}${problem.line ? `:${problem.line}` : ''}: ${problem.message}`)}</error>`);
      out.push(`    </testcase>`);
    } else if (!fs.length) out.push(`    <testcase classname="${xml(file)}" name="no findings"/>`);
    for (const f of fs) {
      out.push(`    <testcase classname="${xml(file)}" name="${xml(`${f.rule} at line ${f.line}`)}" file="${xml(file)}" line="${f.line}">`);
      out.push(
        `      <failure type="${f.severity}" message="${xml(f.message)}">${xml(`${f.file}:${f.line}: [${f.rule}] ${f.message}\nfix: ${f.fix}`)}</failure>`,
      );
      out.push(`    </testcase>`);
    }
    out.push(`  </testsuite>`);
  }
  out.push(`</testsuites>`);
  return out.join('\n') + '\n';
}

const html = xml;

/** One HTML file with its styles inline and no script or external reference. */
export function renderHtml(r: CheckResult, o: { title?: string; generatedAt?: Date } = {}): string {
  const byRule = new Map<string, number>();
  for (const f of r.findings) byRule.set(f.rule, (byRule.get(f.rule) ?? 0) + 1);
  const rows = r.findings
    .map(
      (f) =>
        `<tr class="${f.severity}"><td><code>${html(f.file)}:${f.line}</code></td><td>${f.severity}</td><td><code>${html(f.rule)}</code></td><td>${html(f.message)}<div class="fix">Fix: ${html(f.fix)}</div></td></tr>`,
    )
    .join('\n');
  const rules = [...byRule.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([id, n]) => `<li><code>${html(id)}</code> — ${html(RULE_BY_ID.get(id)?.title ?? '')}: ${n}</li>`)
    .join('');
  const problems = r.problems.map((p) => `<li><code>${html(p.file)}${p.line ? `:${p.line}` : ''}</code>: ${html(p.message)}</li>`).join('');
  const title = o.title ?? 'Compliance report';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${html(title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1f24}
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #d0d7de;vertical-align:top}
tr.error td:nth-child(2){color:#b42318;font-weight:600}tr.warning td:nth-child(2){color:#9a6700;font-weight:600}
.fix{color:#57606a;margin-top:.2rem}.summary{font-size:1.05rem}code{font-family:ui-monospace,monospace}
</style></head><body>
<h1>${html(title)}</h1>
<p class="summary">${html(summaryLine(r))}${o.generatedAt ? ` — ${html(o.generatedAt.toISOString())}` : ''}</p>
${rules ? `<h2>By rule</h2><ul>${rules}</ul>` : '<p>No findings.</p>'}
${problems ? `<h2>Files not checked</h2><ul>${problems}</ul>` : ''}
${rows ? `<h2>Findings</h2><table><thead><tr><th>Where</th><th>Severity</th><th>Rule</th><th>What and how to fix it</th></tr></thead><tbody>\n${rows}\n</tbody></table>` : ''}
</body></html>
`;
}
