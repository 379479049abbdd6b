#!/usr/bin/env node
// The `ci-intel` bin. The offline autopsy commands load only their pillar (src/cli/light.ts).
import { lightPillars } from './light.js';
import { runCli } from './program.js';

// `ci-intel ... | head` closes the pipe early: stop quietly instead of printing an EPIPE stack.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
});

const argv = process.argv.slice(2);
const pillars = (await lightPillars(argv)) ?? (await import('../pillars/index.js')).pillars;
const code = await runCli(argv, {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  env: process.env,
  isTTY: Boolean(process.stderr.isTTY),
}, pillars);
process.exitCode = code;
