// The Node test helper (`import { lab } from 'ci-intel/datalab'`): test files asking at once each get
// their own database cloned from the same seeded template — same rows, isolated writes.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lab } from '../src/datalab.js';
import { queryUrl } from '../src/pillars/datalab/labs.js';

const home = mkdtempSync(path.join(os.tmpdir(), 'lab-helper-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const SHOP = path.resolve('src/pillars/datalab/fixtures/shop.sql');

const q = queryUrl;

describe('lab() for test suites', () => {
  it('gives parallel callers isolated copies of one seeded template, and down() cleans up', async () => {
    const labs = await Promise.all([1, 2, 3].map(() => lab({ home, schema: SHOP, seed: 5, rows: { '*': 8, order_lines: 20 } })));
    expect(new Set(labs.map((l) => l.url)).size).toBe(3);
    expect(new Set(labs.map((l) => l.source.template)).size).toBe(1);
    const snapshots = await Promise.all(labs.map((l) => q(l.url, 'SELECT email FROM customers ORDER BY id')));
    expect(snapshots[1]).toEqual(snapshots[0]);
    expect(snapshots[0]).toHaveLength(8);
    await q(labs[0]!.url, 'DELETE FROM order_lines');
    expect(await q(labs[1]!.url, 'SELECT count(*)::int AS n FROM order_lines')).toEqual([{ n: 20 }]);
    for (const l of labs) await l.down();
    expect(readdirSync(home).sort()).toEqual(['cache', 'labs']);
  });
});
