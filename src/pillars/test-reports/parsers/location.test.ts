// Where a failing test failed, read from its stack in real runners' JUnit reports (the fixtures
// were made by running each runner; see fixtures/reports/README.md).
import { describe, expect, it } from 'vitest';
import { failureLocation } from './junit.js';
import { parseReportCases } from './index.js';

const dir = new URL('../fixtures/reports/', import.meta.url).pathname;

async function failures(file: string) {
  const { cases } = await parseReportCases(dir + file);
  return cases.filter((c) => c.status === 'failed' || c.status === 'errored').map((c) => (c.file ? `${c.file}:${c.line}` : null));
}

describe('failure locations', () => {
  it('are read from the stacks of jest, node --test, pytest, JUnit 5 (Surefire) and vitest reports', async () => {
    // The second failure's stack starts after a message longer than the part of a body
    // that is kept (4,096 characters), so its place is not known.
    expect(await failures('jest/report.xml')).toEqual(['/home/runner/work/app/strings.test.js:27', null]);
    expect(await failures('node/report.xml')).toEqual(['/home/runner/work/app/strings.test.mjs:18', '/home/runner/work/app/strings.test.mjs:24', null]);
    expect(await failures('pytest/report.xml')).toEqual([
      'tests/test_units.py:26',
      'tests/test_units.py:35',
      'tests/test_units.py:43',
      'tests/test_units.py:59',
    ]);
    expect(await failures('vitest/report.xml')).toEqual(['strings.test.js:23', 'strings.test.js:26']);
  });

  it("prefer the test's own file over the library frame above it", async () => {
    // JUnit 5 throws from AssertionFailureBuilder.java: the frame that counts is the test class's.
    const surefire = await failures('surefire/TEST-com.example.TempsTest.xml');
    expect(surefire.filter((l) => l?.startsWith('TempsTest.java:')).length).toBe(6);
    expect(surefire.some((l) => l?.startsWith('AssertionFailureBuilder'))).toBe(false);
  });

  it('pass over node_modules frames and texts without a location', () => {
    expect(failureLocation('at x (/app/node_modules/jest-circus/build/utils.js:298:28)\n at y (/app/src/a.test.js:4:2)', 'a')).toEqual({
      file: '/app/src/a.test.js',
      line: 4,
    });
    expect(failureLocation('test timed out after 50ms', 'a')).toBeNull();
  });
});
