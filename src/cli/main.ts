#!/usr/bin/env node
// The `ci-intel` bin.
import { pillars } from '../pillars/index.js';
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  env: process.env,
  isTTY: Boolean(process.stderr.isTTY),
}, pillars);
process.exitCode = code;
