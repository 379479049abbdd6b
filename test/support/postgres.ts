// The test suite's PostgreSQL: one implementation shared with the benchmarks (scripts/postgres.mjs).
export { findPgBin, freePort, startPostgres, type RunningPostgres } from '../../scripts/postgres.mjs';
