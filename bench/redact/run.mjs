// Redaction of very long log lines (one minified bundle or base64 blob on a line), side by side:
//   ours      Redactor.stream(): the line end searched only in new chunks, lines over 1 MiB redacted
//             in pieces cut where no rule matches
//   previous  the stream as it was: the held text re-joined and searched from its start at every
//             chunk (quadratic in the line length: 10/20/40 MB took 0.8/2.5/10.4 s)
//   sed       GNU sed with one credential expression over the same file, as a floor for a pass
// Prints time per MB for 10, 20 and 40 MB lines: flat per MB is linear.
//   npm run build && node bench/redact/run.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { Redactor } from 'ci-intel/parsers';

const redactor = new Redactor();
const MB = 1024 * 1024;

/** The previous line stream, for comparison (its accumulation, with today's rules). */
class Previous extends Transform {
  rest = '';
  constructor() {
    super({ decodeStrings: true, encoding: 'utf8' });
  }
  _transform(chunk, _e, cb) {
    const text = this.rest + chunk.toString('utf8');
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      this.push(redactor.apply(text.slice(start, nl + 1)));
      start = nl + 1;
    }
    this.rest = text.slice(start);
    cb();
  }
  _flush(cb) {
    if (this.rest) this.push(redactor.apply(this.rest));
    cb();
  }
}

function line(mb) {
  const words = ['lorem', 'ipsum', '{"a":1}', 'x=1', 'https://example.com/p', 'build', 'ok'];
  const parts = [];
  let n = 0;
  for (let i = 0; n < mb * MB; i++) {
    const w = i % 50_000 === 0 ? 'export GH_TOKEN=ghp_Zx8Qw3Er5Ty7Ui9Op1As3Df5Gh7Jk9Lz0Xcv' : words[(i * 7) % words.length];
    parts.push(w, ' ');
    n += w.length + 1;
  }
  return parts.join('') + '\n';
}

async function time(make, text) {
  const chunks = [];
  for (let i = 0; i < text.length; i += 65_536) chunks.push(text.slice(i, i + 65_536));
  const t = performance.now();
  let out = 0;
  for await (const c of Readable.from(chunks).pipe(make())) out += c.length;
  if (!out) throw new Error('no output');
  return (performance.now() - t) / 1000;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'ci-intel-redact-bench-'));
try {
  const rows = [];
  for (const mb of [10, 20, 40]) {
    const text = line(mb);
    const ours = await time(() => redactor.stream(), text);
    const previous = await time(() => new Previous(), text);
    const file = path.join(dir, `l${mb}`);
    writeFileSync(file, text);
    const t = performance.now();
    execFileSync('sed', ['-E', 's/gh[pousr]_[A-Za-z0-9]{36,255}/[REDACTED]/g', file], { maxBuffer: 1024 * MB, stdio: ['ignore', 'ignore', 'inherit'] });
    const sed = (performance.now() - t) / 1000;
    rows.push({ mb, ours, previous, sed });
    console.log(
      `${mb} MB line: ours ${ours.toFixed(2)} s (${((ours / mb) * 1000).toFixed(0)} ms/MB), peer previous stream ${previous.toFixed(2)} s (${((previous / mb) * 1000).toFixed(0)} ms/MB), ratio ${(previous / ours).toFixed(1)}x; sed one rule ${sed.toFixed(2)} s`,
    );
  }
  const [a, , c] = rows;
  console.log(`growth 10 -> 40 MB (4x the input): ours ${(c.ours / a.ours).toFixed(1)}x, previous ${(c.previous / a.previous).toFixed(1)}x (linear = 4x)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
