// What tests beside the code need of the assembled product — the hub's app, the CLI, the demo, the
// full pillar registry — reached from here, so that files under src/core and src/pillars (tests
// included) import nothing above their layer (scripts/eslint-layering.js).
export { runCli } from '../../src/cli/program.js';
export { pillars } from '../../src/pillars/index.js';
export { createApp } from '../../src/server/app.js';
export { DEMO, seedDemo } from '../../src/server/demo.js';
export { webRoot } from '../../src/server/web.js';
export { parseReportCases } from '../../src/parsers.js';
