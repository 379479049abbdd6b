// The analyzers without a hub (`import { parseReportCases } from 'ci-intel/parsers'`): test reports,
// flaky-test classification, the autopsy's built-in rules, mutation reports and scores, redaction, the cache's content digest,
// the compliance checks of a repository folder (`policy check`), the scheduler's test split and its
// quality measure, and its duration replay.
// Nothing here opens a store or a server.
export { Redactor } from './core/redact/index.js';
export { builtinRules } from './pillars/autopsy/rules.js';
export { blake3Hex } from './pillars/cache/digest.js';
export { readReport } from './pillars/mutation/reports/index.js';
export { countStatuses, fileScores, resilienceOf } from './pillars/mutation/score.js';
export { policyCheck } from './pillars/compliance/check.js';
export { classify } from './pillars/test-reports/flaky.js';
export { parseReportCases, parseReportFile } from './pillars/test-reports/parsers/index.js';
export { actualTimes, roundRobin, shardQuality, snapshotOf, splitTests, unitsOf } from './pillars/scheduler/split.js';
export { readHistoryLine, replay } from './pillars/scheduler/replay.js';
