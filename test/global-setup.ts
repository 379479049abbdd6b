// One PostgreSQL server for the whole test run; its URL is provided to the tests as `pgUrl`
// (each test file creates its own database on it). In CI (CI=true) a missing server is an error;
// elsewhere DB tests on PostgreSQL skip and say what to install.
import type { TestProject } from 'vitest/node';
import { startPostgres, type RunningPostgres } from './support/postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string | null;
    pgSkipReason: string | null;
  }
}

export default async function setup(project: TestProject) {
  let pg: RunningPostgres | null = null;
  try {
    pg = await startPostgres();
    project.provide('pgUrl', pg.url);
    project.provide('pgSkipReason', null);
  } catch (e) {
    if (process.env.CI === 'true') throw e;
    project.provide('pgUrl', null);
    project.provide('pgSkipReason', `${(e as Error).message} (install: apt-get install -y postgresql)`);
  }
  return () => pg?.stop();
}
