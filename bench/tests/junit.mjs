// bench/tests — issue 5 target: JUnit parsing of one 50 MB file, time and peak memory next to
// junit2json (npm; xml2js underneath) on the same file in the same run. Goal: >= 3x faster, <= 1/5
// of its peak memory, >= 60 MB/s, and memory flat in file size. Each contender runs in its own
// child process so peak RSS is its own. Also a bare saxes pass (the floor of any saxes-based parser)
// and our previous saxes-based parser (junit-sax.ts, D-tests-6). Prints ratios; asserts nothing.
//
//   npm run build && node bench/tests/junit.mjs [--mb 50]
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

// ---- child mode: parse one file with one contender, print {ms, rss, tests} ----
if (process.argv[2] === '--child') {
  const [, , , who, file] = process.argv;
  const t0 = process.hrtime.bigint();
  let tests = 0;
  if (who === 'saxes') {
    // Reference: a bare saxes pass counting testcases (the floor any saxes-based parser sits on).
    const { SaxesParser } = await import('saxes');
    const { createReadStream } = await import('node:fs');
    const p = new SaxesParser({ xmlns: false });
    p.on('opentag', (t) => {
      if (t.name === 'testcase') tests++;
    });
    const d = new TextDecoder();
    for await (const c of createReadStream(file, { highWaterMark: 256 * 1024 })) p.write(d.decode(c, { stream: true }));
    p.close();
  } else if (who === 'ours') {
    const { parseReportFile } = await import('ci-intel/parsers');
    tests = (await parseReportFile(file)).tests;
  } else {
    const { parse } = await import('junit2json');
    const doc = await parse(readFileSync(file, 'utf8'));
    const count = (s) => (s.testcase?.length ?? 0) + (s.testsuite ?? []).reduce((a, c) => a + count(c), 0);
    tests = (doc.testsuite ?? []).reduce((a, s) => a + count(s), 0);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  // Node's own footprint (the same process parsing an empty report) is reported apart.
  process.stdout.write(JSON.stringify({ ms, rss: process.resourceUsage().maxRSS * 1024, tests }) + '\n');
  process.exit(0);
}

/** A Surefire/Gradle-like report: many classes, parametrized names with XML specials, some failures with stack traces and output. */
async function writeReport(file, mb) {
  const out = createWriteStream(file);
  const write = (s) => (out.write(s) ? Promise.resolve() : new Promise((r) => out.once('drain', r)));
  await write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="bench">\n');
  let bytes = 0;
  let cls = 0;
  const target = mb * 1024 * 1024;
  const trace = Array.from({ length: 12 }, (_, i) => `\tat com.example.service.Module${i}.call(Module${i}.java:${10 + i})`).join('\n');
  while (bytes < target) {
    let s = `  <testsuite name="com.example.pkg${cls % 50}.Service${cls}Test" tests="40" failures="2" errors="0" skipped="1" time="1.234">\n`;
    for (let i = 0; i < 40; i++) {
      const name = `handles case [${i}] &lt;input&gt; &amp; &quot;edge&quot;`;
      const attrs = `name="${name}" classname="com.example.pkg${cls % 50}.Service${cls}Test" time="0.0${i}"`;
      if (i % 20 === 7)
        s += `    <testcase ${attrs}>\n      <failure message="expected &lt;${i}&gt; but was &lt;${i + 1}&gt;" type="org.opentest4j.AssertionFailedError"><![CDATA[org.opentest4j.AssertionFailedError: expected <${i}> but was <${i + 1}>\n${trace}]]></failure>\n      <system-out><![CDATA[${'log line with some text\n'.repeat(20)}]]></system-out>\n    </testcase>\n`;
      else if (i === 39) s += `    <testcase ${attrs}>\n      <skipped message="disabled"/>\n    </testcase>\n`;
      else s += `    <testcase ${attrs}/>\n`;
    }
    s += '  </testsuite>\n';
    bytes += Buffer.byteLength(s);
    cls++;
    await write(s);
  }
  await write('</testsuites>\n');
  await new Promise((r) => out.end(r));
}

const child = (who, file) =>
  JSON.parse(execFileSync(process.execPath, [path.join(here, 'junit.mjs'), '--child', who, file], { encoding: 'utf8', maxBuffer: 1 << 20 }));
const MB = (b) => b / 1024 / 1024;
const f1 = (v) => v.toFixed(1);

const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-junit-'));
try {
  const mb = arg('mb', 50);
  const file = path.join(dir, `report-${mb}.xml`);
  await writeReport(file, mb);
  const size = MB(statSync(file).size);
  const tiny = path.join(dir, 'tiny.xml');
  await writeReport(tiny, 0);
  const base = { ours: child('ours', tiny).rss, peer: child('junit2json', tiny).rss };
  const ours = child('ours', file);
  const peer = child('junit2json', file);
  if (ours.tests !== peer.tests) console.log(`warning: test counts differ: ours ${ours.tests}, junit2json ${peer.tests}`);
  console.log(`junit ${f1(size)} MB, ${ours.tests} testcases`);
  console.log(`junit parse time (s): ours ${f1(ours.ms / 1000)}, peer junit2json ${f1(peer.ms / 1000)}, ratio ${f1(peer.ms / ours.ms)}x faster (goal >= 3x)`);
  console.log(
    `junit peak RSS (MB): ours ${f1(MB(ours.rss))}, peer junit2json ${f1(MB(peer.rss))}, ratio ${(ours.rss / peer.rss).toFixed(2)} of peer (goal <= 0.20)`,
  );
  const over = (r, b) => Math.max(1, r - b);
  console.log(
    `junit peak RSS above an idle parse (MB): ours ${f1(MB(over(ours.rss, base.ours)))}, peer junit2json ${f1(MB(over(peer.rss, base.peer)))}, ratio ${(over(ours.rss, base.ours) / over(peer.rss, base.peer)).toFixed(2)} of peer (baselines ${f1(MB(base.ours))} / ${f1(MB(base.peer))} MB)`,
  );
  const bare = child('saxes', file);
  console.log(`junit throughput (MB/s): ours ${f1(size / (ours.ms / 1000))}, peer junit2json ${f1(size / (peer.ms / 1000))} (goal >= 60)`);
  console.log(
    `junit throughput vs a bare saxes pass (MB/s): ours ${f1(size / (ours.ms / 1000))}, bare saxes ${f1(size / (bare.ms / 1000))}, ratio ${(bare.ms / ours.ms).toFixed(2)} of bare`,
  );
  // Memory flat in file size: ours alone on growing files.
  const sizes = [10, 50, 200];
  const rows = [];
  for (const s of sizes) {
    const f = path.join(dir, `flat-${s}.xml`);
    await writeReport(f, s);
    const r = child('ours', f);
    rows.push(`${s} MB → ${f1(MB(r.rss))} MB RSS (${f1(MB(statSync(f).size) / (r.ms / 1000))} MB/s)`);
    rmSync(f);
  }
  console.log(`junit memory vs file size (ours): ${rows.join(', ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
