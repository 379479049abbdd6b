// ci-intel as a library (`import { openHub } from 'ci-intel'`): run a hub inside your own process,
// feed it run records, and read what the pillars derive. The CLI (`ci-intel`) is built from the same
// parts; the benchmarks under bench/ use only this entry point and `ci-intel/parsers`.
export { defaultConfig, loadConfig, type Config } from './core/config.js';
export { openStore, type Store } from './core/db/index.js';
export { analyzeIfStale } from './core/db/analyze.js';
export { Redactor } from './core/redact/index.js';
export { insertCommits } from './core/runs/commits.js';
export { writeNormalized } from './core/runs/write.js';
export { normalizeRecord } from './core/runs/normalize.js';
export { synthesize } from './core/synth/generate.js';
export { createToken } from './core/tokens.js';
export { refresh as refreshMetrics } from './pillars/metrics/refresh.js';
export { pillars } from './pillars/index.js';
export { createApp } from './server/app.js';
export { openHub, type Hub } from './server/hub.js';
