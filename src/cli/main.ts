#!/usr/bin/env node
// The `ci-intel` bin. Agent commands load only their pillar (src/cli/light.ts).
import { fullPillars, lightPillars } from './light.js';
import { runCli } from './program.js';

// `ci-intel ... | head` closes the pipe early: stop quietly instead of printing an EPIPE stack.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
});

const argv = process.argv.slice(2);
const light = await lightPillars(argv);
const io = {
  out: (s: string) => process.stdout.write(s),
  err: (s: string) => process.stderr.write(s),
  env: process.env,
  isTTY: Boolean(process.stderr.isTTY),
};
process.exitCode = light ? await runCli(argv, io, light, fullPillars, { core: false }) : await runCli(argv, io, await fullPillars());
