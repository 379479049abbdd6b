// Entry point of the bundled Action (dist/action/index.js; scripts/build-agent.mjs).
import { runAction } from './action.js';

process.exitCode = await runAction({ env: process.env, out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
